#include "core/pipeline/request.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <set>
#include <sstream>

namespace deadiff {

const char* const kOfficialNegativePrompt =
    "over-exposure, under-exposure, saturated, duplicate, out of frame, lowres, cropped, worst "
    "quality, low quality, jpeg artifacts, morbid, mutilated, out of frame, ugly, bad anatomy, "
    "bad proportions, deformed, blurry, duplicate";

namespace {

using Json = nlohmann::ordered_json;

const std::set<std::string> kModes = {"style", "content", "both", "none"};
const std::set<std::string> kSamplers = {"ddim", "dpmpp-2m", "euler-a"};
const std::set<std::string> kDtypes = {"auto", "float32", "bfloat16"};

[[noreturn]] void fail(const std::string& field, const std::string& problem) {
    throw RequestError("'" + field + "' " + problem);
}

std::string formatNumber(double value) {
    std::ostringstream text;
    text << std::setprecision(6) << value;
    return text.str();
}

} // namespace

bool GenerationRequest::operator==(const GenerationRequest& o) const {
    const auto sameStyles = [&] {
        if (styles.size() != o.styles.size())
            return false;
        for (std::size_t i = 0; i < styles.size(); ++i)
            if (styles[i].path != o.styles[i].path || styles[i].weight != o.styles[i].weight)
                return false;
        return true;
    };
    return model == o.model && prompt == o.prompt && negativePrompt == o.negativePrompt &&
           sameStyles() && mix == o.mix && content == o.content && mode == o.mode &&
           imageWeight == o.imageWeight && seed == o.seed && steps == o.steps && cfg == o.cfg &&
           sampler == o.sampler && width == o.width && height == o.height && batch == o.batch &&
           dtype == o.dtype && depth == o.depth && depthFrom == o.depthFrom &&
           depthModel == o.depthModel && control == o.control && controlScale == o.controlScale &&
           controlStart == o.controlStart && controlEnd == o.controlEnd;
}

std::string effectiveMode(const GenerationRequest& request) {
    if (!request.mode.empty())
        return request.mode;
    return request.styles.empty() ? "none" : "style";
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
    double total = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const double weight = request.styles[i].weight.value_or(1.0);
        if (!(weight >= 0.0) || !std::isfinite(weight))
            fail("styles[" + std::to_string(i) + "].weight",
                 "must be a non-negative number, got " + formatNumber(weight));
        weights[i] = weight;
        total += weight;
    }
    if (total <= 0)
        fail("styles", "weights must not all be zero");
    for (double& weight : weights)
        weight /= total;
    return weights;
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
    if (!request.mode.empty() && !kModes.count(request.mode))
        fail("mode", "must be style, content, both or none, got '" + request.mode + "'");
    if (!kSamplers.count(request.sampler))
        fail("sampler", "must be ddim, dpmpp-2m or euler-a, got '" + request.sampler + "'");
    if (!kDtypes.count(request.dtype))
        fail("dtype", "must be auto, float32 or bfloat16, got '" + request.dtype + "'");
    const std::string mode = effectiveMode(request);
    if ((mode == "style" || mode == "both") && request.styles.empty())
        fail("styles", "mode '" + mode + "' needs at least one style reference");
    if (mode == "content" && request.content.empty() && request.styles.empty())
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
    json["mode"] = effectiveMode(r);
    json["image_weight"] = r.imageWeight;
    if (r.seed)
        json["seed"] = *r.seed;
    json["steps"] = r.steps;
    json["cfg"] = r.cfg;
    json["sampler"] = r.sampler;
    json["width"] = r.width;
    json["height"] = r.height;
    json["batch"] = r.batch;
    json["dtype"] = r.dtype;
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

template <typename T> T typed(const Json& value, const std::string& key, const char* typeName);

template <> std::string typed<std::string>(const Json& value, const std::string& key, const char*) {
    if (!value.is_string())
        fail(key, "must be a string");
    return value.get<std::string>();
}

template <> double typed<double>(const Json& value, const std::string& key, const char*) {
    if (!value.is_number())
        fail(key, "must be a number");
    return value.get<double>();
}

template <> int typed<int>(const Json& value, const std::string& key, const char*) {
    if (!value.is_number_integer())
        fail(key, "must be an integer");
    const auto wide = value.get<std::int64_t>();
    if (wide < INT32_MIN || wide > INT32_MAX)
        fail(key, "is out of range");
    return static_cast<int>(wide);
}

} // namespace

GenerationRequest requestFromJson(const std::string& text, JsonStrictness strictness) {
    Json json;
    try {
        json = Json::parse(text);
    } catch (const Json::exception& error) {
        throw RequestError(std::string("not valid JSON: ") + error.what());
    }
    if (!json.is_object())
        throw RequestError("a request must be a JSON object");

    GenerationRequest r;
    for (auto it = json.begin(); it != json.end(); ++it) {
        const std::string& key = it.key();
        const Json& value = *it;
        if (key == "model") {
            r.model = typed<std::string>(value, key, "");
        } else if (key == "prompt") {
            r.prompt = typed<std::string>(value, key, "");
        } else if (key == "negative_prompt") {
            r.negativePrompt = typed<std::string>(value, key, "");
        } else if (key == "styles") {
            if (!value.is_array())
                fail(key, "must be a list of {\"path\", \"weight\"} objects");
            for (std::size_t i = 0; i < value.size(); ++i) {
                const std::string where = "styles[" + std::to_string(i) + "]";
                const Json& entry = value[i];
                StyleReference style;
                if (entry.is_string()) {
                    style.path = entry.get<std::string>();
                } else if (entry.is_object()) {
                    if (!entry.contains("path"))
                        fail(where + ".path", "is missing");
                    style.path = typed<std::string>(entry["path"], where + ".path", "");
                    if (entry.contains("weight") && !entry["weight"].is_null())
                        style.weight = typed<double>(entry["weight"], where + ".weight", "");
                    for (auto field = entry.begin(); field != entry.end(); ++field)
                        if (strictness == JsonStrictness::Strict && field.key() != "path" &&
                            field.key() != "weight")
                            fail(where + "." + field.key(), "is not a known field");
                } else {
                    fail(where, "must be a path or a {\"path\", \"weight\"} object");
                }
                r.styles.push_back(style);
            }
        } else if (key == "mix") {
            if (!value.is_null())
                r.mix = typed<double>(value, key, "");
        } else if (key == "content") {
            r.content = typed<std::string>(value, key, "");
        } else if (key == "mode") {
            r.mode = typed<std::string>(value, key, "");
        } else if (key == "image_weight") {
            r.imageWeight = typed<double>(value, key, "");
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
            r.steps = typed<int>(value, key, "");
        } else if (key == "cfg") {
            r.cfg = typed<double>(value, key, "");
        } else if (key == "sampler") {
            r.sampler = typed<std::string>(value, key, "");
        } else if (key == "width") {
            r.width = typed<int>(value, key, "");
        } else if (key == "height") {
            r.height = typed<int>(value, key, "");
        } else if (key == "batch") {
            r.batch = typed<int>(value, key, "");
        } else if (key == "dtype") {
            r.dtype = typed<std::string>(value, key, "");
        } else if (key == "depth") {
            r.depth = typed<std::string>(value, key, "");
        } else if (key == "depth_from") {
            r.depthFrom = typed<std::string>(value, key, "");
        } else if (key == "depth_model") {
            r.depthModel = typed<std::string>(value, key, "");
        } else if (key == "control") {
            r.control = typed<std::string>(value, key, "");
        } else if (key == "control_scale") {
            r.controlScale = typed<double>(value, key, "");
        } else if (key == "control_start") {
            r.controlStart = typed<double>(value, key, "");
        } else if (key == "control_end") {
            r.controlEnd = typed<double>(value, key, "");
        } else if (strictness == JsonStrictness::Strict) {
            fail(key, "is not a known field");
        }
    }
    return r;
}

std::string a1111SamplerName(const std::string& sampler) {
    if (sampler == "ddim")
        return "DDIM";
    if (sampler == "dpmpp-2m")
        return "DPM++ 2M Karras";
    if (sampler == "euler-a")
        return "Euler a";
    return sampler;
}

std::string toA1111Parameters(const GenerationRequest& r) {
    std::ostringstream text;
    text << r.prompt << "\n";
    if (!r.negativePrompt.empty())
        text << "Negative prompt: " << r.negativePrompt << "\n";
    text << "Steps: " << r.steps << ", Sampler: " << a1111SamplerName(r.sampler)
         << ", CFG scale: " << formatNumber(r.cfg);
    if (r.seed)
        text << ", Seed: " << *r.seed;
    text << ", Size: " << r.width << "x" << r.height;
    if (!r.model.empty())
        text << ", Model: " << std::filesystem::path(r.model).stem().string();
    if (r.batch != 1)
        text << ", Batch size: " << r.batch;
    const std::string mode = effectiveMode(r);
    if (!r.styles.empty()) {
        const std::vector<double> weights = normalizedStyleWeights(r);
        text << ", DEADiff style: ";
        for (std::size_t i = 0; i < r.styles.size(); ++i)
            text << (i ? ", " : "") << std::filesystem::path(r.styles[i].path).filename().string()
                 << " " << formatNumber(weights[i]);
    }
    if (!r.content.empty())
        text << ", DEADiff content: " << std::filesystem::path(r.content).filename().string();
    text << ", DEADiff mode: " << mode << ", DEADiff image weight: " << formatNumber(r.imageWeight);
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
