// Conditioning networks against the official Python code (oracle sections a and b): the CLIP
// text encoder, both reference branches (ViT -> ln_vision -> Q-Former -> ProjLayer), loaded from
// the random-weight checkpoint with the released key layout. Skipped when the checkpoint is
// absent. Metric: max|ours - ref| / max|ref| <= 1e-4 (../shared/oracle/README.md, "Comparing").
#include "core/io/safetensors.h"
#include "core/nn/blip2_qformer.h"
#include "core/nn/clip_text.h"
#include "core/nn/proj_layer.h"
#include "core/nn/state_dict.h"
#include "core/pipeline/reference_encoder.h"
#include "tests/support/paths.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>
#include <string>

namespace deadiff::nn {
namespace {

constexpr double kTolerance = 1e-4;

// Zero-copy views of the checkpoint entries under `prefix` only.
TensorMap tensorsUnder(const io::SafetensorsFile& file, const std::string& prefix) {
    TensorMap tensors;
    for (const io::TensorInfo& info : file.tensors())
        if (info.name.compare(0, prefix.size(), prefix) == 0)
            tensors.emplace(info.name, file.tensor(info));
    return tensors;
}

double relativeError(const torch::Tensor& ours, const torch::Tensor& reference) {
    const torch::Tensor ref = reference.to(torch::kDouble);
    return (ours.to(torch::kDouble) - ref).abs().max().item<double>() /
           ref.abs().max().item<double>();
}

void expectClose(const std::string& name, const torch::Tensor& ours,
                 const torch::Tensor& reference) {
    ASSERT_EQ(ours.sizes(), reference.sizes()) << name;
    const double error = relativeError(ours, reference);
    std::cout << "[oracle] " << name << " max|ours-ref|/max|ref| = " << error << std::endl;
    ::testing::Test::RecordProperty(name, std::to_string(error));
    EXPECT_LE(error, kTolerance) << name;
}

TEST(ConditioningOracle, ClipTextEncoderMatchesOfficialHiddenStates) {
    DEADIFF_REQUIRE_ORACLE_CHECKPOINT(checkpointPath);
    const auto checkpoint = io::SafetensorsFile::open(checkpointPath);
    const auto reference = io::SafetensorsFile::open(test::oracleRef("text_encoder.safetensors"));

    ClipTextModel model;
    loadStateDict(*model, tensorsUnder(checkpoint, kClipTextPrefix), kClipTextPrefix);
    model->eval();
    torch::NoGradGuard noGrad;
    for (const std::string name : {"prompt", "empty", "negative"}) {
        const torch::Tensor ids = reference.tensor(name + "_ids");
        expectClose(name + "_hidden", model(ids), reference.tensor(name + "_hidden"));
    }
}

void checkReferenceBranch(const std::string& checkpointPath, const std::string& referenceFile,
                          const std::string& blipPrefix, const std::string& projPrefix,
                          const std::vector<std::int64_t>& expectedTextIds) {
    const auto checkpoint = io::SafetensorsFile::open(checkpointPath);
    const auto reference = io::SafetensorsFile::open(test::oracleRef(referenceFile));

    Blip2QFormer blip;
    loadStateDict(*blip, tensorsUnder(checkpoint, blipPrefix), blipPrefix,
                  blip2QFormerLoadOptions());
    ProjLayer proj;
    loadStateDict(*proj, tensorsUnder(checkpoint, projPrefix), projPrefix);
    blip->eval();
    proj->eval();
    torch::NoGradGuard noGrad;

    const torch::Tensor ids = reference.tensor("bert_input_ids");
    EXPECT_TRUE(torch::equal(ids, torch::tensor(expectedTextIds).unsqueeze(0)))
        << "the branch's built-in BERT ids differ from the official tokenizer's";

    const torch::Tensor imageTokens = blip->encodeImage(reference.tensor("clip_input"));
    expectClose(blipPrefix + "vit_tokens", imageTokens, reference.tensor("vit_tokens"));
    const torch::Tensor hidden = blip->queryHidden(imageTokens, ids);
    expectClose(blipPrefix + "qformer_hidden", hidden, reference.tensor("qformer_hidden"));
    const torch::Tensor queries = hidden.slice(1, 0, blip->config.queryTokens);
    expectClose(blipPrefix + "qformer_query_out", queries, reference.tensor("qformer_query_out"));
    expectClose(blipPrefix + "ctx", proj(queries), reference.tensor("ctx"));
}

TEST(ConditioningOracle, StyleBranchMatchesOfficialEveryStage) {
    DEADIFF_REQUIRE_ORACLE_CHECKPOINT(checkpointPath);
    checkReferenceBranch(checkpointPath, "style_01.safetensors", kStyleBlipPrefix, kStyleProjPrefix,
                         styleTextIds());
}

TEST(ConditioningOracle, ContentBranchMatchesOfficialEveryStage) {
    DEADIFF_REQUIRE_ORACLE_CHECKPOINT(checkpointPath);
    checkReferenceBranch(checkpointPath, "content_01.safetensors", kContentBlipPrefix,
                         kContentProjPrefix, contentTextIds());
}

// The official "style & content" mode on one image: both contexts through the composed encoder,
// loaded from the checkpoint by its own key mapping.
TEST(ConditioningOracle, ReferenceEncoderBothModeReproducesBothContexts) {
    DEADIFF_REQUIRE_ORACLE_CHECKPOINT(checkpointPath);
    const auto checkpoint = io::SafetensorsFile::open(checkpointPath);
    const auto style = io::SafetensorsFile::open(test::oracleRef("style_01.safetensors"));
    const auto content = io::SafetensorsFile::open(test::oracleRef("content_01.safetensors"));
    TensorMap tensors;
    for (const char* prefix :
         {kStyleBlipPrefix, kContentBlipPrefix, kStyleProjPrefix, kContentProjPrefix})
        tensors.merge(tensorsUnder(checkpoint, prefix));

    pipeline::ReferenceEncoder encoder;
    encoder.load(tensors);
    const torch::Tensor image = style.tensor("clip_input");
    ASSERT_TRUE(torch::equal(image, content.tensor("clip_input")));
    const auto contexts =
        encoder.contexts(pipeline::ReferenceMode::Both, {{image, 1.0}}, std::nullopt, 1);
    expectClose("encoder.style_ctx", contexts.style, style.tensor("ctx"));
    expectClose("encoder.content_ctx", contexts.content, content.tensor("ctx"));
    EXPECT_EQ(encoder.towerRuns(), 2);
}

} // namespace
} // namespace deadiff::nn
