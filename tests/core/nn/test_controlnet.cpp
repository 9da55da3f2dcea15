// The SD 1.5 ControlNet on a small config of the real class: key layout, zero convolutions,
// where the hint and each residual go, the plain text context, loading the checkpoint layouts
// (v1.0 with SD keys, v1.1 control-only in fp16, bare keys) and refusing wrong files.
#include "core/io/safetensors.h"
#include "core/io/weight_file.h"
#include "core/nn/controlnet.h"
#include "core/nn/state_dict.h"
#include "core/nn/unet.h"
#include "tests/core/nn/checkpoint_manifest.h"
#include "tests/support/ckpt_writer.h"
#include "tests/support/paths.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

namespace deadiff::nn {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kContextDim = 16;

// SD 1.5 topology at 1/10 width (as the UNet tests), hint encoder 4-8-8-16 wide.
UNetConfig smallUNetConfig() {
    UNetConfig config;
    config.modelChannels = 32;
    config.numHeads = 2;
    config.contextDim = kContextDim;
    config.imageTokens = 4;
    return config;
}

ControlNetConfig smallConfig() {
    ControlNetConfig config;
    config.unet = smallUNetConfig();
    config.hintWidths = {4, 8, 8, 16};
    return config;
}

void zeroOut(torch::nn::Module& module) {
    torch::NoGradGuard noGrad;
    for (auto& parameter : module.parameters())
        parameter.zero_();
}

void zeroAllZeroConvs(ControlNetModelImpl& control) {
    for (const auto& conv : *control.zero_convs)
        zeroOut(*conv);
    zeroOut(*control.middle_block_out);
}

torch::nn::Conv2dImpl& zeroConv(ControlNetModelImpl& control, std::size_t index) {
    return *control.zero_convs[index]->as<torch::nn::Sequential>()->ptr(0)->as<torch::nn::Conv2d>();
}

UNetContext textOnlyContext(const torch::Tensor& text) {
    const std::int64_t batch = text.size(0);
    return {torch::zeros({batch, 4, kContextDim}), text, torch::zeros({batch, 4, kContextDim}),
            text, 1.0};
}

TEST(ControlNet, HasTheOfficialKeyLayoutWithPlainAttention) {
    const std::set<std::string> expected =
        test::manifestKeysUnder("control_model.", "controlnet_manifest.json");
    ASSERT_EQ(expected.size(), 340u) << "controlnet_manifest.json not found";
    ControlNetModel control(smallConfig());
    std::set<std::string> ours;
    for (const auto& [key, tensor] : stateDictOf(*control, ""))
        ours.insert(key);
    EXPECT_EQ(ours, expected);
    for (const std::string& key : ours)
        EXPECT_EQ(key.find("i_to_"), std::string::npos) << key;
    EXPECT_EQ(control->hintDownsampling(), 8);
}

TEST(ControlNet, DefaultConfigIsSd15) {
    const ControlNetConfig config;
    EXPECT_EQ(config.hintChannels, 3);
    EXPECT_EQ(config.hintWidths, (std::vector<std::int64_t>{16, 32, 96, 256}));
    EXPECT_EQ(config.unet.modelChannels, 320);
    EXPECT_EQ(config.unet.contextDim, 768);
    // Shapes of the hint encoder as in the manifest (input_hint_block.{0,2,...,14}).
    const auto entries = test::manifestEntriesUnder("control_model.input_hint_block.", {},
                                                    "controlnet_manifest.json");
    const std::vector<std::pair<std::string, std::vector<std::int64_t>>> convs = {
        {"0", {16, 3, 3, 3}},    {"2", {16, 16, 3, 3}},   {"4", {32, 16, 3, 3}},
        {"6", {32, 32, 3, 3}},   {"8", {96, 32, 3, 3}},   {"10", {96, 96, 3, 3}},
        {"12", {256, 96, 3, 3}}, {"14", {320, 256, 3, 3}}};
    for (const auto& [index, shape] : convs)
        EXPECT_EQ(entries.at("control_model.input_hint_block." + index + ".weight"), shape);
}

// Zero convolutions (the official initialisation) give zero residuals: the UNet's output is
// bit for bit its output without a ControlNet.
TEST(ControlNet, ZeroConvolutionsLeaveTheUNetUnchanged) {
    torch::manual_seed(1);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallUNetConfig());
    ControlNetModel control(smallConfig());
    zeroAllZeroConvs(*control);
    const torch::Tensor x = torch::randn({2, 4, 8, 8});
    const torch::Tensor hint = torch::rand({1, 3, 64, 64});
    const torch::Tensor t = torch::full({2}, 321, torch::kLong);
    const torch::Tensor text = torch::randn({2, 5, kContextDim});
    const std::vector<torch::Tensor> residuals = control->forward(x, hint, t, text);
    ASSERT_EQ(residuals.size(), 13u);
    for (const torch::Tensor& residual : residuals)
        EXPECT_EQ(residual.abs().max().item<float>(), 0.0f);
    const UNetContext context = textOnlyContext(text);
    EXPECT_TRUE(
        torch::equal(unet->forward(x, t, context, residuals), unet->forward(x, t, context)));
}

// A residual that is non-zero in one place moves exactly the UNet activations downstream of
// where cldm.py adds it: residual.k on the skip of input_blocks.k, consumed by
// output_blocks.(11 - k); residual.12 on the middle block's output.
TEST(ControlNet, EachResidualReachesOnlyItsSkipOrTheMiddleBlock) {
    torch::manual_seed(2);
    torch::NoGradGuard noGrad;
    UNetModel unet(smallUNetConfig());
    ControlNetModel control(smallConfig());
    const torch::Tensor x = torch::randn({1, 4, 8, 8});
    const torch::Tensor hint = torch::rand({1, 3, 64, 64});
    const torch::Tensor t = torch::full({1}, 500, torch::kLong);
    const torch::Tensor text = torch::randn({1, 5, kContextDim});
    const UNetContext context = textOnlyContext(text);

    std::map<std::string, torch::Tensor> plain;
    unet->forward(x, t, context, {}, [&](const std::string& name, const torch::Tensor& v) {
        plain[name] = v.clone();
    });

    for (const std::size_t k : {std::size_t{4}, std::size_t{12}}) {
        zeroAllZeroConvs(*control);
        {
            torch::NoGradGuard guard;
            if (k == 12)
                control->middle_block_out[0]->as<torch::nn::Conv2d>()->bias.fill_(0.5);
            else
                zeroConv(*control, k).bias.fill_(0.5);
        }
        const std::vector<torch::Tensor> residuals = control->forward(x, hint, t, text);
        for (std::size_t i = 0; i < residuals.size(); ++i)
            EXPECT_EQ(residuals[i].abs().max().item<float>(), i == k ? 0.5f : 0.0f) << i;

        std::map<std::string, torch::Tensor> controlled;
        unet->forward(
            x, t, context, residuals,
            [&](const std::string& name, const torch::Tensor& v) { controlled[name] = v.clone(); });
        for (int i = 0; i < 12; ++i) {
            const std::string name = "input_blocks." + std::to_string(i);
            EXPECT_TRUE(torch::equal(controlled[name], plain[name])) << name;
        }
        if (k == 12) {
            EXPECT_TRUE(torch::equal(controlled["middle_block"], plain["middle_block"] + 0.5));
            EXPECT_FALSE(torch::equal(controlled["output_blocks.0"], plain["output_blocks.0"]));
            continue;
        }
        EXPECT_TRUE(torch::equal(controlled["middle_block"], plain["middle_block"]));
        const int consumer = 11 - static_cast<int>(k);
        for (int i = 0; i < 12; ++i) {
            const std::string name = "output_blocks." + std::to_string(i);
            if (i < consumer) {
                EXPECT_TRUE(torch::equal(controlled[name], plain[name])) << name;
            } else if (i == consumer) {
                EXPECT_FALSE(torch::equal(controlled[name], plain[name])) << name;
            }
        }
    }
}

// cldm.py: guided_hint = input_hint_block(hint) joins the output of input_blocks.0 (conv_in),
// and only there. With the hint encoder's weights zero and its last bias b, guided_hint is b
// everywhere, and an identity zero_convs.0 shows residual.0 = conv_in(x) + b.
TEST(ControlNet, TheHintJoinsAfterConvIn) {
    torch::manual_seed(3);
    torch::NoGradGuard noGrad;
    ControlNetModel control(smallConfig());
    zeroOut(*control->input_hint_block);
    auto& lastHintConv = *control->input_hint_block[14]->as<torch::nn::Conv2d>();
    lastHintConv.bias.fill_(0.25);
    torch::nn::Conv2dImpl& first = zeroConv(*control, 0);
    first.weight.copy_(torch::eye(32).reshape({32, 32, 1, 1}));
    first.bias.zero_();

    const torch::Tensor x = torch::randn({1, 4, 8, 8});
    const torch::Tensor t = torch::full({1}, 10, torch::kLong);
    const torch::Tensor text = torch::randn({1, 5, kContextDim});
    torch::Tensor guided;
    const auto residuals = control->forward(x, torch::rand({1, 3, 64, 64}), t, text,
                                            [&](const std::string& name, const torch::Tensor& v) {
                                                if (name == "guided_hint")
                                                    guided = v;
                                            });
    ASSERT_TRUE(guided.defined());
    EXPECT_EQ(guided.sizes(), (std::vector<std::int64_t>{1, 32, 8, 8}));
    EXPECT_TRUE(torch::allclose(guided, torch::full_like(guided, 0.25)));
    auto convIn = control->input_blocks[0]->as<UNetBlock>()->layers[0].conv;
    const torch::Tensor expected = torch::conv2d(x, convIn->weight, convIn->bias, 1, 1) + 0.25;
    EXPECT_TRUE(torch::allclose(residuals[0], expected, 1e-5, 1e-6));
}

// The ControlNet reads the plain text context (ControlLDM's c_crossattn): residual.0 comes
// before any attention and ignores it, later ones follow it. Under CFG the rows
// [NEG; prompt] share one hint: each row equals its own batch-1 call.
TEST(ControlNet, ReadsTheTextContextAndSharesOneHintAcrossTheBatch) {
    torch::manual_seed(4);
    torch::NoGradGuard noGrad;
    ControlNetModel control(smallConfig());
    const torch::Tensor x = torch::randn({1, 4, 8, 8}).expand({2, -1, -1, -1}).contiguous();
    const torch::Tensor hint = torch::rand({1, 3, 64, 64});
    const torch::Tensor t = torch::full({2}, 700, torch::kLong);
    const torch::Tensor text = torch::randn({2, 5, kContextDim}); // [NEG; prompt]
    const auto both = control->forward(x, hint, t, text);
    for (int row = 0; row < 2; ++row) {
        const auto single = control->forward(x.narrow(0, row, 1), hint, t.narrow(0, row, 1),
                                             text.narrow(0, row, 1));
        for (std::size_t i = 0; i < 13; ++i)
            EXPECT_TRUE(torch::allclose(both[i].narrow(0, row, 1), single[i], 1e-4, 1e-5)) << i;
    }
    EXPECT_TRUE(torch::equal(both[0][0], both[0][1]));     // same x, same hint, no attention yet
    EXPECT_FALSE(torch::allclose(both[1][0], both[1][1])); // the text differs
}

TEST(ControlNet, RejectsBadInputsWithAMessage) {
    torch::NoGradGuard noGrad;
    ControlNetModel control(smallConfig());
    const torch::Tensor x = torch::randn({1, 4, 8, 8});
    const torch::Tensor t = torch::full({1}, 1, torch::kLong);
    const torch::Tensor text = torch::randn({1, 5, kContextDim});
    const auto messageOf = [&](const torch::Tensor& hint, const torch::Tensor& context) {
        try {
            control->forward(x, hint, t, context);
        } catch (const std::runtime_error& error) {
            return std::string(error.what());
        }
        return std::string();
    };
    EXPECT_NE(messageOf(torch::rand({1, 3, 32, 32}), text).find("8x the latent"),
              std::string::npos); // hint at the latent size, not the image size
    EXPECT_NE(messageOf(torch::rand({1, 1, 64, 64}), text).find("hint"), std::string::npos);
    EXPECT_NE(messageOf(torch::rand({1, 3, 64, 64}), torch::randn({1, 5, 8})).find("context"),
              std::string::npos);
    EXPECT_NE(messageOf(torch::rand({1, 3, 64, 64}), torch::Tensor()).find("context"),
              std::string::npos);
}

// Checkpoint layouts, written in PyTorch's zip format (tests/support/ckpt_writer, the writer
// test_torch_checkpoint checks against torch.save files), as safetensors, and by torch.save.
class ControlNetLoading : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff-controlnet-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
        torch::manual_seed(5);
        source_ = ControlNetModel(smallConfig());
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    // torch.save({"state_dict": tensors}) or torch.save(tensors), float32 or float16 storages.
    static void writePth(const std::string& file, const TensorMap& tensors, bool nest, bool half) {
        TensorMap stored;
        for (const auto& [name, value] : tensors)
            stored.emplace(name, value.to(half ? torch::kFloat16 : torch::kFloat32));
        test::writeTorchCheckpoint(file, stored, nest);
    }

    void expectLoadsAs(const std::string& file, torch::ScalarType rounding) {
        const io::WeightFile weights = io::WeightFile::open(file);
        ControlNetModel loaded(smallConfig());
        loadControlNet(*loaded, tensorsOf(weights), file);
        const TensorMap expected = stateDictOf(*source_, "");
        for (const auto& [name, value] : stateDictOf(*loaded, ""))
            EXPECT_TRUE(torch::equal(value, expected.at(name).to(rounding).to(torch::kFloat)))
                << file << ": " << name;
    }

    std::string errorOf(const std::string& file) {
        try {
            ControlNetModel loaded(smallConfig());
            loadControlNet(*loaded, tensorsOf(io::WeightFile::open(file)), file);
        } catch (const std::runtime_error& error) {
            return error.what();
        }
        return "";
    }

    fs::path dir_;
    ControlNetModel source_{nullptr};
};

TEST_F(ControlNetLoading, ReadsV10V11AndBareLayouts) {
    // v1.0 control_sd15_depth.pth: control_model.* next to the SD weights, under state_dict.
    TensorMap v10 = stateDictOf(*source_, "control_model.");
    v10.emplace("model.diffusion_model.input_blocks.0.0.weight", torch::randn({32, 4, 3, 3}));
    v10.emplace("first_stage_model.decoder.conv_in.bias", torch::randn({8}));
    writePth(path("control_sd15_depth.pth"), v10, /*nest=*/true, /*half=*/false);
    expectLoadsAs(path("control_sd15_depth.pth"), torch::kFloat);

    // v1.1 control_v11f1p_sd15_depth.pth: control_model.* only (here stored as fp16).
    writePth(path("control_v11f1p_sd15_depth.pth"), stateDictOf(*source_, "control_model."),
             /*nest=*/false, /*half=*/true);
    expectLoadsAs(path("control_v11f1p_sd15_depth.pth"), torch::kFloat16);

    // Bare keys in safetensors.
    std::vector<std::pair<std::string, torch::Tensor>> bare;
    for (const auto& [name, value] : stateDictOf(*source_, ""))
        bare.emplace_back(name, value.contiguous());
    io::writeSafetensors(path("bare.safetensors"), bare);
    expectLoadsAs(path("bare.safetensors"), torch::kFloat);
}

// Files written by PyTorch's own torch.save
// (tests/fixtures/controlnet/make_controlnet_fixtures.py): the official key names at the small
// config's shapes, tensor i of the official manifest set to (i + 1) / 1000, as stride-0 views of
// one storage (which the reader must expand).
TEST_F(ControlNetLoading, ReadsFilesWrittenByPyTorch) {
    std::ifstream stream(test::sharedDir() + "/oracle/controlnet_manifest.json");
    ASSERT_TRUE(stream) << "controlnet_manifest.json not found";
    const nlohmann::json manifest = nlohmann::json::parse(stream);
    ASSERT_EQ(manifest.size(), 340u);
    for (const auto& [file, dtype] :
         {std::pair<const char*, torch::ScalarType>{"control_v10_layout.pth", torch::kFloat},
          {"control_v11_layout_fp16.pth", torch::kFloat16}}) {
        const std::string path = test::fixturePath(std::string("controlnet/") + file);
        ControlNetModel loaded(smallConfig());
        loadControlNet(*loaded, tensorsOf(io::WeightFile::open(path)), path);
        const TensorMap ours = stateDictOf(*loaded, "control_model.");
        for (std::size_t i = 0; i < manifest.size(); ++i) {
            const std::string key = manifest[i].at(0).get<std::string>();
            const float expected =
                torch::tensor(static_cast<float>(static_cast<double>(i + 1) / 1000.0))
                    .to(dtype)
                    .to(torch::kFloat)
                    .item<float>();
            const torch::Tensor& value = ours.at(key);
            EXPECT_EQ(value.min().item<float>(), expected) << file << ": " << key;
            EXPECT_EQ(value.max().item<float>(), expected) << file << ": " << key;
        }
    }
}

TEST_F(ControlNetLoading, RefusesOtherFilesNamingThemAndTheKeys) {
    const std::string sd = path("deadiff.safetensors");
    io::writeSafetensors(
        sd, {{"model.diffusion_model.input_blocks.0.0.weight", torch::zeros({32, 4, 3, 3})}});
    std::string message = errorOf(sd);
    EXPECT_NE(message.find(sd), std::string::npos) << message;
    EXPECT_NE(message.find("not a ControlNet"), std::string::npos) << message;

    const std::string diffusers = path("diffusion_pytorch_model.safetensors");
    io::writeSafetensors(
        diffusers, {{"controlnet_cond_embedding.conv_in.weight", torch::zeros({16, 3, 3, 3})}});
    message = errorOf(diffusers);
    EXPECT_NE(message.find("diffusers"), std::string::npos) << message;

    const std::string other = path("other.safetensors");
    io::writeSafetensors(other, {{"weight", torch::zeros({2})}});
    EXPECT_NE(errorOf(other).find("not a ControlNet"), std::string::npos);

    // A ControlNet of another size (e.g. a different base model): the key and both shapes.
    TensorMap wrong = stateDictOf(*source_, "control_model.");
    wrong["control_model.input_hint_block.0.weight"] = torch::zeros({16, 3, 3, 3});
    wrong.erase("control_model.zero_convs.3.0.bias");
    writePth(path("wrong.pth"), wrong, false, false);
    message = errorOf(path("wrong.pth"));
    EXPECT_NE(message.find(path("wrong.pth")), std::string::npos) << message;
    EXPECT_NE(message.find("control_model.input_hint_block.0.weight: checkpoint [16, 3, 3, 3], "
                           "model [4, 3, 3, 3]"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("control_model.zero_convs.3.0.bias"), std::string::npos) << message;
}

// The config comes from the file's shapes, so a ControlNet of any size attaches to the model of
// its size; the head count (not in the shapes) is the UNet's.
TEST(ControlNetSizing, ReadsTheConfigFromTheTensorShapes) {
    for (const bool attention : {true, false}) {
        ControlNetConfig config = smallConfig();
        config.unet.channelMult = {1, 2, 2};
        config.unet.numResBlocks = 1;
        config.unet.attentionResolutions =
            attention ? std::vector<std::int64_t>{2} : std::vector<std::int64_t>{};
        config.unet.transformerDepth = 2;
        config.hintWidths = {4, 8, 12};
        config.hintChannels = 1;
        ControlNetModel control(config);
        const TensorMap tensors = stateDictOf(*control, "control_model.");
        const ControlNetConfig read = controlNetConfigFromTensors(
            tensors, detectControlNetLayout(tensors, "x.pth"), 2, "x.pth");
        EXPECT_EQ(read.hintChannels, 1);
        EXPECT_EQ(read.hintWidths, config.hintWidths);
        EXPECT_EQ(read.unet.inChannels, 4);
        EXPECT_EQ(read.unet.modelChannels, 32);
        EXPECT_EQ(read.unet.channelMult, config.unet.channelMult);
        EXPECT_EQ(read.unet.numResBlocks, 1);
        EXPECT_EQ(read.unet.attentionResolutions, config.unet.attentionResolutions);
        EXPECT_EQ(read.unet.transformerDepth, 2);
        EXPECT_EQ(read.unet.contextDim, kContextDim);
        EXPECT_EQ(read.unet.numHeads, 2);
        // Built from what was read, it takes every tensor of the file.
        ControlNetModel rebuilt(read);
        EXPECT_NO_THROW(loadControlNet(*rebuilt, tensors, "x.pth"));
    }
    // SD 1.5's own layout (the official manifest's shapes) reads as the default config.
    const ControlNetConfig sd15;
    ControlNetModel official(sd15);
    const TensorMap tensors = stateDictOf(*official, "control_model.");
    const ControlNetConfig read = controlNetConfigFromTensors(
        tensors, detectControlNetLayout(tensors, "sd.pth"), 8, "sd.pth");
    EXPECT_EQ(read.hintWidths, sd15.hintWidths);
    EXPECT_EQ(read.unet.channelMult, sd15.unet.channelMult);
    EXPECT_EQ(read.unet.attentionResolutions, (std::vector<std::int64_t>{1, 2, 4}));
    EXPECT_EQ(read.unet.modelChannels, 320);
    EXPECT_EQ(read.unet.contextDim, 768);
    EXPECT_NO_THROW(checkControlNetFits(read, UNetConfig{}, 8, "sd.pth"));
}

TEST(ControlNetSizing, RefusesAControlNetOfAnotherSizeNamingBoth) {
    const ControlNetConfig sd15;
    UNetConfig small = smallUNetConfig();
    try {
        checkControlNetFits(sd15, small, 8, "control_sd15_depth.pth");
        FAIL() << "an SD 1.5 ControlNet attached to a 32-channel UNet";
    } catch (const std::runtime_error& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("control_sd15_depth.pth"), std::string::npos) << message;
        EXPECT_NE(message.find("320 channels"), std::string::npos) << message;
        EXPECT_NE(message.find("32 channels"), std::string::npos) << message;
        EXPECT_NE(message.find("context 768"), std::string::npos) << message;
        EXPECT_NE(message.find("context 16"), std::string::npos) << message;
    }
    // Same encoder, but a hint encoder for 1/8 latents on a 1/4 model.
    EXPECT_THROW(checkControlNetFits(smallConfig(), small, 4, "x.pth"), std::runtime_error);
    EXPECT_NO_THROW(checkControlNetFits(smallConfig(), small, 8, "x.pth"));
    // Through the loader: the message names the file and both sizes before any key is read.
    ControlNetModel control(smallConfig());
    try {
        loadControlNetFor(stateDictOf(*control, "control_model."), UNetConfig{}, 8, "small.pth");
        FAIL() << "a small ControlNet attached to the SD 1.5 UNet";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("320 channels"), std::string::npos)
            << error.what();
    }
    // Not a ControlNet's shapes: an odd number of hint convolutions.
    TensorMap broken = stateDictOf(*control, "control_model.");
    broken.erase("control_model.input_hint_block.14.weight");
    EXPECT_THROW(controlNetConfigFromTensors(broken, {"control_model.", ""}, 2, "b.pth"),
                 std::runtime_error);
}

} // namespace
} // namespace deadiff::nn
