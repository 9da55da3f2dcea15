// A1111's <lora:NAME:W> prompt syntax: found, left out of the encoder's text, resolved in the
// models folder, and never merged twice.
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

    GenerationRequest unknown;
    unknown.prompt = "<lora:nothing:1>";
    EXPECT_NE(problemOf([&] {
                  addPromptLoras(unknown, root.string());
              }).find("<lora:nothing> is neither a LoRA in " + root.string() + "/lora"),
              std::string::npos);
    fs::remove_all(root);
}

} // namespace
} // namespace deadiff::pipeline
