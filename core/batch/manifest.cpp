#include "core/batch/manifest.h"

#include "core/io/atomic_file.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

namespace deadiff::batch {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

void writeText(const std::string& path, const std::string& text) {
    io::AtomicFile file(path);
    file.write(text.data(), text.size());
    file.commit();
}

std::string number(double value) {
    std::ostringstream text;
    text << std::setprecision(6) << value;
    return text.str();
}

} // namespace

const char* statusName(ImageStatus status) {
    switch (status) {
    case ImageStatus::Pending:
        return "pending";
    case ImageStatus::Generated:
        return "generated";
    case ImageStatus::Kept:
        return "kept";
    case ImageStatus::Failed:
        return "failed";
    }
    return "pending";
}

std::string csvField(const std::string& value) {
    std::string text = value;
    if (!text.empty() && std::string("=+-@").find(text.front()) != std::string::npos &&
        !(text.size() > 1 && std::isdigit(static_cast<unsigned char>(text[1]))))
        text = "'" + text; // a prompt "=cmd|..." must not become a spreadsheet formula
    if (text.find_first_of(",\"\r\n") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (const char c : text) {
        if (c == '"')
            quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

void writeManifest(const std::string& outDir, const BatchPlan& plan,
                   const std::vector<ManifestRow>& rows, std::uint64_t baseSeed) {
    std::ostringstream csv;
    csv << "index,file,status,seconds,prompt,styles,style_weights,mix,mode,image_weight,seed,"
           "batch_index,steps,cfg,sampler,width,height,depth,negative_prompt\r\n";
    Json images = Json::array();
    for (std::size_t i = 0; i < plan.images.size(); ++i) {
        const PlannedImage& image = plan.images[i];
        const PlannedRequest& planned = plan.requests[image.requestIndex];
        const GenerationRequest& r = planned.request;
        const ManifestRow row = i < rows.size() ? rows[i] : ManifestRow{};
        std::string styles, weights;
        const std::vector<double> normalised = normalizedStyleWeights(r);
        for (std::size_t s = 0; s < r.styles.size(); ++s) {
            styles += (s ? ";" : "") + r.styles[s].path;
            weights += (s ? ";" : "") + number(normalised[s]);
        }
        const std::vector<std::string> fields = {
            std::to_string(image.index + 1),
            image.fileName,
            statusName(row.status),
            number(row.seconds),
            r.prompt,
            styles,
            weights,
            r.mix ? number(*r.mix) : "",
            nameOf(effectiveMode(r)),
            number(r.imageWeight),
            r.seed ? std::to_string(*r.seed) : "",
            std::to_string(image.batchIndex + 1),
            std::to_string(r.steps),
            number(r.cfg),
            nameOf(r.sampler),
            std::to_string(r.width),
            std::to_string(r.height),
            r.controls.empty() ? std::string() : control::hintSource(r.controls.front()),
            r.negativePrompt};
        for (std::size_t f = 0; f < fields.size(); ++f)
            csv << (f ? "," : "") << csvField(fields[f]);
        csv << "\r\n";

        Json axes = Json::object();
        for (std::size_t a = 0; a < plan.axes.size() && a < planned.coord.size(); ++a) {
            const std::size_t value = plan.axes[a].key == "batch"
                                          ? static_cast<std::size_t>(image.batchIndex)
                                          : planned.coord[a];
            axes[plan.axes[a].title] = plan.axes[a].labels.at(value);
        }
        images.push_back({{"index", image.index + 1},
                          {"file", image.fileName},
                          {"status", statusName(row.status)},
                          {"seconds", row.seconds},
                          {"batch_index", image.batchIndex + 1},
                          {"axes", axes},
                          {"request", Json::parse(toJson(r))}});
    }
    Json axes = Json::array();
    for (const Axis& axis : plan.axes)
        axes.push_back({{"key", axis.key}, {"title", axis.title}, {"values", axis.labels}});
    const Json manifest = {{"format", "deadiff-batch-manifest"},
                           {"version", 1},
                           {"base_seed", baseSeed},
                           {"axes", axes},
                           {"images", images}};
    writeText((fs::path(outDir) / "manifest.csv").string(), csv.str());
    writeText((fs::path(outDir) / "manifest.json").string(), manifest.dump(2) + "\n");
}

std::optional<std::uint64_t> readManifestBaseSeed(const std::string& outDir) {
    std::ifstream in(fs::path(outDir) / "manifest.json", std::ios::binary);
    if (!in)
        return std::nullopt;
    try {
        const Json manifest = Json::parse(in);
        if (manifest.is_object() && manifest.contains("base_seed") &&
            manifest["base_seed"].is_number_unsigned())
            return manifest["base_seed"].get<std::uint64_t>();
    } catch (const Json::exception&) {
        // A damaged manifest is rewritten; its seed is lost (a new one is drawn).
    }
    return std::nullopt;
}

} // namespace deadiff::batch
