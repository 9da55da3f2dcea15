// Layers built for loading skip LibTorch's random initialisation but are otherwise the same
// modules: same parameter names, shapes, options and outputs once the weights are set.
#include "core/nn/layers.h"
#include "core/nn/state_dict.h"
#include "core/nn/unet.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <thread>
#include <vector>

namespace deadiff::nn {
namespace {

// `built` gets `reference`'s weights by name, as a checkpoint would give them.
void copyWeights(const torch::nn::Module& reference, torch::nn::Module& built) {
    loadStateDict(built, stateDictOf(reference, ""), "", LoadOptions{{}, false, false});
}

TEST(WeightsFromFile, ScopesNestAndStayOnTheirThread) {
    EXPECT_FALSE(WeightsFromFile::active());
    {
        const WeightsFromFile outer;
        {
            const WeightsFromFile inner;
            EXPECT_TRUE(WeightsFromFile::active());
        }
        EXPECT_TRUE(WeightsFromFile::active());
        bool onOtherThread = true;
        std::thread([&] { onOtherThread = WeightsFromFile::active(); }).join();
        EXPECT_FALSE(onOtherThread);
    }
    EXPECT_FALSE(WeightsFromFile::active());
}

TEST(WeightsFromFile, OutsideAScopeLayersAreInitialisedAsLibTorchDoes) {
    torch::manual_seed(11);
    const torch::nn::Linear plain(torch::nn::LinearOptions(7, 5));
    const torch::nn::Conv2d plainConv(torch::nn::Conv2dOptions(4, 6, 3).padding(1));
    torch::manual_seed(11);
    const torch::nn::Linear made = makeLinear(torch::nn::LinearOptions(7, 5));
    const torch::nn::Conv2d madeConv = makeConv2d(torch::nn::Conv2dOptions(4, 6, 3).padding(1));
    EXPECT_TRUE(torch::equal(plain->weight, made->weight));
    EXPECT_TRUE(torch::equal(plain->bias, made->bias));
    EXPECT_TRUE(torch::equal(plainConv->weight, madeConv->weight));
}

TEST(WeightsFromFile, LayersBuiltForLoadingAreTheSameModulesOnceLoaded) {
    torch::manual_seed(5);
    torch::nn::Linear linear(torch::nn::LinearOptions(6, 9).bias(true));
    torch::nn::Linear noBias(torch::nn::LinearOptions(6, 3).bias(false));
    torch::nn::Conv2d conv(torch::nn::Conv2dOptions(4, 8, 3).stride(2).padding(1).groups(2));
    torch::nn::Embedding embedding(torch::nn::EmbeddingOptions(12, 5).padding_idx(0));
    torch::nn::Linear loadedLinear{nullptr}, loadedNoBias{nullptr};
    torch::nn::Conv2d loadedConv{nullptr};
    torch::nn::Embedding loadedEmbedding{nullptr};
    {
        const WeightsFromFile fromFile;
        loadedLinear = makeLinear(torch::nn::LinearOptions(6, 9).bias(true));
        loadedNoBias = makeLinear(torch::nn::LinearOptions(6, 3).bias(false));
        loadedConv = makeConv2d(torch::nn::Conv2dOptions(4, 8, 3).stride(2).padding(1).groups(2));
        loadedEmbedding = makeEmbedding(torch::nn::EmbeddingOptions(12, 5).padding_idx(0));
    }
    EXPECT_EQ(loadedLinear->weight.sizes(), linear->weight.sizes());
    EXPECT_FALSE(loadedNoBias->bias.defined());
    EXPECT_EQ(loadedConv->weight.sizes(), conv->weight.sizes());
    EXPECT_EQ(loadedEmbedding->weight.sizes(), embedding->weight.sizes());
    EXPECT_EQ(loadedConv->options.in_channels(), 4);
    EXPECT_EQ(loadedConv->options.out_channels(), 8);
    EXPECT_EQ(*loadedEmbedding->options.padding_idx(), 0);

    copyWeights(*linear, *loadedLinear);
    copyWeights(*noBias, *loadedNoBias);
    copyWeights(*conv, *loadedConv);
    copyWeights(*embedding, *loadedEmbedding);
    const torch::Tensor x = torch::randn({2, 6});
    const torch::Tensor image = torch::randn({1, 4, 9, 9});
    const torch::Tensor ids = torch::tensor({0, 3, 11});
    EXPECT_TRUE(torch::equal(loadedLinear->forward(x), linear->forward(x)));
    EXPECT_TRUE(torch::equal(loadedNoBias->forward(x), noBias->forward(x)));
    EXPECT_TRUE(torch::equal(loadedConv->forward(image), conv->forward(image)));
    EXPECT_TRUE(torch::equal(loadedEmbedding->forward(ids), embedding->forward(ids)));
    // clone() rebuilds from the options: the real sizes, not the smallest ones built first.
    const auto cloned = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(loadedConv->clone());
    EXPECT_TRUE(torch::equal(cloned->forward(image), conv->forward(image)));
}

TEST(WeightsFromFile, LayersAreMadeInTheDtypeTheyWillBeLoadedIn) {
    torch::nn::Linear big{nullptr}, small{nullptr};
    {
        const WeightsFromFile fromFile(torch::kBFloat16);
        {
            const WeightsFromFile inner; // float32 inside, bfloat16 again after it
            EXPECT_EQ(WeightsFromFile::dtype(), torch::kFloat);
        }
        big = makeLinear(torch::nn::LinearOptions(1024, 4096)); // 8 MiB: huge-page backed
        small = makeLinear(torch::nn::LinearOptions(16, 8));
    }
    EXPECT_EQ(WeightsFromFile::dtype(), torch::kFloat);
    EXPECT_EQ(big->weight.scalar_type(), torch::kBFloat16);
    EXPECT_EQ(small->weight.scalar_type(), torch::kBFloat16);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(big->weight.data_ptr()) % (2u << 20), 0u);
    // Loading converts float32 file tensors into that storage, rounding as to() would.
    const torch::Tensor file = torch::randn({4096, 1024});
    loadStateDict(*big, {{"weight", file}, {"bias", torch::randn({4096})}}, "");
    EXPECT_TRUE(torch::equal(big->weight, file.to(torch::kBFloat16)));
    const torch::Tensor x = torch::randn({2, 1024}, torch::kBFloat16);
    EXPECT_EQ(big->forward(x).sizes(), (std::vector<std::int64_t>{2, 4096}));
}

// A whole network: same parameter names and shapes, and the same output once loaded.
TEST(WeightsFromFile, AUNetBuiltForLoadingLoadsAndComputesAsOneBuiltNormally) {
    UNetConfig config; // SD 1.5's topology at 1/10 width, image cross-attention included
    config.modelChannels = 32;
    config.numHeads = 2;
    config.contextDim = 16;
    config.imageTokens = 4;
    torch::manual_seed(2);
    UNetModel reference(config);
    UNetModel loaded{nullptr};
    {
        const WeightsFromFile fromFile;
        loaded = UNetModel(config);
    }
    const auto referenceParameters = reference->named_parameters();
    const auto loadedParameters = loaded->named_parameters();
    ASSERT_EQ(loadedParameters.size(), referenceParameters.size());
    for (const auto& item : referenceParameters)
        EXPECT_EQ(loadedParameters[item.key()].sizes(), item.value().sizes()) << item.key();
    copyWeights(*reference, *loaded);
    reference->eval();
    loaded->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor latent = torch::randn({1, 4, 8, 8});
    const torch::Tensor t = torch::tensor({500});
    UNetContext context;
    context.styleImage = torch::randn({1, 4, 16});
    context.styleText = torch::randn({1, 5, 16});
    context.contentImage = torch::randn({1, 4, 16});
    context.contentText = torch::randn({1, 5, 16});
    EXPECT_TRUE(
        torch::equal(loaded->forward(latent, t, context), reference->forward(latent, t, context)));
}

} // namespace
} // namespace deadiff::nn
