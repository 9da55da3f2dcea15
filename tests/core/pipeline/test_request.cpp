#include "core/pipeline/pipeline.h"
#include "core/pipeline/request.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace deadiff {
namespace {

std::string errorOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const RequestError& error) {
        return error.what();
    }
    return "";
}

GenerationRequest sample() {
    GenerationRequest r;
    r.model = "/models/deadiff_v1.ckpt";
    r.prompt = "a castle on a hill";
    r.styles = {{"refs/a.png", std::nullopt}, {"refs/b.png", std::nullopt}};
    r.mix = 0.3;
    r.content = "refs/c.png";
    r.mode = ReferenceMode::Both;
    r.imageWeight = 0.8;
    r.seed = 42;
    r.steps = 30;
    r.cfg = 8;
    r.width = 640;
    r.height = 384;
    r.batch = 2;
    return r;
}

TEST(Request, DefaultsFollowTheConventions) {
    GenerationRequest r;
    EXPECT_EQ(r.steps, 50);
    EXPECT_DOUBLE_EQ(r.cfg, 7.5);
    EXPECT_EQ(r.sampler, SamplerKind::Ddim);
    EXPECT_EQ(r.width, 512);
    EXPECT_EQ(r.height, 512);
    EXPECT_EQ(r.batch, 1);
    EXPECT_EQ(r.dtype, ComputeDtype::Auto);
    EXPECT_DOUBLE_EQ(r.imageWeight, 1.0);
    EXPECT_FALSE(r.seed.has_value());
    EXPECT_EQ(r.negativePrompt.rfind("over-exposure, under-exposure, saturated", 0), 0u);
    EXPECT_EQ(effectiveMode(r), ReferenceMode::None);
    r.styles.push_back({"a.png", std::nullopt});
    EXPECT_EQ(effectiveMode(r), ReferenceMode::Style);
}

TEST(Request, JsonUsesTheConventionKeysAndRoundTrips) {
    const GenerationRequest r = sample();
    const auto json = nlohmann::json::parse(toJson(r));
    EXPECT_EQ(json["prompt"], "a castle on a hill");
    EXPECT_EQ(json["styles"][1]["path"], "refs/b.png");
    EXPECT_EQ(json["mix"], 0.3);
    EXPECT_EQ(json["image_weight"], 0.8);
    EXPECT_EQ(json["seed"], 42);
    EXPECT_EQ(json["negative_prompt"], kOfficialNegativePrompt);
    EXPECT_EQ(json["width"], 640);
    EXPECT_FALSE(json.contains("control"));
    EXPECT_EQ(requestFromJson(toJson(r)), r);
    EXPECT_EQ(requestFromJson(toJson(r, true)), r);
}

TEST(Request, JsonAcceptsPlainPathsAndOfficialRandomSeed) {
    const auto r = requestFromJson(R"({"prompt": "x", "styles": ["a.png"], "seed": -1})");
    ASSERT_EQ(r.styles.size(), 1u);
    EXPECT_EQ(r.styles[0].path, "a.png");
    EXPECT_FALSE(r.seed.has_value());
}

TEST(Request, StrictJsonNamesTheOffendingField) {
    EXPECT_EQ(errorOf([] { requestFromJson(R"({"prompt": "x", "stpes": 3})"); }),
              "'stpes' is not a known field");
    EXPECT_EQ(errorOf([] { requestFromJson(R"({"steps": "many"})"); }),
              "'steps' must be an integer");
    EXPECT_EQ(errorOf([] { requestFromJson(R"({"styles": [{"weight": 1}]})"); }),
              "'styles[0].path' is missing");
    EXPECT_EQ(errorOf([] { requestFromJson(R"({"seed": -5})"); }),
              "'seed' must be a non-negative integer (or -1 for random)");
    EXPECT_NE(errorOf([] { requestFromJson("{not json"); }).find("not valid JSON"),
              std::string::npos);
    // Metadata from a newer version: unknown keys are ignored when lenient.
    EXPECT_EQ(requestFromJson(R"({"prompt": "x", "future": 1})", JsonStrictness::Lenient).prompt,
              "x");
}

TEST(Request, StyleWeightsAreNormalised) {
    GenerationRequest r;
    r.styles = {{"a", std::nullopt}, {"b", std::nullopt}};
    r.mix = 0.3;
    auto w = normalizedStyleWeights(r);
    EXPECT_DOUBLE_EQ(w[0], 0.7);
    EXPECT_DOUBLE_EQ(w[1], 0.3);

    r.mix.reset();
    r.styles.push_back({"c", std::nullopt});
    w = normalizedStyleWeights(r);
    for (double weight : w)
        EXPECT_DOUBLE_EQ(weight, 1.0 / 3.0);

    r.styles = {{"a", 2.0}, {"b", 6.0}};
    w = normalizedStyleWeights(r);
    EXPECT_DOUBLE_EQ(w[0], 0.25);
    EXPECT_DOUBLE_EQ(w[1], 0.75);

    r.styles = {{"a", 0.0}, {"b", 0.0}};
    EXPECT_EQ(errorOf([&] { normalizedStyleWeights(r); }), "'styles' weights must not all be zero");
    r.styles = {{"a", -1.0}};
    EXPECT_NE(errorOf([&] { normalizedStyleWeights(r); }).find("'styles[0].weight'"),
              std::string::npos);
}

TEST(Request, ValidationNamesTheField) {
    const auto errorFor = [](const std::function<void(GenerationRequest&)>& change) {
        GenerationRequest r = sample();
        change(r);
        return errorOf([&] { validate(r); });
    };
    EXPECT_EQ(errorFor([](GenerationRequest&) {}), "");
    EXPECT_EQ(errorFor([](GenerationRequest& r) { r.width = 500; }),
              "'width' must be a multiple of 64 between 64 and 2048, got 500");
    EXPECT_NE(errorFor([](GenerationRequest& r) { r.height = 4096; }).find("'height'"),
              std::string::npos);
    EXPECT_NE(errorFor([](GenerationRequest& r) { r.prompt.clear(); }).find("'prompt'"),
              std::string::npos);
    EXPECT_NE(errorFor([](GenerationRequest& r) { r.steps = 0; }).find("'steps'"),
              std::string::npos);
    EXPECT_NE(errorFor([](GenerationRequest& r) { r.batch = 99; }).find("'batch'"),
              std::string::npos);
    // Enumerated fields cannot hold a wrong name; it is refused where text is parsed.
    const auto jsonError = [](const std::string& text) {
        try {
            requestFromJson(text);
        } catch (const RequestError& error) {
            return std::string(error.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(jsonError(R"({"prompt": "x", "mode": "styel"})").find("'mode'"), std::string::npos);
    EXPECT_NE(jsonError(R"({"prompt": "x", "sampler": "plms"})").find("'sampler'"),
              std::string::npos);
    EXPECT_NE(errorFor([](GenerationRequest& r) { r.mix = 1.5; }).find("'mix'"), std::string::npos);
    EXPECT_NE(errorFor([](GenerationRequest& r) {
                  r.styles.clear();
                  r.mode = ReferenceMode::Style;
              }).find("'styles'"),
              std::string::npos);
}

control::ControlUnit cannyUnit() {
    control::ControlUnit unit;
    unit.model = "/models/control_v11p_sd15_canny.pth";
    unit.hintFrom = "photos/room.jpg";
    unit.preprocess = control::Preprocessor::Canny;
    unit.thresholdA = 50;
    unit.thresholdB = 150;
    unit.scale = 0.7;
    unit.start = 0.1;
    unit.end = 0.9;
    return unit;
}

TEST(Request, ControlsUseTheConventionKeysAndRoundTrip) {
    GenerationRequest r = sample();
    r.controls.push_back(cannyUnit());
    control::ControlUnit depth;
    depth.model = "depth.safetensors";
    depth.type = control::ControlType::Depth;
    depth.hint = "maps/room-depth.png";
    r.controls.push_back(depth);
    const auto json = nlohmann::json::parse(toJson(r));
    ASSERT_EQ(json["controls"].size(), 2u);
    const auto& first = json["controls"][0];
    EXPECT_EQ(first["model"], "/models/control_v11p_sd15_canny.pth");
    EXPECT_EQ(first["hint_from"], "photos/room.jpg");
    EXPECT_EQ(first["preprocess"], "canny");
    EXPECT_EQ(first["threshold_a"], 50);
    EXPECT_EQ(first["scale"], 0.7);
    EXPECT_EQ(first["start"], 0.1);
    EXPECT_EQ(first["end"], 0.9);
    EXPECT_FALSE(first.contains("type")); // from the file name
    EXPECT_EQ(json["controls"][1]["type"], "depth");
    EXPECT_EQ(json["controls"][1]["hint"], "maps/room-depth.png");
    EXPECT_FALSE(json.contains("control"));
    EXPECT_EQ(requestFromJson(toJson(r)), r);
    EXPECT_NO_THROW(validate(r));
    // A1111's sd-webui-controlnet form, one entry per unit.
    const std::string text = toA1111Parameters(r);
    EXPECT_NE(text.find(", ControlNet 0: \"Module: canny, Model: control_v11p_sd15_canny, Weight: "
                        "0.7, Guidance Start: 0.1, Guidance End: 0.9\""),
              std::string::npos)
        << text;
    EXPECT_NE(text.find(", ControlNet 1: \"Module: none, Model: depth, Weight: 1, Guidance "
                        "Start: 0, Guidance End: 1\""),
              std::string::npos)
        << text;
    EXPECT_EQ(
        errorOf([] {
            requestFromJson(
                R"({"prompt": "x", "controls": [{"model": "c.pth", "hint": "h.png", "strength": 1}]})");
        }),
        "'controls[0].strength' is not a known field");
    EXPECT_NE(
        errorOf([] {
            requestFromJson(
                R"({"prompt": "x", "controls": [{"model": "c.pth", "preprocess": "sobel"}]})");
        }).find("'controls[0].preprocess' must be none, canny"),
        std::string::npos);
}

// The single-ControlNet keys of earlier versions read as one entry of `controls`.
TEST(Request, OldControlNetKeysReadAsOneControl) {
    const GenerationRequest estimated = requestFromJson(
        R"({"prompt": "x", "depth_from": "room.jpg", "depth_model": "midas.onnx",
            "control": "/models/control_sd15_depth.pth", "control_scale": 0.7,
            "control_start": 0.1, "control_end": 0.9})");
    ASSERT_EQ(estimated.controls.size(), 1u);
    const control::ControlUnit& unit = estimated.controls[0];
    EXPECT_EQ(unit.model, "/models/control_sd15_depth.pth");
    EXPECT_EQ(unit.type, control::ControlType::Depth);
    EXPECT_EQ(unit.hintFrom, "room.jpg");
    EXPECT_EQ(unit.preprocess, control::Preprocessor::DepthMidas);
    EXPECT_EQ(unit.preprocessModel, "midas.onnx");
    EXPECT_DOUBLE_EQ(unit.scale, 0.7);
    EXPECT_DOUBLE_EQ(unit.start, 0.1);
    EXPECT_DOUBLE_EQ(unit.end, 0.9);
    EXPECT_NO_THROW(validate(estimated));

    const GenerationRequest map =
        requestFromJson(R"({"prompt": "x", "depth": "room-depth.png", "control": "c.pth"})");
    ASSERT_EQ(map.controls.size(), 1u);
    EXPECT_EQ(map.controls[0].preprocess, control::Preprocessor::DepthMap);
    EXPECT_EQ(map.controls[0].hintFrom, "room-depth.png");
    // Written back in the new form.
    const auto json = nlohmann::json::parse(toJson(map));
    EXPECT_FALSE(json.contains("depth"));
    EXPECT_EQ(json["controls"][0]["preprocess"], "depth_map");
    EXPECT_EQ(requestFromJson(toJson(map)).controls, map.controls); // (mode is written resolved)
    // A depth map without a ControlNet names the missing file.
    EXPECT_EQ(errorOf([] { validate(requestFromJson(R"({"prompt": "x", "depth": "d.png"})")); }),
              "'controls[0].model' is required: the ControlNet checkpoint");
    EXPECT_NE(errorOf([] {
                  requestFromJson(R"({"prompt": "x", "control": "c.pth",
                                      "controls": [{"model": "d.pth", "hint": "h.png"}]})");
              }).find("'control'"),
              std::string::npos);
}

TEST(Request, ControlsAreValidatedFieldByField) {
    const auto errorFor = [](const std::function<void(control::ControlUnit&)>& change) {
        GenerationRequest r = sample();
        r.controls.push_back(cannyUnit());
        r.controls.push_back(cannyUnit());
        change(r.controls[1]);
        return errorOf([&] { validate(r); });
    };
    EXPECT_EQ(errorFor([](control::ControlUnit&) {}), "");
    EXPECT_EQ(errorFor([](control::ControlUnit& u) { u.model.clear(); }),
              "'controls[1].model' is required: the ControlNet checkpoint");
    EXPECT_NE(errorFor([](control::ControlUnit& u) {
                  u.hintFrom.clear();
              }).find("'controls[1].hint' is required"),
              std::string::npos);
    EXPECT_NE(errorFor([](control::ControlUnit& u) {
                  u.hint = "h.png";
              }).find("'controls[1].hint' and hint_from"),
              std::string::npos);
    EXPECT_NE(errorFor([](control::ControlUnit& u) {
                  u.start = 0.8;
                  u.end = 0.2;
              }).find("'controls[1].start'"),
              std::string::npos);
    EXPECT_NE(errorFor([](control::ControlUnit& u) { u.scale = 6; }).find("'controls[1].scale'"),
              std::string::npos);
    EXPECT_NE(errorFor([](control::ControlUnit& u) {
                  u.thresholdA = 300;
              }).find("'controls[1].threshold_a'"),
              std::string::npos);
    // A kind without an OpenCV preprocessor needs one named, or a ready hint.
    EXPECT_NE(errorFor([](control::ControlUnit& u) {
                  u.model = "control_v11p_sd15_openpose.pth";
                  u.preprocess.reset();
              })
                  .find("'controls[1].preprocess' is required: no preprocessor here makes a "
                        "'openpose' hint"),
              std::string::npos);
    EXPECT_EQ(errorFor([](control::ControlUnit& u) {
                  u.model = "control_v11p_sd15_openpose.pth";
                  u.preprocess.reset();
                  u.hint = u.hintFrom;
                  u.hintFrom.clear();
              }),
              "");
    EXPECT_NE(errorFor([](control::ControlUnit& u) {
                  u.preprocess = control::Preprocessor::DepthMidas;
                  u.thresholdA.reset();
                  u.thresholdB.reset();
              }).find("'controls[1].preprocess_model' is required"),
              std::string::npos);
    GenerationRequest many = sample();
    many.controls.assign(kMaxControls + 1, cannyUnit());
    EXPECT_NE(errorOf([&] { validate(many); }).find("'controls'"), std::string::npos);
}

TEST(Request, A1111ParametersText) {
    GenerationRequest r = sample();
    r.negativePrompt = "blurry";
    EXPECT_EQ(toA1111Parameters(r),
              "a castle on a hill\n"
              "Negative prompt: blurry\n"
              "Steps: 30, Sampler: DDIM, CFG scale: 8, Seed: 42, Size: 640x384, "
              "Model: deadiff_v1, Batch size: 2, DEADiff style: a.png 0.7, b.png 0.3, "
              "DEADiff content: c.png, DEADiff mode: both, DEADiff image weight: 0.8");
    EXPECT_STREQ(sample::a1111SamplerName(SamplerKind::DpmPp2m), "DPM++ 2M Karras");
    EXPECT_STREQ(sample::a1111SamplerName(SamplerKind::EulerAncestral), "Euler a");
}

TEST(Request, LorasAndTimestepSpacingUseTheConventionKeysAndRoundTrip) {
    GenerationRequest r = sample();
    r.loras = {{"/loras/style.safetensors", 0.6, {}}, {"lcm.safetensors", -1.5, {}}};
    r.sampler = SamplerKind::EulerAncestral;
    r.timestepSpacing = TimestepSpacing::Trailing;
    const nlohmann::json json = nlohmann::json::parse(toJson(r));
    EXPECT_EQ(json["loras"][0]["path"], "/loras/style.safetensors");
    EXPECT_EQ(json["loras"][1]["weight"], -1.5);
    EXPECT_EQ(json["timestep_spacing"], "trailing");
    EXPECT_EQ(requestFromJson(toJson(r)), r);
    GenerationRequest other = r;
    other.loras[0].weight = 0.7;
    EXPECT_NE(other, r);

    // A result records each LoRA's hash: kept in JSON, A1111's "Lora hashes" (12 digits,
    // names without the list's separators).
    GenerationRequest hashed = r;
    hashed.loras[0].path = "/loras/a:b,c.safetensors";
    hashed.loras[0].hash = "0123456789abcdef0123";
    const nlohmann::json hashedJson = nlohmann::json::parse(toJson(hashed));
    EXPECT_EQ(hashedJson["loras"][0]["hash"], "0123456789abcdef0123");
    EXPECT_FALSE(hashedJson["loras"][1].contains("hash"));
    EXPECT_EQ(requestFromJson(toJson(hashed)), hashed);
    const std::string parameters = toA1111Parameters(hashed);
    EXPECT_NE(parameters.find(", Lora hashes: \"abc: 0123456789ab\""), std::string::npos)
        << parameters;
    EXPECT_EQ(toA1111Parameters(r).find("Lora hashes"), std::string::npos);

    GenerationRequest drafted = r;
    drafted.decoder = DecoderKind::Taesd;
    EXPECT_EQ(nlohmann::json::parse(toJson(drafted))["decoder"], "taesd");
    EXPECT_EQ(requestFromJson(toJson(drafted)), drafted);
    EXPECT_NE(drafted, r);
    EXPECT_EQ(
        errorOf([] { requestFromJson(R"({"prompt": "x", "decoder": "tiny"})"); }).find("'decoder'"),
        0u);

    const nlohmann::json plain = nlohmann::json::parse(toJson(sample()));
    EXPECT_FALSE(plain.contains("decoder"));
    EXPECT_FALSE(plain.contains("loras"));
    EXPECT_FALSE(plain.contains("timestep_spacing"));

    const GenerationRequest bare =
        requestFromJson(R"({"prompt": "x", "loras": ["a.safetensors"], "sampler": "lcm"})");
    ASSERT_EQ(bare.loras.size(), 1u);
    EXPECT_EQ(bare.loras[0], (LoraChoice{"a.safetensors", 1.0, {}}));
    EXPECT_EQ(bare.sampler, SamplerKind::Lcm);
    EXPECT_EQ(errorOf([] { requestFromJson(R"({"prompt": "x", "loras": [{"weight": 1}]})"); }),
              "'loras[0].path' is missing");
    EXPECT_EQ(errorOf([] {
                  requestFromJson(R"({"prompt": "x", "loras": [{"path": "a", "scale": 1}]})");
              }),
              "'loras[0].scale' is not a known field");
    EXPECT_EQ(
        errorOf([] { requestFromJson(R"({"prompt": "x", "timestep_spacing": "linspace"})"); }),
        "'timestep_spacing' must be leading or trailing, got 'linspace'");
}

TEST(Request, FewStepSettingsAreValidated) {
    GenerationRequest r;
    r.prompt = "x";
    r.sampler = SamplerKind::Lcm;
    r.steps = 51;
    EXPECT_EQ(errorOf([&] { validate(r); }),
              "'steps' must be at most 50 for lcm (its distilled schedule), got 51");
    r.steps = 4;
    EXPECT_NO_THROW(validate(r));
    r.timestepSpacing = TimestepSpacing::Trailing;
    EXPECT_EQ(errorOf([&] { validate(r); }),
              "'timestep_spacing' trailing applies to ddim and euler-a, not lcm");
    r.sampler = SamplerKind::Ddim;
    EXPECT_NO_THROW(validate(r));
    r.loras = {{"a.safetensors", 11.0, {}}};
    EXPECT_EQ(errorOf([&] { validate(r); }), "'loras[0].weight' must lie in [-10, 10], got 11");
    r.loras = {{"", 1.0, {}}};
    EXPECT_EQ(errorOf([&] { validate(r); }), "'loras[0].path' is empty");
}

// DeepCache's step reuse: `cache_interval` (1 = off, not written), 1-10, never with ControlNets.
TEST(Request, CacheIntervalRoundTripsAndIsValidated) {
    GenerationRequest r;
    r.prompt = "x";
    EXPECT_FALSE(nlohmann::json::parse(toJson(r)).contains("cache_interval"));
    r.cacheInterval = 3;
    EXPECT_EQ(nlohmann::json::parse(toJson(r))["cache_interval"], 3);
    const GenerationRequest read = requestFromJson(toJson(r));
    EXPECT_EQ(read.cacheInterval, 3);
    EXPECT_EQ(requestFromJson(toJson(read)), read);
    EXPECT_NE(r, GenerationRequest{});
    EXPECT_NO_THROW(validate(r));
    for (const int bad : {0, -2, 11}) {
        r.cacheInterval = bad;
        EXPECT_EQ(errorOf([&] { validate(r); }),
                  "'cache_interval' must lie in [1, 10] (1: off), got " + std::to_string(bad));
    }
    r.cacheInterval = 2;
    r.controls.push_back(cannyUnit());
    EXPECT_EQ(
        errorOf([&] { validate(r); }).rfind("'cache_interval' does not work with ControlNets", 0),
        0u);
    r.cacheInterval = 1;
    EXPECT_NO_THROW(validate(r));
    EXPECT_EQ(errorOf([] {
                  requestFromJson(R"({"prompt": "x", "cache_interval": "often"})");
              }).find("'cache_interval'"),
              0u);
}

// The few-step samplers and the trailing grid start from pure noise: a start image with them is a
// request error naming the sampler, not a failure deep in sampling.
TEST(Request, AStartImageNeedsASamplerThatTakesOne) {
    GenerationRequest r;
    r.prompt = "x";
    r.init = "start.png";
    r.sampler = SamplerKind::Lcm;
    r.steps = 4;
    EXPECT_EQ(errorOf([&] { validate(r); }),
              "'init' a start image needs ddim, dpmpp-2m or euler-a on the leading timestep "
              "spacing; lcm starts from noise only");
    r.sampler = SamplerKind::EulerAncestral;
    r.timestepSpacing = TimestepSpacing::Trailing;
    EXPECT_EQ(errorOf([&] { validate(r); }),
              "'init' a start image needs ddim, dpmpp-2m or euler-a on the leading timestep "
              "spacing; euler-a on the trailing spacing starts from noise only");
    r.timestepSpacing = TimestepSpacing::Leading;
    EXPECT_NO_THROW(validate(r));
}

// A pipeline that only says what it loaded.
class LoadedFacts : public Pipeline {
public:
    explicit LoadedFacts(ModelFacts facts)
        : facts_(std::move(facts)) {}
    const ModelFacts& facts() const override { return facts_; }
    GenerationResult generate(const GenerationRequest&, GenerationObserver*) override { return {}; }

private:
    ModelFacts facts_;
};

TEST(Request, LorasAreALoadTimeOption) {
    GenerationRequest request = sample();
    request.loras = {{"style.safetensors", 0.5, {}}};
    const LoadOptions wanted = loadOptionsFor(request, "");
    EXPECT_EQ(wanted.loras, request.loras);
    EXPECT_NE(wanted, loadOptionsFor(sample(), ""));

    ModelFacts facts;
    facts.modelPath = request.model;
    facts.computeDtype = ComputeDtype::Float32;
    facts.autoDtype = ComputeDtype::Float32;
    const LoadedFacts plain(facts);
    EXPECT_TRUE(needsReload(&plain, wanted));
    EXPECT_FALSE(needsReload(&plain, loadOptionsFor(sample(), "")));
    facts.loras = request.loras;
    const LoadedFacts merged(facts);
    EXPECT_FALSE(needsReload(&merged, wanted));
    LoadOptions heavier = wanted;
    heavier.loras[0].weight = 0.8;
    EXPECT_TRUE(needsReload(&merged, heavier));
    // The result records the LoRAs as loaded, not as asked.
    EXPECT_EQ(resolveRequest(sample(), facts).loras, request.loras);
}

} // namespace
} // namespace deadiff

namespace deadiff {
namespace {

GenerationRequest withControls() {
    GenerationRequest r = sample();
    r.styleStart = 0.2;
    r.styleEnd = 0.8;
    r.styleStrength = 1.5;
    r.contentStrength = 0.5;
    r.layerWeights = {{0, 1.0}, {4, 0.5}, {15, 2.0}};
    r.init = "sketch.png";
    r.strength = 0.6;
    r.resizeMode = image::ResizeMode::Fill;
    r.mask = "mask.png";
    r.maskBlur = 8;
    r.maskedOnly = true;
    r.maskedPadding = 16;
    return r;
}

TEST(Request, ArtistControlsRoundTripThroughJsonUnderTheirKeys) {
    const GenerationRequest r = withControls();
    const auto json = nlohmann::json::parse(toJson(r));
    EXPECT_EQ(json["style_start"], 0.2);
    EXPECT_EQ(json["style_end"], 0.8);
    EXPECT_EQ(json["style_strength"], 1.5);
    EXPECT_EQ(json["content_strength"], 0.5);
    EXPECT_EQ(json["layer_weights"], "0:1,4:0.5,15:2");
    EXPECT_EQ(json["init"], "sketch.png");
    EXPECT_EQ(json["strength"], 0.6);
    EXPECT_EQ(json["resize_mode"], "fill");
    EXPECT_EQ(json["mask"], "mask.png");
    EXPECT_EQ(json["mask_blur"], 8);
    EXPECT_EQ(json["masked_only"], true);
    EXPECT_EQ(json["masked_padding"], 16);
    EXPECT_EQ(requestFromJson(toJson(r)), r);
    EXPECT_NO_THROW(validate(r));

    // Defaults are not written, so a plain request's JSON is what it was before these controls.
    const auto plain = nlohmann::json::parse(toJson(sample()));
    for (const char* key :
         {"style_start", "style_end", "style_strength", "content_strength", "layer_weights", "init",
          "strength", "resize_mode", "mask", "mask_blur", "masked_only", "masked_padding"})
        EXPECT_FALSE(plain.contains(key)) << key;
    EXPECT_NE(errorOf([] {
                  requestFromJson(R"({"prompt": "a", "masked_only": 1})");
              }).find("'masked_only' must be true or false"),
              std::string::npos);
    EXPECT_NE(errorOf([] {
                  requestFromJson(R"({"prompt": "a", "resize_mode": "zoom"})");
              }).find("'resize_mode' must be crop, stretch or fill"),
              std::string::npos);
}

TEST(Request, LayerWeightsTextIsStrict) {
    EXPECT_EQ(parseLayerWeights(" 0:1, 4 : 0.5 ,15:0"),
              (std::map<int, double>{{0, 1.0}, {4, 0.5}, {15, 0.0}}));
    EXPECT_TRUE(parseLayerWeights("").empty());
    EXPECT_EQ(layerWeightsText({{3, 0.25}, {1, 1.5}}), "1:1.5,3:0.25");
    for (const char* bad : {"4", "4:", ":1", "a:1", "4:x", "4:1,", "-1:1", "4:1;5:1", "4:1:2"})
        EXPECT_NE(errorOf([&] { parseLayerWeights(bad); }).find("'layer_weights'"),
                  std::string::npos)
            << bad;
    EXPECT_NE(errorOf([] { parseLayerWeights("4:1,4:2"); }).find("lists layer 4 twice"),
              std::string::npos);
    EXPECT_NE(errorOf([] { parseLayerWeights("4:11"); }).find("[0, 10]"), std::string::npos);
}

TEST(Request, LayerImageWeightsCombineImageWeightStrengthsAndFactors) {
    GenerationRequest r;
    const std::vector<std::int64_t> content{4, 5, 6, 7, 8};
    EXPECT_TRUE(layerImageWeights(r, 16, content).empty()); // defaults: image_weight everywhere
    r.imageWeight = 0.5;
    r.styleStrength = 2.0;
    r.contentStrength = 0.25;
    r.layerWeights = {{5, 4.0}, {12, 0.0}};
    const std::vector<double> weights = layerImageWeights(r, 16, content);
    ASSERT_EQ(weights.size(), 16u);
    EXPECT_DOUBLE_EQ(weights[0], 1.0);   // 0.5 · 2
    EXPECT_DOUBLE_EQ(weights[4], 0.125); // 0.5 · 0.25
    EXPECT_DOUBLE_EQ(weights[5], 0.5);   // 0.5 · 0.25 · 4
    EXPECT_DOUBLE_EQ(weights[9], 1.0);   // output_blocks.5 is a style layer
    EXPECT_DOUBLE_EQ(weights[12], 0.0);
    r.layerWeights = {{16, 1.0}};
    EXPECT_NE(errorOf([&] { layerImageWeights(r, 16, content); }).find("0-15"), std::string::npos);
}

TEST(Request, ArtistControlsAreValidated) {
    const auto problem = [](const std::function<void(GenerationRequest&)>& change) {
        GenerationRequest r = withControls();
        change(r);
        return errorOf([&] { validate(r); });
    };
    EXPECT_NE(problem([](GenerationRequest& r) { r.styleStart = 0.9; }).find("'style_start'"),
              std::string::npos);
    EXPECT_NE(problem([](GenerationRequest& r) { r.styleEnd = 1.1; }).find("'style_start'"),
              std::string::npos);
    EXPECT_NE(
        problem([](GenerationRequest& r) { r.contentStrength = -1; }).find("'content_strength'"),
        std::string::npos);
    EXPECT_NE(problem([](GenerationRequest& r) { r.strength = 1.2; }).find("'strength'"),
              std::string::npos);
    EXPECT_NE(problem([](GenerationRequest& r) { r.init.clear(); }).find("'mask'"),
              std::string::npos);
    EXPECT_NE(problem([](GenerationRequest& r) { r.maskBlur = -1; }).find("'mask_blur'"),
              std::string::npos);
    EXPECT_NE(
        problem([](GenerationRequest& r) { r.maskedPadding = 5000; }).find("'masked_padding'"),
        std::string::npos);
}

TEST(Request, ReferencesActInsideTheirStepWindow) {
    GenerationRequest r;
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(referencesActAt(r, i, 4)) << i;
    r.styleStart = 0.5;
    EXPECT_FALSE(referencesActAt(r, 1, 4));
    EXPECT_TRUE(referencesActAt(r, 2, 4));
    r.styleStart = r.styleEnd = 1.0; // the last step is at 3/4: none
    for (int i = 0; i < 4; ++i)
        EXPECT_FALSE(referencesActAt(r, i, 4)) << i;
}

TEST(Request, A1111ParametersNameTheArtistControls) {
    const std::string text = toA1111Parameters(withControls());
    EXPECT_NE(text.find(", DEADiff style range: 0.2-0.8"), std::string::npos) << text;
    EXPECT_NE(text.find(", DEADiff strengths: \"style 1.5, content 0.5\""), std::string::npos);
    EXPECT_NE(text.find(", DEADiff layer weights: \"0:1,4:0.5,15:2\""), std::string::npos);
    EXPECT_NE(text.find(", Denoising strength: 0.6, Init image: sketch.png"), std::string::npos);
    EXPECT_NE(text.find(", Mask blur: 8, Inpaint area: Only masked, Masked area padding: 16"),
              std::string::npos);
    EXPECT_EQ(toA1111Parameters(sample()).find("Denoising"), std::string::npos);
}

} // namespace
} // namespace deadiff
