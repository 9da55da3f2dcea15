// The TAESD decoder against a transcription of madebyollin/taesd's taesd.py
// (tests/fixtures/taesd/taesd_reference.py): the same key layout as taesd_decoder.safetensors and
// the same image from the same weights.
#include "core/io/safetensors.h"
#include "core/nn/state_dict.h"
#include "core/nn/taesd.h"
#include "tests/support/ckpt_writer.h"
#include "tests/support/python_reference.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>

namespace deadiff::nn {
namespace {

const char* kScript = "taesd/taesd_reference.py";

const io::SafetensorsFile& reference() {
    static const io::SafetensorsFile file =
        io::SafetensorsFile::open(test::fixturePath("taesd/taesd_reference.safetensors"));
    return file;
}

// 2u − 1 for u = splitmix64(index + stream·golden ratio)/2^64, as the script computes it.
torch::Tensor splitmixUniform(std::int64_t count, std::uint64_t stream) {
    torch::Tensor values = torch::empty({count}, torch::kDouble);
    double* out = values.data_ptr<double>();
    for (std::int64_t i = 0; i < count; ++i) {
        std::uint64_t x = static_cast<std::uint64_t>(i) + stream * 0x9E3779B97F4A7C15ULL;
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9ULL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBULL;
        x ^= x >> 31;
        out[i] = 2.0 * (static_cast<double>(x >> 11) * 0x1.0p-53) - 1.0;
    }
    return values;
}

// The script's weights: tensor k (sorted key order, from 1) filled from stream k.
TensorMap scriptWeights(const TensorMap& layout) {
    TensorMap weights;
    std::uint64_t stream = 1;
    for (const auto& [name, like] : layout) {
        const torch::Tensor values = splitmixUniform(like.numel(), stream++);
        const double bound =
            like.dim() == 4
                ? 0.5 * std::sqrt(6.0 /
                                  static_cast<double>(like.size(1) * like.size(2) * like.size(3)))
                : 0.1;
        weights.emplace(name, (values * bound).reshape(like.sizes()).to(torch::kFloat));
    }
    return weights;
}

TEST(Taesd, KeyLayoutIsTaesdDecoderSafetensors) {
    const nlohmann::json layout = nlohmann::json::parse(reference().metadata().at("layout"));
    TaesdDecoder decoder;
    const TensorMap ours = stateDictOf(*decoder, "");
    ASSERT_EQ(ours.size(), layout.size());
    for (const auto& [name, tensor] : ours) {
        ASSERT_TRUE(layout.contains(name)) << name;
        EXPECT_EQ(tensor.sizes().vec(), layout[name].get<std::vector<std::int64_t>>()) << name;
    }
    // A few by hand: first conv, a block's convs, the bias-free upsampling conv, the last conv.
    EXPECT_EQ(ours.count("1.weight") + ours.count("3.conv.4.bias") + ours.count("7.weight") +
                  ours.count("19.bias"),
              4u);
    EXPECT_EQ(ours.count("7.bias"), 0u);
}

TEST(Taesd, DecodesLikeTheUpstreamModule) {
    TaesdDecoder decoder;
    loadStateDict(*decoder, scriptWeights(stateDictOf(*decoder, "")), "");
    torch::NoGradGuard noGrad;
    const torch::Tensor latent = reference().tensor("latent");
    const torch::Tensor expected = reference().tensor("image");
    const torch::Tensor image = decoder->forward(latent);
    ASSERT_EQ(image.sizes(), expected.sizes()); // 8x the latent
    const double error = ((image - expected).abs().max() / expected.abs().max()).item<double>();
    EXPECT_LE(error, 1e-5) << "max|ours-ref|/max|ref|";

    // Runs in the weights' dtype and hands back the latent's.
    decoder->to(torch::kBFloat16);
    const torch::Tensor lowered = decoder->forward(latent);
    EXPECT_EQ(lowered.scalar_type(), torch::kFloat);
    EXPECT_LE(((lowered - expected).abs().max() / expected.abs().max()).item<double>(), 0.05);
}

TEST(Taesd, LoadsAFileWithTheUpstreamKeysAndRefusesOthers) {
    TaesdDecoder source;
    const TensorMap weights = scriptWeights(stateDictOf(*source, ""));
    const auto path = std::filesystem::temp_directory_path() /
                      ("deadiff_taesd_" + std::to_string(::getpid()) + ".safetensors");
    const std::vector<std::pair<std::string, torch::Tensor>> entries(weights.begin(),
                                                                     weights.end());
    io::writeSafetensors(path.string(), entries);
    TaesdDecoder decoder;
    const io::SafetensorsFile file = io::SafetensorsFile::open(path.string());
    loadStateDict(*decoder, tensorsOf(file), "");
    torch::NoGradGuard noGrad;
    EXPECT_LE(((decoder->forward(reference().tensor("latent")) - reference().tensor("image"))
                   .abs()
                   .max() /
               reference().tensor("image").abs().max())
                  .item<double>(),
              1e-5);

    TensorMap incomplete = tensorsOf(file);
    incomplete.erase("19.weight");
    TaesdDecoder other;
    EXPECT_THROW(loadStateDict(*other, incomplete, ""), std::runtime_error);
    EXPECT_THROW(decoder->forward(torch::zeros({1, 3, 4, 4})), std::runtime_error);
    std::filesystem::remove(path);
}

TEST(Taesd, ScriptReproducesTheCommittedFixture) {
    DEADIFF_REQUIRE_PYTHON_TORCH(kScript);
    const auto out = std::filesystem::temp_directory_path() /
                     ("deadiff_taesd_ref_" + std::to_string(::getpid()) + ".safetensors");
    test::runPythonReference(kScript, {out.string()});
    const io::SafetensorsFile fresh = io::SafetensorsFile::open(out.string());
    EXPECT_EQ(fresh.metadata().at("layout"), reference().metadata().at("layout"));
    for (const char* name : {"latent", "image"}) {
        const torch::Tensor a = fresh.tensor(name), b = reference().tensor(name);
        EXPECT_LE(((a - b).abs().max() / b.abs().max()).item<double>(), 1e-6) << name;
    }
    std::filesystem::remove(out);
}

} // namespace
} // namespace deadiff::nn
