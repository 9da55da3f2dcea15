#include "app/cli/args.h"
#include "app/cli/commands.h"

#include "core/io/weight_file.h"
#include "core/runtime/units.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <ostream>
#include <set>

namespace deadiff::cli {
namespace {

// The parts of a DEADiff / SD 1.5 / ControlNet checkpoint, matched as key prefixes. Other keys
// are grouped by their first name component.
const char* const kComponents[] = {
    "model.diffusion_model", "model_ema",          "first_stage_model",
    "cond_stage_model",      "style_blip",         "content_blip",
    "style_proj_layer",      "content_proj_layer", "control_model",
};

std::string componentOf(const std::string& key) {
    for (const char* component : kComponents) {
        const std::string prefix = component;
        if (key.compare(0, prefix.size(), prefix) == 0 &&
            (key.size() == prefix.size() || key[prefix.size()] == '.'))
            return prefix;
    }
    const std::size_t dot = key.find('.');
    return dot == std::string::npos ? "(top level)" : key.substr(0, dot);
}

std::string grouped(std::uint64_t value) {
    std::string digits = std::to_string(value);
    for (std::size_t at = digits.size(); at > 3; at -= 3)
        digits.insert(at - 3, ",");
    return digits;
}

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

struct Tally {
    std::uint64_t tensors = 0;
    std::uint64_t parameters = 0;
    std::uint64_t bytes = 0;
    std::map<std::string, std::uint64_t> dtypes;

    void add(const io::TensorInfo& info) {
        ++tensors;
        std::uint64_t numel = 1;
        for (const std::int64_t size : info.shape)
            numel *= static_cast<std::uint64_t>(size);
        parameters += numel;
        bytes += info.byteSize;
        ++dtypes[std::string(io::dtypeName(info.dtype))];
    }
    std::string dtypeList() const {
        std::string text;
        for (const auto& [name, count] : dtypes)
            text += (text.empty() ? "" : ", ") + name + " x" + std::to_string(count);
        return text;
    }
};

std::string padded(const std::string& text, std::size_t width, bool right = false) {
    if (text.size() >= width)
        return text;
    const std::string pad(width - text.size(), ' ');
    return right ? pad + text : text + pad;
}

} // namespace

int runInspect(const std::vector<std::string>& argv, Streams io) {
    Args args("inspect [--keys] FILE",
              "Describe a weight file (.safetensors, or a PyTorch .ckpt/.pth/.pt zip checkpoint)\n"
              "without loading it: its components (by key prefix) with tensor and parameter\n"
              "counts and dtypes. The file is memory-mapped; nothing in it is executed.");
    args.flag("--keys", "also list every tensor with its dtype and shape")
        .positional("FILE", "the weight file");
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    const auto started = std::chrono::steady_clock::now();
    const io::WeightFile file = io::WeightFile::open(args.positionalValue("FILE"));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    Tally total;
    std::map<std::string, Tally> components;
    for (const io::TensorInfo& info : file.tensors()) {
        total.add(info);
        components[componentOf(info.name)].add(info);
    }

    std::string format = io::formatName(file.format());
    if (!file.stateDictKey().empty())
        format += " (tensors under '" + file.stateDictKey() + "')";
    char openedIn[32];
    std::snprintf(openedIn, sizeof openedIn, "%.3f s", seconds);
    io.out << "file:       " << file.path() << "\n"
           << "format:     " << format << "\n"
           << "tensors:    " << grouped(total.tensors) << "\n"
           << "parameters: " << grouped(total.parameters) << " (" << humanCount(total.parameters)
           << ")\n"
           << "bytes:      " << grouped(total.bytes) << " (" << humanBytes(total.bytes) << ")\n"
           << "dtypes:     " << total.dtypeList() << "\n"
           << "opened in:  " << openedIn << "\n\n";

    std::size_t width = 9;
    for (const auto& [name, tally] : components)
        width = std::max(width, name.size());
    io.out << padded("component", width) << "  " << padded("tensors", 8, true) << "  "
           << padded("parameters", 15, true) << "  dtypes\n";
    for (const auto& [name, tally] : components)
        io.out << padded(name, width) << "  " << padded(grouped(tally.tensors), 8, true) << "  "
               << padded(grouped(tally.parameters), 15, true) << "  " << tally.dtypeList() << "\n";

    if (args.has("--keys")) {
        io.out << "\n";
        for (const io::TensorInfo& info : file.tensors())
            io.out << info.name << "  " << io::dtypeName(info.dtype) << "  "
                   << shapeText(info.shape) << "\n";
    }
    return kExitOk;
}

} // namespace deadiff::cli
