#include "core/pipeline/reference_encoder.h"
#include "core/pipeline/request.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

namespace deadiff::pipeline {
namespace {

ReferenceEncoderConfig tinyConfig() {
    ReferenceEncoderConfig config;
    config.blip.vision.imageSize = 8;
    config.blip.vision.patchSize = 4;
    config.blip.vision.width = 12;
    config.blip.vision.layers = 1;
    config.blip.vision.heads = 2;
    config.blip.vision.mlpWidth = 16;
    config.blip.qformer.vocabSize = 4200; // holds the real "style"/"content" BERT ids
    config.blip.qformer.hidden = 16;
    config.blip.qformer.layers = 1;
    config.blip.qformer.heads = 4;
    config.blip.qformer.intermediate = 24;
    config.blip.qformer.maxPositions = 8;
    config.blip.qformer.encoderWidth = 12;
    config.blip.queryTokens = 3;
    config.proj.width = 16;
    config.proj.hidden = 20;
    return config;
}

torch::Tensor image() {
    return torch::randn({1, 3, 8, 8});
}

// The branch computed directly from its modules, not through the encoder's cache.
torch::Tensor directEmbedding(ReferenceEncoder& encoder, const torch::Tensor& clipInput,
                              ReferenceBranch branch, const std::vector<std::int64_t>& ids) {
    torch::NoGradGuard noGrad;
    const torch::Tensor text = torch::tensor(ids, torch::kInt64).unsqueeze(0);
    return encoder.proj(branch)(encoder.blip(branch)(clipInput, text));
}

TEST(ReferenceEncoder, ParsesAndNamesModes) {
    for (const char* name : {"style", "content", "both", "none"})
        EXPECT_STREQ(nameOf(*enumFromName<ReferenceMode>(name)), name);
    EXPECT_FALSE(enumFromName<ReferenceMode>("Style").has_value());
    EXPECT_EQ(enumNameList<ReferenceMode>(), "style, content, both or none");
}

TEST(ReferenceEncoder, NormalisesMixWeightsToSumOne) {
    const std::vector<double> quarter = normalizedWeights({1.0, 3.0});
    ASSERT_EQ(quarter.size(), 2u);
    EXPECT_DOUBLE_EQ(quarter[0], 0.25);
    EXPECT_DOUBLE_EQ(quarter[1], 0.75);
    EXPECT_DOUBLE_EQ(normalizedWeights({5.0})[0], 1.0);
    EXPECT_DOUBLE_EQ(normalizedWeights({0.0, 2.0})[0], 0.0);
    EXPECT_THROW(normalizedWeights({}), RequestError);
    EXPECT_THROW(normalizedWeights({0.0, 0.0}), RequestError);
    EXPECT_THROW(normalizedWeights({1.0, -0.5}), RequestError);
    EXPECT_THROW(normalizedWeights({std::nan("")}), RequestError);
    EXPECT_THROW(normalizedWeights({std::numeric_limits<double>::infinity()}), RequestError);
}

TEST(ReferenceEncoder, EachBranchReadsItsOwnQFormerWithItsOwnText) {
    torch::manual_seed(1);
    ReferenceEncoder encoder(tinyConfig());
    const torch::Tensor a = image();
    const torch::Tensor style = encoder.embed(a, ReferenceBranch::Style);
    const torch::Tensor content = encoder.embed(a, ReferenceBranch::Content);
    EXPECT_EQ(style.sizes(), (std::vector<std::int64_t>{1, 3, 16}));
    EXPECT_TRUE(torch::allclose(
        style, directEmbedding(encoder, a, ReferenceBranch::Style, {101, 2806, 102}), 0, 1e-6));
    EXPECT_TRUE(torch::allclose(
        content, directEmbedding(encoder, a, ReferenceBranch::Content, {101, 4180, 102}), 0, 1e-6));
    EXPECT_GT((style - content).abs().max().item<double>(), 1e-3);
}

TEST(ReferenceEncoder, MixIsTheNormalisedWeightedSumOfEmbeddings) {
    torch::manual_seed(2);
    ReferenceEncoder encoder(tinyConfig());
    const torch::Tensor a = image(), b = image();
    const torch::Tensor mixed = encoder.mix({{a, 1.0}, {b, 3.0}}, ReferenceBranch::Style);
    const std::vector<std::int64_t> ids{101, 2806, 102};
    const torch::Tensor expected = 0.25 * directEmbedding(encoder, a, ReferenceBranch::Style, ids) +
                                   0.75 * directEmbedding(encoder, b, ReferenceBranch::Style, ids);
    EXPECT_TRUE(torch::allclose(mixed, expected, 0, 1e-6));
    // A slider at w maps to (1 - w, w): the ends are the single references.
    EXPECT_TRUE(torch::allclose(encoder.mix({{a, 1.0}, {b, 0.0}}, ReferenceBranch::Style),
                                directEmbedding(encoder, a, ReferenceBranch::Style, ids), 0, 1e-6));
}

TEST(ReferenceEncoder, CacheHitsDoNotRerunTheVisionTower) {
    torch::manual_seed(3);
    ReferenceEncoder encoder(tinyConfig());
    const torch::Tensor a = image(), b = image();
    EXPECT_EQ(encoder.towerRuns(), 0);
    const auto first = encoder.contexts(ReferenceMode::Style, {{a, 0.7}, {b, 0.3}}, {}, 1);
    EXPECT_EQ(encoder.towerRuns(), 2);
    // Moving the slider: no new run, a different mix.
    const auto moved = encoder.contexts(ReferenceMode::Style, {{a, 0.2}, {b, 0.8}}, {}, 1);
    EXPECT_EQ(encoder.towerRuns(), 2);
    EXPECT_GT((moved.style - first.style).abs().max().item<double>(), 1e-4);
    // The same pixels in another tensor are the same image.
    encoder.embed(a.clone(), ReferenceBranch::Style);
    EXPECT_EQ(encoder.towerRuns(), 2);
    // The content branch of an image is another entry; then it is cached too.
    encoder.contexts(ReferenceMode::Both, {{a, 0.5}, {b, 0.5}}, {}, 1);
    EXPECT_EQ(encoder.towerRuns(), 3);
    encoder.contexts(ReferenceMode::Content, {{a, 1.0}}, {}, 2);
    EXPECT_EQ(encoder.towerRuns(), 3);
    // One changed pixel is a new image.
    torch::Tensor edited = a.clone();
    edited[0][0][0][0] += 0.5;
    encoder.embed(edited, ReferenceBranch::Style);
    EXPECT_EQ(encoder.towerRuns(), 4);
    encoder.clearCache();
    encoder.embed(a, ReferenceBranch::Style);
    EXPECT_EQ(encoder.towerRuns(), 5);
}

TEST(ReferenceEncoder, CacheForgetsTheLeastRecentlyUsedImage) {
    torch::manual_seed(4);
    ReferenceEncoderConfig config = tinyConfig();
    config.cacheCapacity = 2;
    ReferenceEncoder encoder(config);
    const torch::Tensor a = image(), b = image(), c = image();
    encoder.embed(a, ReferenceBranch::Style);
    encoder.embed(b, ReferenceBranch::Style);
    encoder.embed(a, ReferenceBranch::Style); // a is now the most recent
    encoder.embed(c, ReferenceBranch::Style); // evicts b
    EXPECT_EQ(encoder.towerRuns(), 3);
    encoder.embed(a, ReferenceBranch::Style);
    EXPECT_EQ(encoder.towerRuns(), 3);
    encoder.embed(b, ReferenceBranch::Style);
    EXPECT_EQ(encoder.towerRuns(), 4);
}

TEST(ReferenceEncoder, ModesPutZerosWhereTheOfficialCodeDoes) {
    torch::manual_seed(5);
    ReferenceEncoder encoder(tinyConfig());
    const torch::Tensor s = image(), c = image();
    const std::vector<std::int64_t> styleIds{101, 2806, 102}, contentIds{101, 4180, 102};
    const auto isZero = [](const torch::Tensor& t) { return t.abs().max().item<double>() == 0; };

    const auto style = encoder.contexts(ReferenceMode::Style, {{s, 1.0}}, c, 2);
    ASSERT_EQ(style.style.sizes(), (std::vector<std::int64_t>{2, 3, 16}));
    ASSERT_EQ(style.content.sizes(), (std::vector<std::int64_t>{2, 3, 16}));
    EXPECT_TRUE(isZero(style.content));
    for (std::int64_t i = 0; i < 2; ++i)
        EXPECT_TRUE(torch::allclose(
            style.style[i], directEmbedding(encoder, s, ReferenceBranch::Style, styleIds)[0], 0,
            1e-6));

    const auto content = encoder.contexts(ReferenceMode::Content, {{s, 1.0}}, c, 1);
    EXPECT_TRUE(isZero(content.style));
    EXPECT_TRUE(torch::allclose(content.content,
                                directEmbedding(encoder, c, ReferenceBranch::Content, contentIds),
                                0, 1e-6));

    // Without a content reference, content and both read the first style reference.
    const auto both = encoder.contexts(ReferenceMode::Both, {{s, 1.0}, {c, 1.0}}, {}, 1);
    EXPECT_TRUE(torch::allclose(
        both.content, directEmbedding(encoder, s, ReferenceBranch::Content, contentIds), 0, 1e-6));
    EXPECT_FALSE(isZero(both.style));

    const std::int64_t runs = encoder.towerRuns();
    const auto none = encoder.contexts(ReferenceMode::None, {{s, 1.0}}, c, 3);
    EXPECT_EQ(none.style.sizes(), (std::vector<std::int64_t>{3, 3, 16}));
    EXPECT_TRUE(isZero(none.style));
    EXPECT_TRUE(isZero(none.content));
    EXPECT_EQ(encoder.towerRuns(), runs);
}

TEST(ReferenceEncoder, RejectsMissingImagesAndBadInputs) {
    ReferenceEncoder encoder(tinyConfig());
    EXPECT_THROW(encoder.contexts(ReferenceMode::Style, {}, image(), 1), std::invalid_argument);
    EXPECT_THROW(encoder.contexts(ReferenceMode::Both, {}, image(), 1), std::invalid_argument);
    EXPECT_THROW(encoder.contexts(ReferenceMode::Content, {}, {}, 1), std::invalid_argument);
    EXPECT_THROW(encoder.contexts(ReferenceMode::None, {}, {}, 0), std::invalid_argument);
    EXPECT_THROW(encoder.embed(torch::zeros({1, 3, 9, 9}), ReferenceBranch::Style),
                 std::invalid_argument);
    EXPECT_THROW(encoder.embed(torch::Tensor(), ReferenceBranch::Style), std::invalid_argument);
    EXPECT_NO_THROW(encoder.contexts(ReferenceMode::None, {}, {}, 1));
}

TEST(ReferenceEncoder, LoadsBothBranchesFromTheOfficialPrefixes) {
    torch::manual_seed(6);
    ReferenceEncoder source(tinyConfig());
    nn::TensorMap checkpoint;
    const auto add = [&checkpoint](const torch::nn::Module& module, const std::string& prefix) {
        for (const auto& [key, tensor] : nn::stateDictOf(module, prefix))
            checkpoint.emplace(key, tensor);
    };
    add(*source.blip(ReferenceBranch::Style), nn::kStyleBlipPrefix);
    add(*source.blip(ReferenceBranch::Content), nn::kContentBlipPrefix);
    add(*source.proj(ReferenceBranch::Style), nn::kStyleProjPrefix);
    add(*source.proj(ReferenceBranch::Content), nn::kContentProjPrefix);
    // Present in real files, unused at inference.
    checkpoint.emplace("style_blip.temp", torch::tensor(0.07f));
    checkpoint.emplace("content_blip.itm_head.weight", torch::zeros({2, 16}));

    torch::manual_seed(7);
    ReferenceEncoder target(tinyConfig());
    const torch::Tensor a = image();
    const torch::Tensor before = target.embed(a, ReferenceBranch::Content);
    target.load(checkpoint);
    const torch::Tensor loaded = target.embed(a, ReferenceBranch::Content);
    EXPECT_TRUE(torch::allclose(loaded, source.embed(a, ReferenceBranch::Content), 0, 1e-6));
    EXPECT_GT((loaded - before).abs().max().item<double>(), 1e-3) << "stale cache after load";
    EXPECT_TRUE(torch::allclose(target.embed(a, ReferenceBranch::Style),
                                source.embed(a, ReferenceBranch::Style), 0, 1e-6));

    checkpoint.erase("style_proj_layer.dense1.weight");
    EXPECT_THROW(target.load(checkpoint), std::runtime_error);
}

// BLIP-2 checkpoints store the ViT's linear and convolution weights in float16: the load keeps
// them so, shared with the file's memory, and the tower widens them at each use, exactly.
TEST(ReferenceEncoder, KeepsTheCheckpointsFloat16VisionWeightsSharedAndExact) {
    torch::NoGradGuard noGrad;
    torch::manual_seed(6);
    ReferenceEncoder source(tinyConfig());
    nn::TensorMap checkpoint;
    const auto add = [&checkpoint](torch::nn::Module& module, const std::string& prefix,
                                   bool halfWeights) {
        for (auto& item : module.named_parameters()) {
            const std::string& name = item.key();
            const bool linearOrConv =
                name.find("visual_encoder.") == 0 &&
                (name.find("conv1.") != std::string::npos ||
                 name.find("proj") != std::string::npos || name.find("c_fc.") != std::string::npos);
            if (halfWeights && linearOrConv) {
                const torch::Tensor half = item.value().to(torch::kHalf);
                item.value().copy_(half); // the source computes with the same (rounded) values
                checkpoint.emplace(prefix + name, half);
            } else {
                checkpoint.emplace(prefix + name, item.value().detach().clone());
            }
        }
        for (const auto& item : module.named_buffers())
            checkpoint.emplace(prefix + item.key(), item.value().clone());
    };
    add(*source.blip(ReferenceBranch::Style), nn::kStyleBlipPrefix, true);
    add(*source.blip(ReferenceBranch::Content), nn::kContentBlipPrefix, true);
    add(*source.proj(ReferenceBranch::Style), nn::kStyleProjPrefix, false);
    add(*source.proj(ReferenceBranch::Content), nn::kContentProjPrefix, false);

    ReferenceEncoder target(tinyConfig());
    target.load(checkpoint);
    int shared = 0;
    for (const auto& [branch, prefix] :
         {std::pair{ReferenceBranch::Style, std::string(nn::kStyleBlipPrefix)},
          std::pair{ReferenceBranch::Content, std::string(nn::kContentBlipPrefix)}}) {
        for (const auto& item : target.blip(branch)->named_parameters()) {
            const torch::Tensor& stored = checkpoint.at(prefix + item.key());
            EXPECT_EQ(item.value().scalar_type(), stored.scalar_type()) << item.key();
            if (stored.scalar_type() == torch::kHalf) {
                EXPECT_EQ(item.value().data_ptr(), stored.data_ptr()) << item.key();
                ++shared;
            }
        }
    }
    // conv1, and per layer in_proj, out_proj, c_fc, c_proj (weight and bias but conv1's).
    EXPECT_EQ(shared, 2 * (1 + 8 * tinyConfig().blip.vision.layers));
    const torch::Tensor a = image();
    for (const ReferenceBranch branch : {ReferenceBranch::Style, ReferenceBranch::Content})
        EXPECT_TRUE(torch::equal(target.embed(a, branch), source.embed(a, branch)));
}

} // namespace
} // namespace deadiff::pipeline
