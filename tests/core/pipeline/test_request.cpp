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

} // namespace
} // namespace deadiff
