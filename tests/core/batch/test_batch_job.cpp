#include "core/batch/batch_job.h"
#include "core/batch/file_names.h"

#include <gtest/gtest.h>

#include <set>

namespace deadiff::batch {
namespace {

// The example of conventions.md "Batch job file", verbatim.
const char* kConventionsExample = R"({ "template": { "steps": 30, "width": 512, "height": 512 },
  "prompts": ["a castle", "a cat"],
  "styles": [["ref/a.png"], ["ref/a.png", "ref/b.png"]],
  "mix": [0.3, 0.7],
  "seeds": [1, 2],
  "image_weight": [0.8, 1.0] })";

std::string errorOf(const std::string& json) {
    try {
        const BatchJob job = parseBatchJob(json, "/jobs");
        expandJob(job, 5);
    } catch (const BatchJobError& error) {
        return error.what();
    }
    return "(no error)";
}

TEST(BatchJob, ExpandsTheConventionsExampleInKeyOrder) {
    const BatchJob job = parseBatchJob(kConventionsExample, "/jobs/x");
    const BatchPlan plan = expandJob(job, 99);
    ASSERT_EQ(plan.requests.size(), 2u * 2 * 2 * 2 * 2);
    ASSERT_EQ(plan.images.size(), 32u);
    ASSERT_EQ(plan.axes.size(), 5u);
    EXPECT_EQ(plan.axes[0].key, "prompts");
    EXPECT_EQ(plan.axes[4].key, "image_weight");
    EXPECT_EQ(plan.axes[1].labels, (std::vector<std::string>{"a", "a+b"}));

    // The first key varies slowest, the last fastest (an odometer).
    const GenerationRequest& first = plan.requests[0].request;
    EXPECT_EQ(first.prompt, "a castle");
    ASSERT_EQ(first.styles.size(), 1u);
    EXPECT_EQ(first.styles[0].path, "/jobs/x/ref/a.png"); // relative to the job file
    EXPECT_EQ(first.mix, 0.3);
    EXPECT_EQ(first.seed, 1u);
    EXPECT_EQ(first.imageWeight, 0.8);
    EXPECT_EQ(first.steps, 30);
    EXPECT_EQ(plan.requests[1].request.imageWeight, 1.0);
    EXPECT_EQ(plan.requests[1].request.seed, 1u);
    EXPECT_EQ(plan.requests[2].request.seed, 2u);
    EXPECT_EQ(plan.requests[4].request.mix, 0.7);
    EXPECT_EQ(plan.requests[8].request.styles.size(), 2u);
    EXPECT_EQ(plan.requests[8].request.styles[1].path, "/jobs/x/ref/b.png");
    EXPECT_EQ(plan.requests[16].request.prompt, "a cat");
    const GenerationRequest& last = plan.requests[31].request;
    EXPECT_EQ(last.prompt, "a cat");
    EXPECT_EQ(last.styles.size(), 2u);
    EXPECT_EQ(last.mix, 0.7);
    EXPECT_EQ(last.seed, 2u);
    EXPECT_EQ(last.imageWeight, 1.0);
    EXPECT_EQ(plan.requests[13].coord, (std::vector<std::size_t>{0, 1, 1, 0, 1}));

    // Every combination exactly once.
    std::set<std::string> distinct;
    for (const PlannedRequest& planned : plan.requests)
        distinct.insert(toJson(planned.request));
    EXPECT_EQ(distinct.size(), 32u);
}

TEST(BatchJob, SeedCountDerivesSeedsFromTheTemplateOrTheBaseSeed) {
    BatchPlan plan = expandJob(
        parseBatchJob(R"({"template": {"prompt": "p", "seed": 10}, "seed_count": 3})", ""), 77);
    ASSERT_EQ(plan.requests.size(), 3u);
    EXPECT_EQ(plan.requests[0].request.seed, 10u);
    EXPECT_EQ(plan.requests[2].request.seed, 12u);
    EXPECT_EQ(plan.axes[0].labels, (std::vector<std::string>{"10", "11", "12"}));

    const BatchJob unseeded =
        parseBatchJob(R"({"template": {"prompt": "p"}, "seed_count": 2})", "");
    EXPECT_TRUE(needsBaseSeed(unseeded));
    plan = expandJob(unseeded, 77);
    EXPECT_EQ(plan.requests[0].request.seed, 77u);
    EXPECT_EQ(plan.requests[1].request.seed, 78u);

    // No seed axis at all: every image shares the one seed (compare styles at a fixed seed).
    plan = expandJob(parseBatchJob(R"({"prompts": ["a", "b"], "template": {"seed": 4}})", ""), 9);
    EXPECT_EQ(plan.requests[0].request.seed, 4u);
    EXPECT_EQ(plan.requests[1].request.seed, 4u);
}

TEST(BatchJob, BatchSizeAddsImagesAndDepthsAreAnAxis) {
    const BatchJob job = parseBatchJob(
        R"({"template": {"prompt": "p", "seed": 1, "batch": 3, "control": "/c/depth.pth"},
            "depths": ["d/x.png", "/abs/y.png"]})",
        "/j");
    const BatchPlan plan = expandJob(job, 0);
    ASSERT_EQ(plan.requests.size(), 2u);
    ASSERT_EQ(plan.images.size(), 6u);
    ASSERT_EQ(plan.requests[0].request.controls.size(), 1u);
    EXPECT_EQ(plan.requests[0].request.controls[0].model, "/c/depth.pth");
    EXPECT_EQ(plan.requests[0].request.controls[0].hintFrom, "/j/d/x.png");
    EXPECT_EQ(plan.requests[0].request.controls[0].preprocess, control::Preprocessor::DepthMap);
    EXPECT_EQ(plan.requests[1].request.controls[0].hintFrom, "/abs/y.png");
    EXPECT_EQ(plan.axes.back().key, "batch");
    EXPECT_EQ(plan.images[4].requestIndex, 1u);
    EXPECT_EQ(plan.images[4].batchIndex, 1);
    EXPECT_EQ(plan.images[4].index, 4);

    // A depth axis without a ControlNet is refused, naming the axis value.
    const BatchJob noControl =
        parseBatchJob(R"({"template": {"prompt": "p", "seed": 1}, "depths": ["d/x.png"]})", "/j");
    try {
        expandJob(noControl, 0);
        FAIL() << "a depth map without a ControlNet was accepted";
    } catch (const std::exception& error) {
        EXPECT_NE(std::string(error.what()).find("depths[0]"), std::string::npos) << error.what();
        EXPECT_NE(std::string(error.what()).find("control"), std::string::npos) << error.what();
    }
}

TEST(BatchJob, TemplateLorasAreRelativeToTheJobFile) {
    const BatchJob job = parseBatchJob(
        R"({"template": {"prompt": "p", "loras": [{"path": "l/style.safetensors", "weight": 0.5},
                                                  "/abs/lcm.safetensors"]}})",
        "/jobs/x");
    EXPECT_EQ(job.templ.loras, (std::vector<LoraChoice>{{"/jobs/x/l/style.safetensors", 0.5, {}},
                                                        {"/abs/lcm.safetensors", 1.0, {}}}));
    // Every image of the job is made with them (they are fixed while the model is loaded).
    const BatchPlan plan = expandJob(job, 0);
    ASSERT_FALSE(plan.requests.empty());
    EXPECT_EQ(plan.requests[0].request.loras, job.templ.loras);
}

// "hints": each value gives every template ControlNet its picture (its hint, or its hint_from
// when it preprocesses one).
TEST(BatchJob, HintsAreAnAxisOverEveryControlNet) {
    const BatchJob job = parseBatchJob(
        R"({"template": {"prompt": "p", "seed": 1, "controls": [
                {"model": "canny.pth", "hint_from": "a.png", "preprocess": "canny"},
                {"model": "depth.pth", "hint": "d.png"}]},
            "hints": [["x.png", "y.png"], "z.png"],
            "name_template": "{index}_{hint}.png"})",
        "/j");
    EXPECT_EQ(job.templ.controls[0].model, "/j/canny.pth");
    const BatchPlan plan = expandJob(job, 0);
    ASSERT_EQ(plan.requests.size(), 2u);
    const auto& first = plan.requests[0].request.controls;
    EXPECT_EQ(first[0].hintFrom, "/j/x.png");
    EXPECT_EQ(first[0].preprocess, control::Preprocessor::Canny);
    EXPECT_EQ(first[1].hint, "/j/y.png");
    const auto& second = plan.requests[1].request.controls;
    EXPECT_EQ(second[0].hintFrom, "/j/z.png");
    EXPECT_EQ(second[1].hint, "/j/d.png"); // a shorter set leaves the rest as the template has it
    EXPECT_EQ(plan.images[0].fileName, "1_x.png");
    EXPECT_EQ(plan.axes.back().key, "hints");
    EXPECT_EQ(plan.axes.back().labels, (std::vector<std::string>{"x+y", "z"}));

    try {
        expandJob(parseBatchJob(R"({"template": {"prompt": "p"}, "hints": ["x.png"]})", "/j"), 0);
        FAIL() << "a hint without a ControlNet was accepted";
    } catch (const std::exception& error) {
        EXPECT_NE(std::string(error.what()).find("hints[0]"), std::string::npos) << error.what();
    }
}

TEST(BatchJob, FileNamesFollowTheTemplateAndAreUnique) {
    const BatchJob job = parseBatchJob(R"({"template": {"prompt": "x", "seed": 42},
        "prompts": ["A red: fox?", "a quiet lake at dawn, oil"],
        "styles": [["refs/wood cut.png"], []]})",
                                       "/j");
    const BatchPlan plan = expandJob(job, 0);
    ASSERT_EQ(plan.images.size(), 4u);
    EXPECT_EQ(plan.images[0].fileName, "1_42_wood_cut_A_red__fox.png");
    EXPECT_EQ(plan.images[1].fileName, "2_42_none_A_red__fox.png");
    EXPECT_EQ(plan.images[2].fileName, "3_42_wood_cut_a_quiet_lake_at_dawn.png");

    // A template without {index} that maps two images to one name: the later gets its index.
    BatchJob clash = job;
    clash.nameTemplate = "{seed}";
    const BatchPlan clashing = expandJob(clash, 0);
    EXPECT_EQ(clashing.images[0].fileName, "42.png");
    EXPECT_EQ(clashing.images[1].fileName, "42-2.png");
    EXPECT_EQ(clashing.images[3].fileName, "42-4.png");
    // Names the job writes itself are never taken.
    clash.nameTemplate = "Contact-Sheet";
    EXPECT_EQ(expandJob(clash, 0).images[0].fileName, "Contact-Sheet-1.png");
}

TEST(BatchJob, IndexIsOneBasedAndPaddedToTheCount) {
    GenerationRequest request;
    request.seed = 3;
    EXPECT_EQ(renderFileName("{index}", {0, 9, 0, &request}), "1.png");
    EXPECT_EQ(renderFileName("{index}", {6, 120, 0, &request}), "007.png");
    EXPECT_EQ(renderFileName("{index}-{batch_index}.PNG", {6, 120, 1, &request}), "007-2.png");
}

TEST(BatchJob, BadJobsNameTheField) {
    EXPECT_NE(errorOf("{").find("not valid JSON"), std::string::npos);
    EXPECT_NE(errorOf(R"({"prompt": "x"})").find("'prompt' is not a known batch field"),
              std::string::npos);
    EXPECT_NE(errorOf(R"({"prompts": ["a", 3]})").find("'prompts[1]' must be a string"),
              std::string::npos);
    EXPECT_NE(errorOf(R"({"prompts": []})").find("'prompts' must not be empty"), std::string::npos);
    EXPECT_NE(errorOf(R"({"prompts": ["a"], "styles": [["a.png"], [7]]})").find("'styles[1][0]'"),
              std::string::npos);
    EXPECT_NE(errorOf(R"({"prompts": ["a"], "styles": [[{"path": "a.png", "wait": 1}]]})")
                  .find("'styles[0][0].wait' is not a known field"),
              std::string::npos);
    EXPECT_NE(errorOf(R"({"prompts": ["a"], "template": {"steps": "many"}})")
                  .find("template: 'steps' must be an integer"),
              std::string::npos);
    EXPECT_NE(errorOf(R"({"prompts": ["a"], "seeds": [1, -2]})").find("'seeds[1]'"),
              std::string::npos);
    EXPECT_NE(errorOf(R"({"prompts": ["a"], "seeds": [1], "seed_count": 2})").find("'seed_count'"),
              std::string::npos);
    EXPECT_NE(errorOf(R"({"template": {"steps": 3}})").find("'prompts' is missing"),
              std::string::npos);
    EXPECT_NE(errorOf(R"({"prompts": ["a"], "name_template": "{colour}"})")
                  .find("'name_template' has an unknown field {colour}"),
              std::string::npos);
    // Values that are only wrong in combination name the axis values that made them.
    const std::string mix =
        errorOf(R"({"prompts": ["a"], "styles": [["a.png", "b.png"]], "mix": [0.5, 1.5]})");
    EXPECT_NE(mix.find("prompts[0], styles[0], mix[1]: 'mix' must lie in [0, 1]"),
              std::string::npos)
        << mix;
    EXPECT_NE(errorOf(R"({"prompts": ["a"], "image_weight": [1, 20]})").find("image_weight[1]"),
              std::string::npos);
}

TEST(BatchJob, RoundTripsThroughJson) {
    const BatchJob job = parseBatchJob(kConventionsExample, "/jobs");
    const BatchJob again = parseBatchJob(toJson(job), "/elsewhere"); // paths are absolute now
    const BatchPlan a = expandJob(job, 1);
    const BatchPlan b = expandJob(again, 1);
    ASSERT_EQ(a.requests.size(), b.requests.size());
    for (std::size_t i = 0; i < a.requests.size(); ++i)
        EXPECT_EQ(a.requests[i].request, b.requests[i].request) << i;
}

TEST(FileNames, SanitisedForEveryOs) {
    EXPECT_EQ(sanitizeFileName("a/b\\c:d*e?f\"g<h>i|j.png"), "a_b_c_d_e_f_g_h_i_j.png");
    EXPECT_EQ(sanitizeFileName("tab\there  and\nthere.png"), "tab_here_and_there.png");
    EXPECT_EQ(sanitizeFileName(std::string("nul\0byte", 8) + ".png"), "nul_byte.png");
    EXPECT_EQ(sanitizeFileName("trailing dots... .png"), "trailing_dots.png");
    EXPECT_EQ(sanitizeFileName("..hidden.png"), "hidden.png");
    EXPECT_EQ(sanitizeFileName("-rf.png"), "rf.png");
    EXPECT_EQ(sanitizeFileName("CON.png"), "_CON.png");
    EXPECT_EQ(sanitizeFileName("com7.png"), "_com7.png");
    EXPECT_EQ(sanitizeFileName("lpt1.tar.png"), "_lpt1.tar.png");
    EXPECT_EQ(sanitizeFileName("console.png"), "console.png");
    EXPECT_EQ(sanitizeFileName("???.png"), "image.png");
    EXPECT_EQ(sanitizeFileName(""), "image");
    EXPECT_EQ(sanitizeFileName("caf\xC3\xA9.png"), "caf\xC3\xA9.png"); // UTF-8 stays
    EXPECT_EQ(sanitizeFileName("bad\xFFutf8.png"), "bad_utf8.png");    // stray bytes do not
}

TEST(FileNames, LongNamesAreCutAtACharacterAndKeepTheExtension) {
    std::string longName;
    for (int i = 0; i < 100; ++i)
        longName += "\xE9\x9B\xAA"; // 雪, 3 bytes
    const std::string name = sanitizeFileName(longName + ".png", 50);
    EXPECT_LE(name.size(), 50u);
    EXPECT_EQ(name, std::string(longName, 0, 45) + ".png"); // 15 whole characters
    GenerationRequest request;
    request.prompt = "h\xC3\xA9llo w\xC3\xB6rld";
    EXPECT_EQ(renderFileName("{prompt:5}", {0, 1, 0, &request}), "h\xC3\xA9llo.png");
    EXPECT_EQ(renderFileName("{prompt:0}x", {0, 1, 0, &request}), "x.png");
    EXPECT_THROW(renderFileName("{prompt:ab}", {0, 1, 0, &request}), BatchJobError);
    EXPECT_THROW(renderFileName("{prompt", {0, 1, 0, &request}), BatchJobError);
}

} // namespace
} // namespace deadiff::batch
