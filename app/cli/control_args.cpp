#include "app/cli/control_args.h"

#include "app/cli/commands.h"

#include "core/io/png.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <tuple>

namespace deadiff::cli {
namespace {

using control::ControlUnit;

std::optional<double> parseNumber(const std::string& text) {
    if (text.empty())
        return std::nullopt;
    errno = 0;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (*end != '\0' || errno == ERANGE)
        return std::nullopt;
    return value;
}

std::vector<std::string> splitColons(const std::string& text) {
    std::vector<std::string> parts{""};
    for (const char c : text) {
        if (c == ':')
            parts.emplace_back();
        else
            parts.back() += c;
    }
    return parts;
}

// NAME, NAME:a or NAME:a:b.
void applyPreprocessSpec(const std::string& text, ControlUnit& unit) {
    const std::vector<std::string> parts = splitColons(text);
    const auto preprocessor = enumFromName<control::Preprocessor>(parts[0]);
    if (!preprocessor)
        throw UsageError("option '--preprocess' must be " + enumNameList<control::Preprocessor>() +
                         ", got '" + parts[0] + "'");
    unit.preprocess = *preprocessor;
    if (parts.size() > 3)
        throw UsageError("option '--preprocess' expects NAME[:a[:b]], got '" + text + "'");
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const std::optional<double> value = parseNumber(parts[i]);
        if (!value)
            throw UsageError("option '--preprocess' expects numbers after the name, got '" + text +
                             "'");
        (i == 1 ? unit.thresholdA : unit.thresholdB) = *value;
    }
}

const char* const kLegacyFlags[] = {"--depth",         "--depth-from",    "--depth-model",
                                    "--control-scale", "--control-start", "--control-end"};

} // namespace

// PATH, PATH:scale or PATH:scale:start:end (numbers are read from the right, so a path may
// itself hold colons).
ControlUnit controlSpec(const std::string& text) {
    const std::vector<std::string> parts = splitColons(text);
    std::size_t numbers = 0;
    while (numbers < 3 && numbers + 1 < parts.size() &&
           parseNumber(parts[parts.size() - 1 - numbers]))
        ++numbers;
    if (numbers == 2)
        throw UsageError("option '--control' expects PATH, PATH:scale or PATH:scale:start:end, "
                         "got '" +
                         text + "'");
    ControlUnit unit;
    const std::size_t pathParts = parts.size() - numbers;
    for (std::size_t i = 0; i < pathParts; ++i)
        unit.model += (i ? ":" : "") + parts[i];
    if (numbers >= 1)
        unit.scale = *parseNumber(parts[pathParts]);
    if (numbers == 3) {
        unit.start = *parseNumber(parts[pathParts + 1]);
        unit.end = *parseNumber(parts[pathParts + 2]);
    }
    if (unit.model.empty())
        throw UsageError("option '--control' needs a ControlNet file, got '" + text + "'");
    return unit;
}

void addControlOptions(Args& args) {
    args.repeatable("--control", "PATH[:S[:A:B]]",
                    "ControlNet checkpoint with strength S (0-5, default 1) acting from step "
                    "fraction A to B (default 0:1); its hint flags follow it")
        .repeatable("--control-type", "TYPE",
                    "the preceding ControlNet's kind (canny, depth, lineart, scribble, ...) "
                    "[default: from its file name]")
        .repeatable("--hint", "IMG", "the preceding ControlNet's hint, used as it is")
        .repeatable("--hint-from", "IMG",
                    "a picture the preceding ControlNet's hint is made from (--preprocess)")
        .repeatable("--preprocess", "NAME[:A[:B]]",
                    "how: none, canny[:low:high], scribble[:threshold], lineart[:width], "
                    "tile[:factor], shuffle[:seed], depth_map, depth_midas [default: the "
                    "ControlNet kind's]")
        .repeatable("--preprocess-model", "ONNX", "depth_midas: the MiDaS-family ONNX model")
        .option("--save-hint", "DIR", "write the hints as used to DIR/<image>-hint-<i>.png")
        .option("--depth", "PATH", "old form: depth map (near = bright) for the one --control")
        .option("--depth-from", "PHOTO", "old form: estimate the depth map from a photo")
        .option("--depth-model", "ONNX", "old form: MiDaS-family ONNX depth estimator")
        .option("--control-scale", "F", "old form: the one ControlNet's strength [default: 1]")
        .option("--control-start", "F", "old form: ... from this fraction of the steps [0]")
        .option("--control-end", "F", "old form: ... up to this fraction of the steps [1]");
}

std::vector<ControlUnit> controlsFromArgs(const Args& args) {
    std::vector<ControlUnit> units;
    for (const auto& [name, value] : args.occurrences()) {
        if (name == "--control") {
            units.push_back(controlSpec(value));
            continue;
        }
        const bool attached = name == "--hint" || name == "--hint-from" || name == "--preprocess" ||
                              name == "--control-type" || name == "--preprocess-model";
        if (!attached)
            continue;
        if (units.empty())
            throw UsageError("option '" + name +
                             "' belongs to a ControlNet: give --control PATH before it");
        ControlUnit& unit = units.back();
        const auto once = [&](bool alreadySet) {
            if (alreadySet)
                throw UsageError("option '" + name + "' given twice for the ControlNet " +
                                 unit.model);
        };
        if (name == "--hint") {
            once(!unit.hint.empty());
            unit.hint = value;
        } else if (name == "--hint-from") {
            once(!unit.hintFrom.empty());
            unit.hintFrom = value;
        } else if (name == "--preprocess") {
            once(unit.preprocess.has_value());
            applyPreprocessSpec(value, unit);
        } else if (name == "--preprocess-model") {
            once(!unit.preprocessModel.empty());
            unit.preprocessModel = value;
        } else {
            once(unit.type.has_value());
            const auto type = enumFromName<control::ControlType>(value);
            if (!type)
                throw UsageError("option '--control-type' must be " +
                                 enumNameList<control::ControlType>() + ", got '" + value + "'");
            unit.type = *type;
        }
    }

    bool legacy = false;
    for (const char* flag : kLegacyFlags)
        legacy = legacy || args.has(flag);
    if (!legacy)
        return units;
    if (units.size() > 1)
        throw UsageError("--depth, --depth-from, --depth-model and --control-scale/-start/-end "
                         "describe one ControlNet; with several, write --control "
                         "PATH:scale:start:end and --hint-from MAP --preprocess depth_map after "
                         "each");
    if (units.empty())
        units.emplace_back();
    ControlUnit& unit = units.front();
    if (args.has("--depth") || args.has("--depth-from")) {
        if (!unit.hint.empty() || !unit.hintFrom.empty())
            throw UsageError("--depth/--depth-from and --hint/--hint-from both give the hint: "
                             "give one");
        const bool estimate = !args.has("--depth");
        unit.hintFrom = args.value(estimate ? "--depth-from" : "--depth");
        if (args.has("--depth") && args.has("--depth-from"))
            throw UsageError("--depth and --depth-from are alternatives: give one");
        unit.preprocess =
            estimate ? control::Preprocessor::DepthMidas : control::Preprocessor::DepthMap;
        if (!unit.type)
            unit.type = control::ControlType::Depth;
    }
    if (args.has("--depth-model"))
        unit.preprocessModel = args.value("--depth-model");
    if (args.has("--control-scale"))
        unit.scale = args.number("--control-scale");
    if (args.has("--control-start"))
        unit.start = args.number("--control-start");
    if (args.has("--control-end"))
        unit.end = args.number("--control-end");
    return units;
}

void checkControlFiles(const std::vector<ControlUnit>& controls) {
    for (const ControlUnit& unit : controls)
        for (const auto& [flag, path, named] :
             {std::tuple<const char*, const std::string&, bool>{"--control", unit.model, true},
              {"--hint", unit.hint, false},
              {"--hint-from", unit.hintFrom, false},
              {"--preprocess-model", unit.preprocessModel, true}}) {
            std::error_code error;
            if (!path.empty() && !std::filesystem::is_regular_file(path, error))
                throw UsageError(std::string("option '") + flag + "': no such file" +
                                 (named ? " or model name: " + path + modelsHint() : ": " + path));
        }
}

void checkHintFolder(const std::string& folder) {
    std::error_code error;
    if (!std::filesystem::is_directory(folder, error))
        throw UsageError("option '--save-hint': no such folder: " + folder);
    if (::access(folder.c_str(), W_OK) != 0)
        throw UsageError("option '--save-hint': cannot write into " + folder);
}

std::vector<std::string> saveHints(const std::string& folder, const std::string& imagePath,
                                   const std::vector<cv::Mat>& hints) {
    std::vector<std::string> written;
    const std::string stem = std::filesystem::path(imagePath).stem().string();
    for (std::size_t i = 0; i < hints.size(); ++i) {
        const std::string path =
            (std::filesystem::path(folder) / (stem + "-hint-" + std::to_string(i) + ".png"))
                .string();
        io::writePng(path, hints[i]);
        written.push_back(path);
    }
    return written;
}

} // namespace deadiff::cli
