// A1111's <lora:NAME:W> prompt syntax: found, left out of the encoder's text, resolved in the
// models folder, and never merged twice.
#include "core/batch/batch_runner.h"
#include "core/pipeline/prompt_loras.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace deadiff::pipeline {
namespace {

namespace fs = std::filesystem;

std::string problemOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const RequestError& error) {
        EXPECT_EQ(error.field(), "prompt");
        return error.problem();
    }
    return "(no error)";
}

TEST(PromptLoras, TagsAreFoundWithTheirWeights) {
    const auto loras =
        findPromptLoras("a cat <lora:style:0.6>, neon <lora:sub ject> <lora:a:b:-1.5>");
    ASSERT_EQ(loras.size(), 3u);
    EXPECT_EQ(loras[0].name, "style");
    EXPECT_DOUBLE_EQ(loras[0].weight, 0.6);
    EXPECT_EQ(loras[1].name, "sub ject");
    EXPECT_DOUBLE_EQ(loras[1].weight, 1.0);
    EXPECT_EQ(loras[2].name, "a:b"); // colons in a name when a weight follows
    EXPECT_DOUBLE_EQ(loras[2].weight, -1.5);
    EXPECT_TRUE(findPromptLoras("no tags, <lora:unclosed").empty());
    EXPECT_EQ(withoutPromptLoras("a cat <lora:style:0.6>, neon <lora:x>"), "a cat , neon ");
    EXPECT_EQ(withoutPromptLoras("<lora:unclosed"), "<lora:unclosed");

    EXPECT_NE(problemOf([] { findPromptLoras("<lora:style:lots>"); }).find("not a number"),
              std::string::npos);
    EXPECT_NE(problemOf([] { findPromptLoras("<lora:style:11>"); }).find("must lie in"),
              std::string::npos);
    EXPECT_NE(problemOf([] { findPromptLoras("<lora::0.5>"); }).find("names no LoRA"),
              std::string::npos);
}

TEST(PromptLoras, NamesResolveInTheModelsFolderAndAreNotAddedTwice) {
    const fs::path root = fs::temp_directory_path() /
                          ("deadiff_prompt_loras_" + std::to_string(std::random_device{}()));
    fs::create_directories(root / "lora");
    std::ofstream(root / "lora" / "style.safetensors") << "x";
    const fs::path elsewhere = root / "other.safetensors";
    std::ofstream(elsewhere) << "y";

    GenerationRequest request;
    request.prompt = "a cat <lora:style:0.6> <lora:" + elsewhere.string() + ">";
    request.loras = {{elsewhere.string(), 0.3, {}}}; // already listed: kept as it is
    addPromptLoras(request, root.string());
    ASSERT_EQ(request.loras.size(), 2u);
    EXPECT_EQ(request.loras[0].path, elsewhere.string());
    EXPECT_DOUBLE_EQ(request.loras[0].weight, 0.3);
    EXPECT_EQ(fs::path(request.loras[1].path), root / "lora" / "style.safetensors");
    EXPECT_DOUBLE_EQ(request.loras[1].weight, 0.6);
    // Again (a request read back from its PNG): nothing new.
    addPromptLoras(request, root.string());
    EXPECT_EQ(request.loras.size(), 2u);

    // A LoRA made for the model, in its folder's lora/ (the demo model's LCM-LoRA): found by name
    // when the models folder has none of that name; the models folder's wins.
    fs::create_directories(root / "model-folder" / "lora");
    std::ofstream(root / "model-folder" / "lora" / "own-draft.safetensors") << "z";
    std::ofstream(root / "model-folder" / "lora" / "style.safetensors") << "w";
    GenerationRequest own;
    own.model = (root / "model-folder").string();
    own.prompt = "a cat <lora:own-draft:0.5> <lora:style>";
    addPromptLoras(own, root.string());
    ASSERT_EQ(own.loras.size(), 2u);
    EXPECT_EQ(fs::path(own.loras[0].path),
              root / "model-folder" / "lora" / "own-draft.safetensors");
    EXPECT_DOUBLE_EQ(own.loras[0].weight, 0.5);
    EXPECT_EQ(fs::path(own.loras[1].path), root / "lora" / "style.safetensors");
    GenerationRequest elsewhereModel = own;
    elsewhereModel.loras.clear();
    elsewhereModel.model = (root / "other.safetensors").string(); // a single file: no folder
    EXPECT_NE(problemOf([&] {
                  addPromptLoras(elsewhereModel, root.string());
              }).find("<lora:own-draft> is neither"),
              std::string::npos);

    GenerationRequest unknown;
    unknown.prompt = "<lora:nothing:1>";
    EXPECT_NE(problemOf([&] {
                  addPromptLoras(unknown, root.string());
              }).find("<lora:nothing> is neither a LoRA in " + root.string() + "/lora"),
              std::string::npos);
    fs::remove_all(root);
}

// A batch job loads one model: its prompts' tags load with it when they agree, and a job whose
// prompts name different LoRAs is refused rather than merging one into every image.
TEST(PromptLoras, ABatchJobLoadsThePromptsLorasWhenEveryPromptNamesTheSame) {
    const fs::path root = fs::temp_directory_path() /
                          ("deadiff_batch_loras_" + std::to_string(std::random_device{}()));
    fs::create_directories(root / "lora");
    std::ofstream(root / "lora" / "ink.safetensors") << "x";
    std::ofstream(root / "lora" / "neon.safetensors") << "y";
    const std::string ink = (root / "lora" / "ink.safetensors").string();

    batch::BatchJob job = batch::parseBatchJob(
        R"({"template": {"prompt": "a cat <lora:ink:0.7>", "steps": 4}, "seeds": [1, 2]})",
        root.string());
    batch::addPromptLoras(job, root.string());
    ASSERT_EQ(job.templ.loras.size(), 1u);
    EXPECT_EQ(fs::path(job.templ.loras[0].path), fs::path(ink));
    EXPECT_DOUBLE_EQ(job.templ.loras[0].weight, 0.7);
    for (const batch::PlannedRequest& planned : batch::expandJob(job, 0).requests)
        EXPECT_EQ(planned.request.loras, job.templ.loras);

    // A prompts axis whose values all name it: the same.
    batch::BatchJob axis = batch::parseBatchJob(
        R"({"template": {"steps": 4}, "prompts": ["a cat <lora:ink:0.7>", "a dog <lora:ink:0.7>"]})",
        root.string());
    batch::addPromptLoras(axis, root.string());
    ASSERT_EQ(axis.templ.loras.size(), 1u);

    // No tags: nothing added.
    batch::BatchJob plain = batch::parseBatchJob(
        R"({"template": {"prompt": "a cat", "steps": 4}, "seeds": [1, 2]})", root.string());
    batch::addPromptLoras(plain, root.string());
    EXPECT_TRUE(plain.templ.loras.empty());

    const auto refusal = [&](const std::string& json) -> std::string {
        batch::BatchJob mixed = batch::parseBatchJob(json, root.string());
        try {
            batch::addPromptLoras(mixed, root.string());
        } catch (const batch::BatchJobError& error) {
            EXPECT_TRUE(mixed.templ.loras.empty()); // the job is left as it was
            return error.what();
        }
        return "(no error)";
    };
    EXPECT_NE(refusal(R"({"template": {"steps": 4},
                          "prompts": ["a cat <lora:ink:0.7>", "a dog <lora:neon>"]})")
                  .find("name different LoRAs"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"template": {"steps": 4}, "prompts": ["a cat <lora:ink:0.7>", "a dog"]})")
                  .find("a batch job loads its LoRAs once"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"template": {"steps": 4},
                          "prompts": ["a cat <lora:ink:0.7>", "a dog <lora:ink:0.5>"]})")
                  .find("\"a dog <lora:ink:0.5>\""),
              std::string::npos);
    EXPECT_NE(refusal(R"({"template": {"prompt": "a cat <lora:nowhere>", "steps": 4}})")
                  .find("<lora:nowhere> is neither a LoRA"),
              std::string::npos);

    // A LoRA made for the job's model, in its folder's lora/ (the demo model's LCM-LoRA), as in
    // `generate`: the job's model is searched (it was not: every prompt was refused).
    fs::create_directories(root / "own-model" / "lora");
    std::ofstream(root / "own-model" / "lora" / "draft.safetensors") << "z";
    batch::BatchJob own = batch::parseBatchJob(
        R"({"template": {"model": "own-model", "prompt": "a cat <lora:draft:0.8>", "steps": 4},
            "seeds": [1, 2]})",
        root.string());
    batch::addPromptLoras(own, root.string());
    ASSERT_EQ(own.templ.loras.size(), 1u);
    EXPECT_EQ(fs::path(own.templ.loras[0].path), root / "own-model" / "lora" / "draft.safetensors");
    EXPECT_DOUBLE_EQ(own.templ.loras[0].weight, 0.8);
    fs::remove_all(root);
}

} // namespace
} // namespace deadiff::pipeline
