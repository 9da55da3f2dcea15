#include "core/batch/manifest.h"

#include "core/io/atomic_file.h"
#include "core/io/bounded_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
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

namespace {

// The manifest.json document listing the images `include` accepts.
Json manifestDocument(const BatchPlan& plan, const std::vector<ManifestRow>& rows,
                      std::uint64_t baseSeed, const std::function<bool(std::size_t)>& include) {
    Json images = Json::array();
    for (std::size_t i = 0; i < plan.images.size(); ++i) {
        if (!include(i))
            continue;
        const PlannedImage& image = plan.images[i];
        const PlannedRequest& planned = plan.requests[image.requestIndex];
        const ManifestRow row = i < rows.size() ? rows[i] : ManifestRow{};
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
                          {"request", Json::parse(toJson(planned.request))}});
    }
    Json axes = Json::array();
    for (const Axis& axis : plan.axes)
        axes.push_back({{"key", axis.key}, {"title", axis.title}, {"values", axis.labels}});
    return {{"format", "deadiff-batch-manifest"},
            {"version", 1},
            {"base_seed", baseSeed},
            {"axes", axes},
            {"images", images}};
}

std::optional<ImageStatus> statusFromName(const std::string& name) {
    for (const ImageStatus status :
         {ImageStatus::Pending, ImageStatus::Generated, ImageStatus::Kept, ImageStatus::Failed})
        if (name == statusName(status))
            return status;
    return std::nullopt;
}

// "manifest.part-K-of-N.json" -> K/N; nullopt for any other name.
std::optional<Shard> shardOfPartName(const std::string& name) {
    const std::string prefix = "manifest.part-", suffix = ".json";
    if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix))
        return std::nullopt;
    std::string middle = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    const std::size_t of = middle.find("-of-");
    if (of == std::string::npos)
        return std::nullopt;
    try {
        return parseShard(middle.substr(0, of) + "/" + middle.substr(of + 4));
    } catch (const ShardError&) {
        return std::nullopt;
    }
}

} // namespace

void writeManifest(const std::string& outDir, const BatchPlan& plan,
                   const std::vector<ManifestRow>& rows, std::uint64_t baseSeed) {
    std::ostringstream csv;
    csv << "index,file,status,seconds,prompt,styles,style_weights,mix,mode,image_weight,seed,"
           "batch_index,steps,cfg,sampler,width,height,depth,negative_prompt\r\n";
    for (std::size_t i = 0; i < plan.images.size(); ++i) {
        const PlannedImage& image = plan.images[i];
        const GenerationRequest& r = plan.requests[image.requestIndex].request;
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
    }
    const Json manifest = manifestDocument(plan, rows, baseSeed, [](std::size_t) { return true; });
    writeText((fs::path(outDir) / kManifestCsvName).string(), csv.str());
    writeText((fs::path(outDir) / kManifestJsonName).string(), manifest.dump(2) + "\n");
}

std::string manifestPartName(const Shard& shard) {
    return "manifest.part-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count) +
           ".json";
}

void writeManifestPart(const std::string& outDir, const BatchPlan& plan,
                       const std::vector<ManifestRow>& rows, std::uint64_t baseSeed,
                       const ModelFacts& model, const Shard& shard) {
    const RequestRange range = shardRequests(plan.requests.size(), shard);
    Json part = manifestDocument(plan, rows, baseSeed, [&](std::size_t i) {
        return range.contains(plan.images[i].requestIndex);
    });
    part["shard"] = {{"index", shard.index}, {"count", shard.count}};
    part["model"] = {{"path", model.modelPath},
                     {"dtype", nameOf(model.computeDtype)},
                     {"native_size", model.nativeImageSize}};
    writeText((fs::path(outDir) / manifestPartName(shard)).string(), part.dump(2) + "\n");
}

namespace {

ManifestPart readManifestPart(const fs::path& path, const Shard& shard) {
    ManifestPart part{shard, path.string(), std::nullopt, {}};
    try {
        std::ifstream in(path, std::ios::binary);
        const Json json = Json::parse(in);
        const Json& model = json.at("model");
        ModelFacts facts;
        facts.modelPath = model.at("path").get<std::string>();
        const std::optional<ComputeDtype> dtype =
            enumFromName<ComputeDtype>(model.at("dtype").get<std::string>());
        facts.nativeImageSize = model.at("native_size").get<int>();
        if (!dtype || *dtype == ComputeDtype::Auto || facts.nativeImageSize < 1)
            return part;
        facts.computeDtype = *dtype;
        for (const Json& image : json.at("images")) {
            const auto status = statusFromName(image.at("status").get<std::string>());
            if (!status)
                continue;
            part.images[image.at("index").get<int>() - 1] = {
                image.at("file").get<std::string>(), {*status, image.at("seconds").get<double>()}};
        }
        part.model = facts;
    } catch (const Json::exception&) {
        // A damaged part (a shard killed while the file system lost its write) tells nothing;
        // the images themselves are checked anyway.
        part.images.clear();
    }
    return part;
}

} // namespace

std::vector<ManifestPart> readManifestParts(const std::string& outDir) {
    std::vector<ManifestPart> parts;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(outDir, error)) {
        const std::optional<Shard> shard = shardOfPartName(entry.path().filename().string());
        if (shard && entry.is_regular_file(error))
            parts.push_back(readManifestPart(entry.path(), *shard));
    }
    std::sort(parts.begin(), parts.end(), [](const ManifestPart& a, const ManifestPart& b) {
        return std::make_pair(a.shard.count, a.shard.index) <
               std::make_pair(b.shard.count, b.shard.index);
    });
    return parts;
}

std::optional<std::uint64_t> readManifestBaseSeed(const std::string& outDir) {
    const std::string path = (fs::path(outDir) / kManifestJsonName).string();
    std::error_code error;
    if (!fs::exists(path, error))
        return std::nullopt;
    try {
        const Json manifest =
            Json::parse(io::readBoundedTextFile(path, io::kMaxJsonFileBytes, "batch manifest"));
        if (manifest.is_object() && manifest.contains("base_seed") &&
            manifest["base_seed"].is_number_unsigned())
            return manifest["base_seed"].get<std::uint64_t>();
    } catch (const Json::exception&) {
        // A damaged manifest is rewritten; its seed is lost (a new one is drawn).
    } catch (const io::FileAccessError&) {
        // So is anything but a regular file in its place (a FIFO would block the read).
    }
    return std::nullopt;
}

} // namespace deadiff::batch
