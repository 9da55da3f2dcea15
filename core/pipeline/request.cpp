#include "core/pipeline/request.h"

#include "core/common/json_fields.h"
#include "core/io/file_hash.h"

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

namespace deadiff {

const char* const kOfficialNegativePrompt =
    "over-exposure, under-exposure, saturated, duplicate, out of frame, lowres, cropped, worst "
    "quality, low quality, jpeg artifacts, morbid, mutilated, out of frame, ugly, bad anatomy, "
    "bad proportions, deformed, blurry, duplicate";

namespace {

using Json = json::Value;

[[noreturn]] void fail(const std::string& field, const std::string& problem) {
    throw RequestError(field, problem);
}

std::string formatNumber(double value) {
    std::ostringstream text;
    text << std::setprecision(6) << value;
    return text.str();
}

// The name a file or model folder is known by: "demo-model" for "resources/demo-model/" and
// for "resources/demo-model/model.json".
std::string fileStem(const std::string& path) {
    std::filesystem::path p(path);
    if (!p.has_filename())
        p = p.parent_path();
    if (p.filename() == "model.json" && p.has_parent_path())
        p = p.parent_path();
    return p.stem().string();
}

// A1111's "Model" is the SD checkpoint that paints: the base when there is one (the DEADiff
// file is named separately), else the model itself.
void appendModelNames(std::ostream& text, const GenerationRequest& r) {
    const auto named = [&](const char* label, const std::string& path, const std::string& hash) {
        text << ", " << label << ": " << fileStem(path);
        if (!hash.empty())
            text << ", " << label << " hash: " << io::shortHash(hash);
    };
    if (!r.base.empty()) {
        named("Model", r.base, r.baseHash);
        if (!r.model.empty())
            named("DEADiff model", r.model, r.modelHash);
    } else if (!r.model.empty()) {
        named("Model", r.model, r.modelHash);
    }
    if (!r.vae.empty())
        named("VAE", r.vae, r.vaeHash);
}

} // namespace

RequestError::RequestError(std::string field, std::string problem)
    : std::runtime_error(field.empty() ? problem : "'" + field + "' " + problem)
    , field_(std::move(field))
    , problem_(std::move(problem)) {}

bool GenerationRequest::operator==(const GenerationRequest& o) const {
    const auto sameStyles = [&] {
        if (styles.size() != o.styles.size())
            return false;
        for (std::size_t i = 0; i < styles.size(); ++i)
            if (styles[i].path != o.styles[i].path || styles[i].weight != o.styles[i].weight)
                return false;
        return true;
    };
    return model == o.model && base == o.base && baseEma == o.baseEma && vae == o.vae &&
           modelHash == o.modelHash && baseHash == o.baseHash && vaeHash == o.vaeHash &&
           prompt == o.prompt && negativePrompt == o.negativePrompt && sameStyles() &&
           mix == o.mix && content == o.content && mode == o.mode && imageWeight == o.imageWeight &&
           seed == o.seed && steps == o.steps && cfg == o.cfg && sampler == o.sampler &&
           width == o.width && height == o.height && batch == o.batch && dtype == o.dtype &&
           depth == o.depth && depthFrom == o.depthFrom && depthModel == o.depthModel &&
           control == o.control && controlScale == o.controlScale &&
           controlStart == o.controlStart && controlEnd == o.controlEnd;
}

ReferenceMode effectiveMode(const GenerationRequest& request) {
    if (request.mode)
        return *request.mode;
    return request.styles.empty() ? ReferenceMode::None : ReferenceMode::Style;
}

std::vector<double> normalizedWeights(const std::vector<double>& weights,
                                      const std::string& field) {
    if (weights.empty())
        fail(field, "has no weights to normalise");
    double total = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (!(weights[i] >= 0.0) || !std::isfinite(weights[i]))
            fail(field + "[" + std::to_string(i) + "].weight",
                 "must be a non-negative number, got " + formatNumber(weights[i]));
        total += weights[i];
    }
    if (total <= 0)
        fail(field, "weights must not all be zero");
    std::vector<double> normalized;
    normalized.reserve(weights.size());
    for (const double weight : weights)
        normalized.push_back(weight / total);
    return normalized;
}

std::vector<double> normalizedStyleWeights(const GenerationRequest& request) {
    const std::size_t count = request.styles.size();
    std::vector<double> weights(count, count ? 1.0 / static_cast<double>(count) : 0.0);
    if (count == 0)
        return weights;
    if (request.mix && count == 2) {
        if (!(*request.mix >= 0.0 && *request.mix <= 1.0))
            fail("mix", "must lie in [0, 1], got " + formatNumber(*request.mix));
        return {1.0 - *request.mix, *request.mix};
    }
    bool anyExplicit = false;
    for (const StyleReference& style : request.styles)
        anyExplicit = anyExplicit || style.weight.has_value();
    if (!anyExplicit)
        return weights;
    for (std::size_t i = 0; i < count; ++i)
        weights[i] = request.styles[i].weight.value_or(1.0);
    return normalizedWeights(weights);
}

void validate(const GenerationRequest& request) {
    if (request.prompt.empty())
        fail("prompt", "is required");
    for (const auto& [field, value] :
         {std::pair<const char*, int>{"width", request.width}, {"height", request.height}}) {
        if (value < kMinImageSide || value > kMaxImageSide || value % 64 != 0)
            fail(field, "must be a multiple of 64 between " + std::to_string(kMinImageSide) +
                            " and " + std::to_string(kMaxImageSide) + ", got " +
                            std::to_string(value));
    }
    if (request.steps < 1 || request.steps > kMaxSteps)
        fail("steps", "must be between 1 and " + std::to_string(kMaxSteps) + ", got " +
                          std::to_string(request.steps));
    if (request.batch < 1 || request.batch > kMaxBatch)
        fail("batch", "must be between 1 and " + std::to_string(kMaxBatch) + ", got " +
                          std::to_string(request.batch));
    if (!(request.cfg >= 0.0 && request.cfg <= 100.0))
        fail("cfg", "must lie in [0, 100], got " + formatNumber(request.cfg));
    if (!(request.imageWeight >= 0.0 && request.imageWeight <= 10.0))
        fail("image_weight", "must lie in [0, 10], got " + formatNumber(request.imageWeight));
    const ReferenceMode mode = effectiveMode(request);
    if ((mode == ReferenceMode::Style || mode == ReferenceMode::Both) && request.styles.empty())
        fail("styles",
             std::string("mode '") + nameOf(mode) + "' needs at least one style reference");
    if (mode == ReferenceMode::Content && request.content.empty() && request.styles.empty())
        fail("content", "mode 'content' needs a content reference (or a style reference)");
    for (std::size_t i = 0; i < request.styles.size(); ++i)
        if (request.styles[i].path.empty())
            fail("styles[" + std::to_string(i) + "].path", "is empty");
    normalizedStyleWeights(request); // throws on bad weights
    if (!(request.controlScale >= 0.0 && request.controlScale <= 5.0))
        fail("control_scale", "must lie in [0, 5], got " + formatNumber(request.controlScale));
    if (!(request.controlStart >= 0.0 && request.controlStart <= request.controlEnd &&
          request.controlEnd <= 1.0))
        fail("control_start", "and control_end must satisfy 0 <= start <= end <= 1");
    if (!request.depth.empty() && !request.depthFrom.empty())
        fail("depth", "and depth_from are alternatives: give one");
    if (!request.depthFrom.empty() && request.depthModel.empty())
        fail("depth_model", "is required to estimate depth from a photo");
    const bool depthGiven = !request.depth.empty() || !request.depthFrom.empty();
    if (depthGiven && request.control.empty())
        fail("control", "is required with a depth map: give the ControlNet depth checkpoint");
    if (!depthGiven && !request.control.empty())
        fail("depth", "is required with a ControlNet: give a depth map, or a photo (depth_from) "
                      "and a depth model to estimate one");
}

bool controlAppliesAt(const GenerationRequest& request, int step, int total) {
    if (total <= 0)
        return false;
    const double fraction = static_cast<double>(step) / static_cast<double>(total);
    return fraction >= request.controlStart && fraction <= request.controlEnd;
}

std::string toJson(const GenerationRequest& r, bool pretty) {
    Json json;
    if (!r.model.empty())
        json["model"] = r.model;
    if (!r.modelHash.empty())
        json["model_hash"] = r.modelHash;
    if (!r.base.empty())
        json["base"] = r.base;
    if (r.baseEma)
        json["base_ema"] = true;
    if (!r.baseHash.empty())
        json["base_hash"] = r.baseHash;
    if (!r.vae.empty())
        json["vae"] = r.vae;
    if (!r.vaeHash.empty())
        json["vae_hash"] = r.vaeHash;
    json["prompt"] = r.prompt;
    json["negative_prompt"] = r.negativePrompt;
    Json styles = Json::array();
    for (const StyleReference& style : r.styles) {
        Json entry = {{"path", style.path}};
        if (style.weight)
            entry["weight"] = *style.weight;
        styles.push_back(entry);
    }
    json["styles"] = styles;
    if (r.mix)
        json["mix"] = *r.mix;
    if (!r.content.empty())
        json["content"] = r.content;
    json["mode"] = nameOf(effectiveMode(r));
    json["image_weight"] = r.imageWeight;
    if (r.seed)
        json["seed"] = *r.seed;
    json["steps"] = r.steps;
    json["cfg"] = r.cfg;
    json["sampler"] = nameOf(r.sampler);
    json["width"] = r.width;
    json["height"] = r.height;
    json["batch"] = r.batch;
    json["dtype"] = nameOf(r.dtype);
    if (!r.depth.empty())
        json["depth"] = r.depth;
    if (!r.depthFrom.empty())
        json["depth_from"] = r.depthFrom;
    if (!r.depthModel.empty())
        json["depth_model"] = r.depthModel;
    if (!r.control.empty()) {
        json["control"] = r.control;
        json["control_scale"] = r.controlScale;
        json["control_start"] = r.controlStart;
        json["control_end"] = r.controlEnd;
    }
    return json.dump(pretty ? 2 : -1);
}

namespace {

// A style set entry: a bare path, or {"path", "weight"}.
StyleReference styleFromJson(const Json& entry, const std::string& where, bool strict) {
    StyleReference style;
    if (entry.is_string()) {
        style.path = entry.get<std::string>();
    } else if (entry.is_object()) {
        if (!entry.contains("path"))
            fail(where + ".path", "is missing");
        style.path = json::asString(entry["path"], where + ".path");
        if (entry.contains("weight") && !entry["weight"].is_null())
            style.weight = json::asNumber(entry["weight"], where + ".weight");
        for (auto field = entry.begin(); field != entry.end(); ++field)
            if (strict && field.key() != "path" && field.key() != "weight")
                fail(where + "." + field.key(), "is not a known field");
    } else {
        fail(where, "must be a path or a {\"path\", \"weight\"} object");
    }
    return style;
}

GenerationRequest requestFromJson(const Json& document, JsonStrictness strictness);

} // namespace

GenerationRequest requestFromJson(const std::string& text, JsonStrictness strictness) {
    try {
        const Json document = json::parse(text);
        if (!document.is_object())
            throw RequestError("a request must be a JSON object");
        return requestFromJson(document, strictness);
    } catch (const json::FieldError& error) {
        throw RequestError(error.field(), error.problem());
    }
}

namespace {

GenerationRequest requestFromJson(const Json& document, JsonStrictness strictness) {
    const bool strict = strictness == JsonStrictness::Strict;
    GenerationRequest r;
    for (auto it = document.begin(); it != document.end(); ++it) {
        const std::string& key = it.key();
        const Json& value = *it;
        if (key == "model") {
            r.model = json::asString(value, key);
        } else if (key == "model_hash") {
            r.modelHash = json::asString(value, key);
        } else if (key == "base") {
            r.base = json::asString(value, key);
        } else if (key == "base_ema") {
            r.baseEma = json::asBool(value, key);
        } else if (key == "base_hash") {
            r.baseHash = json::asString(value, key);
        } else if (key == "vae") {
            r.vae = json::asString(value, key);
        } else if (key == "vae_hash") {
            r.vaeHash = json::asString(value, key);
        } else if (key == "prompt") {
            r.prompt = json::asString(value, key);
        } else if (key == "negative_prompt") {
            r.negativePrompt = json::asString(value, key);
        } else if (key == "styles") {
            if (!value.is_array())
                fail(key, "must be a list of {\"path\", \"weight\"} objects");
            for (std::size_t i = 0; i < value.size(); ++i)
                r.styles.push_back(
                    styleFromJson(value[i], "styles[" + std::to_string(i) + "]", strict));
        } else if (key == "mix") {
            if (!value.is_null())
                r.mix = json::asNumber(value, key);
        } else if (key == "content") {
            r.content = json::asString(value, key);
        } else if (key == "mode") {
            r.mode = json::asEnum<ReferenceMode>(value, key);
        } else if (key == "image_weight") {
            r.imageWeight = json::asNumber(value, key);
        } else if (key == "seed") {
            if (value.is_null())
                continue;
            if (value.is_number_unsigned())
                r.seed = value.get<std::uint64_t>();
            else if (value.is_number_integer() && value.get<std::int64_t>() == -1)
                r.seed.reset(); // the official "-1 = random"
            else
                fail(key, "must be a non-negative integer (or -1 for random)");
        } else if (key == "steps") {
            r.steps = json::asInt(value, key);
        } else if (key == "cfg") {
            r.cfg = json::asNumber(value, key);
        } else if (key == "sampler") {
            r.sampler = json::asEnum<SamplerKind>(value, key);
        } else if (key == "width") {
            r.width = json::asInt(value, key);
        } else if (key == "height") {
            r.height = json::asInt(value, key);
        } else if (key == "batch") {
            r.batch = json::asInt(value, key);
        } else if (key == "dtype") {
            r.dtype = json::asEnum<ComputeDtype>(value, key);
        } else if (key == "depth") {
            r.depth = json::asString(value, key);
        } else if (key == "depth_from") {
            r.depthFrom = json::asString(value, key);
        } else if (key == "depth_model") {
            r.depthModel = json::asString(value, key);
        } else if (key == "control") {
            r.control = json::asString(value, key);
        } else if (key == "control_scale") {
            r.controlScale = json::asNumber(value, key);
        } else if (key == "control_start") {
            r.controlStart = json::asNumber(value, key);
        } else if (key == "control_end") {
            r.controlEnd = json::asNumber(value, key);
        } else if (strict) {
            fail(key, "is not a known field");
        }
    }
    return r;
}

} // namespace

std::string toA1111Parameters(const GenerationRequest& r) {
    std::ostringstream text;
    text << r.prompt << "\n";
    if (!r.negativePrompt.empty())
        text << "Negative prompt: " << r.negativePrompt << "\n";
    text << "Steps: " << r.steps << ", Sampler: " << sample::a1111SamplerName(r.sampler)
         << ", CFG scale: " << formatNumber(r.cfg);
    if (r.seed)
        text << ", Seed: " << *r.seed;
    text << ", Size: " << r.width << "x" << r.height;
    appendModelNames(text, r);
    if (r.batch != 1)
        text << ", Batch size: " << r.batch;
    if (!r.styles.empty()) {
        const std::vector<double> weights = normalizedStyleWeights(r);
        text << ", DEADiff style: ";
        for (std::size_t i = 0; i < r.styles.size(); ++i)
            text << (i ? ", " : "") << std::filesystem::path(r.styles[i].path).filename().string()
                 << " " << formatNumber(weights[i]);
    }
    if (!r.content.empty())
        text << ", DEADiff content: " << std::filesystem::path(r.content).filename().string();
    text << ", DEADiff mode: " << nameOf(effectiveMode(r))
         << ", DEADiff image weight: " << formatNumber(r.imageWeight);
    if (!r.control.empty()) {
        text << ", ControlNet: depth, model " << std::filesystem::path(r.control).stem().string()
             << ", scale " << formatNumber(r.controlScale) << ", start "
             << formatNumber(r.controlStart) << ", end " << formatNumber(r.controlEnd);
        if (!r.depth.empty())
            text << ", map " << std::filesystem::path(r.depth).filename().string();
        else if (!r.depthFrom.empty())
            text << ", from " << std::filesystem::path(r.depthFrom).filename().string() << " by "
                 << std::filesystem::path(r.depthModel).filename().string();
    }
    return text.str();
}

} // namespace deadiff
