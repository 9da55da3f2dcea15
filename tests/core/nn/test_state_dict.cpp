#include "core/io/safetensors.h"
#include "core/nn/state_dict.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

namespace deadiff::nn {
namespace {

struct TinyImpl : torch::nn::Module {
    TinyImpl() {
        proj = register_module("proj", torch::nn::Linear(3, 2));
        norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({2})));
        position_ids = register_buffer("position_ids", torch::arange(4, torch::kInt64));
    }
    torch::nn::Linear proj{nullptr};
    torch::nn::LayerNorm norm{nullptr};
    torch::Tensor position_ids;
};
TORCH_MODULE(Tiny);

std::string messageOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    return "";
}

TEST(StateDict, LoadsEveryParameterAndBufferByCheckpointName) {
    torch::manual_seed(1);
    Tiny source;
    const TensorMap saved = stateDictOf(*source, "model.");
    EXPECT_EQ(saved.size(), 5u);
    EXPECT_TRUE(saved.count("model.proj.weight"));
    EXPECT_TRUE(saved.count("model.norm.bias"));
    EXPECT_TRUE(saved.count("model.position_ids"));

    Tiny target;
    loadStateDict(*target, saved, "model.");
    EXPECT_TRUE(torch::equal(target->proj->weight, source->proj->weight));
    EXPECT_TRUE(torch::equal(target->norm->bias, source->norm->bias));
}

TEST(StateDict, SharesMappedMemoryWhenLayoutsMatch) {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string path = (dir / ("deadiff-sd-" + std::to_string(::getpid()))).string();
    torch::manual_seed(2);
    Tiny source;
    std::vector<std::pair<std::string, torch::Tensor>> entries;
    for (const auto& [key, tensor] : stateDictOf(*source, ""))
        entries.emplace_back(key, tensor);
    io::writeSafetensors(path, entries);
    const auto file = io::SafetensorsFile::open(path);
    std::filesystem::remove(path); // the mapping keeps the data

    Tiny target;
    loadStateDict(*target, tensorsOf(file), "");
    const auto* begin = file.mapping()->data();
    const auto* weight = static_cast<const std::uint8_t*>(target->proj->weight.data_ptr());
    EXPECT_GE(weight, begin);
    EXPECT_LT(weight, begin + file.mapping()->size());
    EXPECT_TRUE(torch::equal(target->proj->weight, source->proj->weight));

    Tiny copied;
    loadStateDict(*copied, tensorsOf(file), "", {{}, /*shareMemory=*/false});
    const auto* own = static_cast<const std::uint8_t*>(copied->proj->weight.data_ptr());
    EXPECT_TRUE(own < begin || own >= begin + file.mapping()->size());
    EXPECT_TRUE(torch::equal(copied->proj->weight, source->proj->weight));
}

TEST(StateDict, HalfPrecisionWeightsAreUpcastExactly) {
    Tiny source;
    TensorMap saved = stateDictOf(*source, "");
    const auto half = torch::tensor({{0.5f, -0.25f, 1024.f}, {3.f, 1e-3f, -7.5f}}).to(torch::kHalf);
    saved["proj.weight"] = half;
    Tiny target;
    loadStateDict(*target, saved, "");
    EXPECT_EQ(target->proj->weight.scalar_type(), torch::kFloat);
    EXPECT_TRUE(torch::equal(target->proj->weight, half.to(torch::kFloat)));
}

// Large loads first touch their targets' pages from several threads, then convert into them:
// every byte must still come from the checkpoint (a few pages past 64 MiB, sizes not a multiple
// of a page, a shared tensor beside them that must not be written).
TEST(StateDict, LargeConvertedLoadsAreExactWherePagesWereTouchedFirst) {
    struct BigImpl : torch::nn::Module {
        BigImpl() {
            a = register_parameter("a",
                                   torch::empty({(std::int64_t{33} << 20) + 7}, torch::kBFloat16));
            b = register_parameter("b",
                                   torch::empty({(std::int64_t{1} << 20) + 3}, torch::kBFloat16));
            shared = register_parameter("shared", torch::empty({1000}));
        }
        torch::Tensor a, b, shared;
    };
    // Two threads, as configureThreads() sets on this 2-thread machine (LibTorch's default is
    // one per core): the touching runs only with more than one.
    struct Threads {
        int saved = at::get_num_threads();
        Threads() { at::set_num_threads(2); }
        ~Threads() { at::set_num_threads(saved); }
    } threads;
    torch::manual_seed(9);
    TensorMap saved{{"a", torch::randn({(std::int64_t{33} << 20) + 7})},
                    {"b", torch::randn({(std::int64_t{1} << 20) + 3})},
                    {"shared", torch::randn({1000})}};
    const torch::Tensor sharedBefore = saved["shared"].clone();
    BigImpl target;
    loadStateDict(target, saved, "");
    EXPECT_TRUE(torch::equal(target.a, saved["a"].to(torch::kBFloat16)));
    EXPECT_TRUE(torch::equal(target.b, saved["b"].to(torch::kBFloat16)));
    EXPECT_EQ(target.shared.data_ptr(), saved["shared"].data_ptr());
    EXPECT_TRUE(torch::equal(saved["shared"], sharedBefore));

    // Loaded again from tensors whose storage it shares (without sharing this time): those bytes
    // are the source, so they must not be touched before they are copied.
    TensorMap own{{"a", target.a}, {"b", target.b}, {"shared", target.shared}};
    const torch::Tensor aBefore = target.a.clone();
    loadStateDict(target, own, "", {{}, /*shareMemory=*/false});
    EXPECT_TRUE(torch::equal(target.a, aBefore));
}

TEST(StateDict, MismatchesNameTheKeyAndBothShapes) {
    Tiny source;
    TensorMap saved = stateDictOf(*source, "m.");
    saved["m.proj.weight"] = torch::zeros({4, 3});
    saved.erase("m.norm.bias");
    saved["m.extra.weight"] = torch::zeros({1});
    saved["m.cls.decoder.weight"] = torch::zeros({1});
    saved["other.weight"] = torch::zeros({1}); // outside the prefix: not ours to judge

    Tiny target;
    LoadOptions options;
    options.ignoredKeyPrefixes = {"cls."};
    const std::string message = messageOf([&] { loadStateDict(*target, saved, "m.", options); });
    EXPECT_NE(message.find("m.proj.weight: checkpoint [4, 3], model [2, 3]"), std::string::npos)
        << message;
    EXPECT_NE(message.find("missing (1):\n    m.norm.bias"), std::string::npos) << message;
    EXPECT_NE(message.find("unexpected (1):\n    m.extra.weight"), std::string::npos) << message;
    EXPECT_EQ(message.find("cls.decoder"), std::string::npos) << message;
    EXPECT_EQ(message.find("other.weight"), std::string::npos) << message;
}

} // namespace
} // namespace deadiff::nn
