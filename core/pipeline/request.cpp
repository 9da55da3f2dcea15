#include "core/pipeline/request.h"

#include "core/common/json_fields.h"
#include "core/io/file_hash.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
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
    // A1111's `Lora hashes: "name: hash, ..."`: the file's stem without ':' and ',' (they
    // would split the list), the first 12 hex digits of loraFileHash.
    std::string loraHashes;
    for (const LoraChoice& lora : r.loras) {
        if (lora.hash.empty())
            continue;
        std::string name = fileStem(lora.path);
        name.erase(
            std::remove_if(name.begin(), name.end(), [](char c) { return c == ':' || c == ','; }),
            name.end());
        loraHashes += (loraHashes.empty() ? "" : ", ") + name + ": " + lora.hash.substr(0, 12);
    }
    if (!loraHashes.empty())
        text << ", Lora hashes: \"" << loraHashes << "\"";
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
           timestepSpacing == o.timestepSpacing && decoder == o.decoder &&
           cacheInterval == o.cacheInterval && loras == o.loras && width == o.width &&
           height == o.height && batch == o.batch && dtype == o.dtype && controls == o.controls &&
           styleStart == o.styleStart && styleEnd == o.styleEnd &&
           styleStrength == o.styleStrength && contentStrength == o.contentStrength &&
           layerWeights == o.layerWeights && init == o.init && strength == o.strength &&
           resizeMode == o.resizeMode && mask == o.mask && maskBlur == o.maskBlur &&
           maskedOnly == o.maskedOnly && maskedPadding == o.maskedPadding;
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

namespace {

void validateReferenceControls(const GenerationRequest& request) {
    if (!(request.styleStart >= 0.0 && request.styleStart <= request.styleEnd &&
          request.styleEnd <= 1.0))
        fail("style_start", "and style_end must satisfy 0 <= start <= end <= 1");
    for (const auto& [field, value] :
         {std::pair<const char*, double>{"style_strength", request.styleStrength},
          {"content_strength", request.contentStrength}})
        if (!(value >= 0.0 && value <= 10.0))
            fail(field, "must lie in [0, 10], got " + formatNumber(value));
    for (const auto& [layer, factor] : request.layerWeights)
        if (layer < 0 || !(factor >= 0.0 && factor <= 10.0))
            fail("layer_weights", "needs layers >= 0 and factors in [0, 10]");
}

void validateInitImage(const GenerationRequest& request) {
    if (!(request.strength >= 0.0 && request.strength <= 1.0))
        fail("strength", "must lie in [0, 1], got " + formatNumber(request.strength));
    if (!request.mask.empty() && request.init.empty())
        fail("mask", "needs a start image (init) to repaint");
    const bool fromNoiseOnly = request.sampler == SamplerKind::Lcm ||
                               request.sampler == SamplerKind::Tcd ||
                               request.timestepSpacing == TimestepSpacing::Trailing;
    if (!request.init.empty() && fromNoiseOnly)
        fail("init",
             std::string("a start image needs ddim, dpmpp-2m or euler-a on the leading "
                         "timestep spacing; ") +
                 nameOf(request.sampler) +
                 (request.timestepSpacing == TimestepSpacing::Trailing ? " on the trailing spacing"
                                                                       : "") +
                 " starts from noise only");
    if (request.maskBlur < 0 || request.maskBlur > 256)
        fail("mask_blur", "must be between 0 and 256 px, got " + std::to_string(request.maskBlur));
    if (request.maskedPadding < 0 || request.maskedPadding > 2048)
        fail("masked_padding",
             "must be between 0 and 2048 px, got " + std::to_string(request.maskedPadding));
}

void validateControl(const control::ControlUnit& unit, const std::string& where) {
    using control::Preprocessor;
    if (unit.model.empty())
        fail(where + ".model", "is required: the ControlNet checkpoint");
    if (unit.hint.empty() && unit.hintFrom.empty())
        fail(where + ".hint", "is required: a ready hint image, or a picture to make one from "
                              "(hint_from)");
    if (!unit.hint.empty() && !unit.hintFrom.empty())
        fail(where + ".hint", "and hint_from are alternatives: give one");
    if (!unit.hint.empty() && unit.preprocess && *unit.preprocess != Preprocessor::None)
        fail(where + ".preprocess", "applies to hint_from; a hint is used as it is");
    const std::optional<Preprocessor> preprocessor = control::effectivePreprocessor(unit);
    if (!preprocessor)
        fail(where + ".preprocess", std::string("is required: no preprocessor here makes a '") +
                                        nameOf(control::effectiveType(unit)) +
                                        "' hint; name one (" + enumNameList<Preprocessor>() +
                                        ") or give a ready hint");
    if (*preprocessor == Preprocessor::DepthMidas && unit.preprocessModel.empty())
        fail(where + ".preprocess_model", "is required to estimate depth (a MiDaS .onnx file)");
    if (!(unit.scale >= 0.0 && unit.scale <= 5.0))
        fail(where + ".scale", "must lie in [0, 5], got " + formatNumber(unit.scale));
    if (!(unit.start >= 0.0 && unit.start <= unit.end && unit.end <= 1.0))
        fail(where + ".start", "and end must satisfy 0 <= start <= end <= 1, got " +
                                   formatNumber(unit.start) + " and " + formatNumber(unit.end));
    for (const auto& [key, value] :
         {std::pair<const char*, const std::optional<double>&>{"threshold_a", unit.thresholdA},
          {"threshold_b", unit.thresholdB}})
        if (value && !std::isfinite(*value))
            fail(where + "." + key, "must be a finite number");
    const control::PreprocessorSettings defaults = control::preprocessorSettings(*preprocessor);
    const double a = unit.thresholdA.value_or(defaults.defaultA.value_or(0.0));
    const double b = unit.thresholdB.value_or(defaults.defaultB.value_or(0.0));
    if (*preprocessor == Preprocessor::Canny && !(a >= 0.0 && a <= b))
        fail(where + ".threshold_a", "(canny's low threshold) must lie in [0, threshold_b]");
    if (*preprocessor == Preprocessor::Scribble && !(a >= 0.0 && a <= 255.0))
        fail(where + ".threshold_a", "(scribble's threshold) must lie in [0, 255]");
    if (*preprocessor == Preprocessor::Lineart && !(a > 0.0 && a <= 64.0))
        fail(where + ".threshold_a", "(lineart's line width) must lie in (0, 64]");
    if (*preprocessor == Preprocessor::Tile && !(a >= 1.0 && a <= 64.0))
        fail(where + ".threshold_a", "(tile's down-sampling factor) must lie in [1, 64]");
    if (*preprocessor == Preprocessor::Shuffle && !(a >= 0.0 && a == std::floor(a)))
        fail(where + ".threshold_a", "(shuffle's seed) must be a non-negative integer");
}

} // namespace

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
    if (request.timestepSpacing == TimestepSpacing::Trailing &&
        !sample::takesTrailingSpacing(request.sampler))
        fail("timestep_spacing",
             std::string("trailing applies to ddim and euler-a, not ") + nameOf(request.sampler));
    if ((request.sampler == SamplerKind::Lcm || request.sampler == SamplerKind::Tcd) &&
        request.steps > sample::kConsistencyOriginalSteps)
        fail("steps", std::string("must be at most ") +
                          std::to_string(sample::kConsistencyOriginalSteps) + " for " +
                          nameOf(request.sampler) + " (its distilled schedule), got " +
                          std::to_string(request.steps));
    for (std::size_t i = 0; i < request.loras.size(); ++i) {
        const std::string where = "loras[" + std::to_string(i) + "]";
        if (request.loras[i].path.empty())
            fail(where + ".path", "is empty");
        const double weight = request.loras[i].weight;
        if (!(std::abs(weight) <= kMaxLoraWeight))
            fail(where + ".weight", "must lie in [-" + formatNumber(kMaxLoraWeight) + ", " +
                                        formatNumber(kMaxLoraWeight) + "], got " +
                                        formatNumber(weight));
    }
    if (request.controls.size() > static_cast<std::size_t>(kMaxControls))
        fail("controls", "holds " + std::to_string(request.controls.size()) +
                             " ControlNets; at most " + std::to_string(kMaxControls) +
                             " act together");
    for (std::size_t i = 0; i < request.controls.size(); ++i)
        validateControl(request.controls[i], "controls[" + std::to_string(i) + "]");
    if (request.cacheInterval < 1 || request.cacheInterval > kMaxCacheInterval)
        fail("cache_interval", "must lie in [1, " + std::to_string(kMaxCacheInterval) +
                                   "] (1: off), got " + std::to_string(request.cacheInterval));
    if (request.cacheInterval > 1 && !request.controls.empty())
        fail("cache_interval", "does not work with ControlNets (their residuals enter the deep "
                               "features it reuses); use 1 or remove the ControlNets");
    validateReferenceControls(request);
    validateInitImage(request);
}

bool referencesActAt(const GenerationRequest& request, int step, int total) {
    return stepInWindow(request.styleStart, request.styleEnd, step, total);
}

std::map<int, double> parseLayerWeights(const std::string& text) {
    std::map<int, double> weights;
    std::string compact;
    for (const char c : text)
        if (c != ' ' && c != '\t')
            compact += c;
    if (compact.empty())
        return weights;
    const auto bad = [&](const std::string& entry) {
        fail("layer_weights", "must be entries LAYER:FACTOR separated by commas, e.g. "
                              "\"0:1,4:0.5\"; got \"" +
                                  entry + "\"");
    };
    std::size_t begin = 0;
    while (begin <= compact.size()) {
        const std::size_t end = std::min(compact.find(',', begin), compact.size());
        const std::string entry = compact.substr(begin, end - begin);
        const std::size_t colon = entry.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size())
            bad(entry);
        const std::string indexText = entry.substr(0, colon);
        const std::string factorText = entry.substr(colon + 1);
        if (indexText.find_first_not_of("0123456789") != std::string::npos || indexText.size() > 4)
            bad(entry);
        char* parsedEnd = nullptr;
        const double factor = std::strtod(factorText.c_str(), &parsedEnd);
        if (parsedEnd != factorText.c_str() + factorText.size() || !std::isfinite(factor))
            bad(entry);
        if (factor < 0.0 || factor > 10.0)
            fail("layer_weights", "factor of layer " + indexText + " must lie in [0, 10], got " +
                                      formatNumber(factor));
        const int index = std::stoi(indexText);
        if (!weights.emplace(index, factor).second)
            fail("layer_weights", "lists layer " + indexText + " twice");
        begin = end + 1;
    }
    return weights;
}

std::string layerWeightsText(const std::map<int, double>& weights) {
    std::string text;
    for (const auto& [layer, factor] : weights)
        text += (text.empty() ? "" : ",") + std::to_string(layer) + ":" + formatNumber(factor);
    return text;
}

std::vector<double> layerImageWeights(const GenerationRequest& request, int layers,
                                      const std::vector<std::int64_t>& contentLayers) {
    for (const auto& [layer, factor] : request.layerWeights)
        if (layer >= layers)
            fail("layer_weights", "names layer " + std::to_string(layer) + ", but this model has " +
                                      std::to_string(layers) + " cross-attention layers (0-" +
                                      std::to_string(layers - 1) + ")");
    if (request.styleStrength == 1.0 && request.contentStrength == 1.0 &&
        request.layerWeights.empty())
        return {};
    std::vector<double> weights;
    for (int layer = 0; layer < layers; ++layer) {
        const bool content =
            std::find(contentLayers.begin(), contentLayers.end(), layer) != contentLayers.end();
        const auto factor = request.layerWeights.find(layer);
        weights.push_back(request.imageWeight *
                          (content ? request.contentStrength : request.styleStrength) *
                          (factor == request.layerWeights.end() ? 1.0 : factor->second));
    }
    return weights;
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
    if (r.timestepSpacing != TimestepSpacing::Leading)
        json["timestep_spacing"] = nameOf(r.timestepSpacing);
    if (r.decoder != DecoderKind::Vae)
        json["decoder"] = nameOf(r.decoder);
    if (r.cacheInterval != 1)
        json["cache_interval"] = r.cacheInterval;
    if (!r.loras.empty()) {
        Json loras = Json::array();
        for (const LoraChoice& lora : r.loras) {
            Json entry = {{"path", lora.path}, {"weight", lora.weight}};
            if (!lora.hash.empty())
                entry["hash"] = lora.hash;
            loras.push_back(entry);
        }
        json["loras"] = loras;
    }
    json["width"] = r.width;
    json["height"] = r.height;
    json["batch"] = r.batch;
    json["dtype"] = nameOf(r.dtype);
    if (!r.controls.empty()) {
        Json controls = Json::array();
        for (const control::ControlUnit& unit : r.controls) {
            Json entry = {{"model", unit.model}};
            if (unit.type)
                entry["type"] = nameOf(*unit.type);
            if (!unit.hint.empty())
                entry["hint"] = unit.hint;
            if (!unit.hintFrom.empty())
                entry["hint_from"] = unit.hintFrom;
            if (unit.preprocess)
                entry["preprocess"] = nameOf(*unit.preprocess);
            if (unit.thresholdA)
                entry["threshold_a"] = *unit.thresholdA;
            if (unit.thresholdB)
                entry["threshold_b"] = *unit.thresholdB;
            if (!unit.preprocessModel.empty())
                entry["preprocess_model"] = unit.preprocessModel;
            entry["scale"] = unit.scale;
            entry["start"] = unit.start;
            entry["end"] = unit.end;
            controls.push_back(entry);
        }
        json["controls"] = controls;
    }
    // Written when they differ from the defaults, so older requests read back unchanged.
    if (r.styleStart != 0.0 || r.styleEnd != 1.0) {
        json["style_start"] = r.styleStart;
        json["style_end"] = r.styleEnd;
    }
    if (r.styleStrength != 1.0)
        json["style_strength"] = r.styleStrength;
    if (r.contentStrength != 1.0)
        json["content_strength"] = r.contentStrength;
    if (!r.layerWeights.empty())
        json["layer_weights"] = layerWeightsText(r.layerWeights);
    if (!r.init.empty()) {
        json["init"] = r.init;
        json["strength"] = r.strength;
        json["resize_mode"] = nameOf(r.resizeMode);
    }
    if (!r.mask.empty()) {
        json["mask"] = r.mask;
        json["mask_blur"] = r.maskBlur;
        json["masked_only"] = r.maskedOnly;
        json["masked_padding"] = r.maskedPadding;
    }
    return json.dump(pretty ? 2 : -1);
}

namespace {

// A `styles` or `loras` entry: a bare path, or {"path", "weight"}.
StyleReference pathAndWeightFromJson(const Json& entry, const std::string& where, bool strict) {
    StyleReference item;
    if (entry.is_string()) {
        item.path = entry.get<std::string>();
    } else if (entry.is_object()) {
        if (!entry.contains("path"))
            fail(where + ".path", "is missing");
        item.path = json::asString(entry["path"], where + ".path");
        if (entry.contains("weight") && !entry["weight"].is_null())
            item.weight = json::asNumber(entry["weight"], where + ".weight");
        for (auto field = entry.begin(); field != entry.end(); ++field)
            if (strict && field.key() != "path" && field.key() != "weight")
                fail(where + "." + field.key(), "is not a known field");
    } else {
        fail(where, "must be a path or a {\"path\", \"weight\"} object");
    }
    return item;
}

control::ControlUnit controlFromJson(const Json& entry, const std::string& where, bool strict) {
    if (!entry.is_object())
        fail(where, "must be an object {\"model\", \"hint\" or \"hint_from\", ...}");
    control::ControlUnit unit;
    for (auto field = entry.begin(); field != entry.end(); ++field) {
        const std::string& key = field.key();
        const Json& value = *field;
        const std::string name = where + "." + key;
        if (key == "model")
            unit.model = json::asString(value, name);
        else if (key == "type")
            unit.type = json::asEnum<control::ControlType>(value, name);
        else if (key == "hint")
            unit.hint = json::asString(value, name);
        else if (key == "hint_from")
            unit.hintFrom = json::asString(value, name);
        else if (key == "preprocess")
            unit.preprocess = json::asEnum<control::Preprocessor>(value, name);
        else if (key == "threshold_a")
            unit.thresholdA = json::asNumber(value, name);
        else if (key == "threshold_b")
            unit.thresholdB = json::asNumber(value, name);
        else if (key == "preprocess_model")
            unit.preprocessModel = json::asString(value, name);
        else if (key == "scale")
            unit.scale = json::asNumber(value, name);
        else if (key == "start")
            unit.start = json::asNumber(value, name);
        else if (key == "end")
            unit.end = json::asNumber(value, name);
        else if (strict)
            fail(name, "is not a known field");
    }
    return unit;
}

// The single-ControlNet keys of earlier versions, read as one entry of `controls`: `depth` a
// depth map (normalised), `depth_from` + `depth_model` a photo to estimate depth from.
bool readLegacyControlKey(const std::string& key, const Json& value, control::ControlUnit& unit) {
    using control::Preprocessor;
    if (key == "depth" || key == "depth_from") {
        unit.hintFrom = json::asString(value, key);
        unit.type = control::ControlType::Depth;
        unit.preprocess = key == "depth" ? Preprocessor::DepthMap : Preprocessor::DepthMidas;
    } else if (key == "depth_model") {
        unit.preprocessModel = json::asString(value, key);
    } else if (key == "control") {
        unit.model = json::asString(value, key);
    } else if (key == "control_scale") {
        unit.scale = json::asNumber(value, key);
    } else if (key == "control_start") {
        unit.start = json::asNumber(value, key);
    } else if (key == "control_end") {
        unit.end = json::asNumber(value, key);
    } else {
        return false;
    }
    return true;
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
    control::ControlUnit legacy;
    bool legacyGiven = false;
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
                    pathAndWeightFromJson(value[i], "styles[" + std::to_string(i) + "]", strict));
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
        } else if (key == "timestep_spacing") {
            r.timestepSpacing = json::asEnum<TimestepSpacing>(value, key);
        } else if (key == "decoder") {
            r.decoder = json::asEnum<DecoderKind>(value, key);
        } else if (key == "cache_interval") {
            r.cacheInterval = json::asInt(value, key);
        } else if (key == "loras") {
            if (!value.is_array())
                fail(key, "must be a list of {\"path\", \"weight\"} objects");
            for (std::size_t i = 0; i < value.size(); ++i) {
                const std::string where = "loras[" + std::to_string(i) + "]";
                Json item = value[i];
                std::string hash;
                if (item.is_object() && item.contains("hash")) { // as a result recorded it
                    hash = json::asString(item["hash"], where + ".hash");
                    item.erase("hash");
                }
                const StyleReference entry = pathAndWeightFromJson(item, where, strict);
                r.loras.push_back({entry.path, entry.weight.value_or(1.0), hash});
            }
        } else if (key == "width") {
            r.width = json::asInt(value, key);
        } else if (key == "height") {
            r.height = json::asInt(value, key);
        } else if (key == "batch") {
            r.batch = json::asInt(value, key);
        } else if (key == "dtype") {
            r.dtype = json::asEnum<ComputeDtype>(value, key);
        } else if (key == "controls") {
            if (!value.is_array())
                fail(key, "must be a list of {\"model\", \"hint\", ...} objects");
            for (std::size_t i = 0; i < value.size(); ++i)
                r.controls.push_back(
                    controlFromJson(value[i], "controls[" + std::to_string(i) + "]", strict));
        } else if (readLegacyControlKey(key, value, legacy)) {
            legacyGiven = true;
        } else if (key == "style_start") {
            r.styleStart = json::asNumber(value, key);
        } else if (key == "style_end") {
            r.styleEnd = json::asNumber(value, key);
        } else if (key == "style_strength") {
            r.styleStrength = json::asNumber(value, key);
        } else if (key == "content_strength") {
            r.contentStrength = json::asNumber(value, key);
        } else if (key == "layer_weights") {
            r.layerWeights = parseLayerWeights(json::asString(value, key));
        } else if (key == "init") {
            r.init = json::asString(value, key);
        } else if (key == "strength") {
            r.strength = json::asNumber(value, key);
        } else if (key == "resize_mode") {
            r.resizeMode = json::asEnum<image::ResizeMode>(value, key);
        } else if (key == "mask") {
            r.mask = json::asString(value, key);
        } else if (key == "mask_blur") {
            r.maskBlur = json::asInt(value, key);
        } else if (key == "masked_only") {
            r.maskedOnly = json::asBool(value, key);
        } else if (key == "masked_padding") {
            r.maskedPadding = json::asInt(value, key);
        } else if (strict) {
            fail(key, "is not a known field");
        }
    }
    if (legacyGiven) {
        if (!r.controls.empty())
            fail("control", "and the other single-ControlNet keys cannot be mixed with "
                            "'controls': write that ControlNet as an entry of 'controls'");
        if (legacy.preprocess == control::Preprocessor::DepthMap && !legacy.preprocessModel.empty())
            legacy.preprocessModel.clear(); // a remembered estimator next to a ready depth map
        r.controls.push_back(legacy);
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
    if (r.styleStart != 0.0 || r.styleEnd != 1.0)
        text << ", DEADiff style range: " << formatNumber(r.styleStart) << "-"
             << formatNumber(r.styleEnd);
    if (r.styleStrength != 1.0 || r.contentStrength != 1.0)
        text << ", DEADiff strengths: \"style " << formatNumber(r.styleStrength) << ", content "
             << formatNumber(r.contentStrength) << "\"";
    if (!r.layerWeights.empty())
        text << ", DEADiff layer weights: \"" << layerWeightsText(r.layerWeights) << "\"";
    if (!r.init.empty())
        text << ", Denoising strength: " << formatNumber(r.strength)
             << ", Init image: " << std::filesystem::path(r.init).filename().string();
    if (!r.mask.empty()) {
        text << ", Mask blur: " << r.maskBlur;
        if (r.maskedOnly)
            text << ", Inpaint area: Only masked, Masked area padding: " << r.maskedPadding;
    }
    for (std::size_t i = 0; i < r.controls.size(); ++i) {
        const control::ControlUnit& unit = r.controls[i];
        const std::optional<control::Preprocessor> module = control::effectivePreprocessor(unit);
        text << ", ControlNet " << i
             << ": \"Module: " << (module ? nameOf(*module) : nameOf(control::Preprocessor::None))
             << ", Model: " << std::filesystem::path(unit.model).stem().string()
             << ", Weight: " << formatNumber(unit.scale)
             << ", Guidance Start: " << formatNumber(unit.start)
             << ", Guidance End: " << formatNumber(unit.end) << "\"";
    }
    return text.str();
}

} // namespace deadiff
