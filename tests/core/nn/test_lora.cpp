// LoRA files on our networks against a transcription of the upstream loaders
// (tests/fixtures/lora/lora_reference.py: kohya sd-scripts, diffusers + PEFT, A1111/LyCORIS) on
// random LoRA files of every format, at several weights, with a text-encoder LoRA: the same
// weights change by the same amounts, nothing else changes, and unmerging restores every bit.
#include "core/io/format_error.h"
#include "core/io/safetensors.h"
#include "core/nn/clip_text.h"
#include "core/nn/lora.h"
#include "core/nn/state_dict.h"
#include "core/nn/unet.h"
#include "tests/support/ckpt_writer.h"
#include "tests/support/python_reference.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

namespace deadiff::nn {
namespace {

namespace fs = std::filesystem;

const char* kScript = "lora/lora_reference.py";
const char* kCases[] = {"kohya", "kohya_fp16_noalpha",   "lycoris",
                        "peft",  "diffusers_attn_procs", "diffusers_lora_compatible"};

// The tiny model's UNet (the real topology) and a two-layer CLIP text encoder.
struct LoraTestModel {
    UNetModel unet{nullptr};
    ClipTextModel text{nullptr};

    explicit LoraTestModel(std::uint64_t seed = 5) {
        torch::manual_seed(seed);
        const pipeline::ModelConfig config = test::tinyModelConfig();
        ClipTextConfig textConfig = config.text;
        textConfig.layers = 2;
        unet = UNetModel(config.unet);
        text = ClipTextModel(textConfig);
    }
    std::map<std::string, torch::Tensor> parameters() {
        std::map<std::string, torch::Tensor> all = parametersByKey(*unet, kUNetPrefix);
        all.merge(parametersByKey(*text, kClipTextPrefix));
        return all;
    }
    std::map<std::string, torch::Tensor> snapshot() {
        std::map<std::string, torch::Tensor> copies;
        for (const auto& [key, value] : parameters())
            copies.emplace(key, value.detach().clone());
        return copies;
    }
};

nlohmann::json layoutOf(LoraTestModel& model) {
    nlohmann::json keys = nlohmann::json::object();
    TensorMap all = stateDictOf(*model.unet, kUNetPrefix);
    all.merge(stateDictOf(*model.text, kClipTextPrefix));
    for (const auto& [key, tensor] : all)
        keys[key] = tensor.sizes().vec();
    return {{"num_res_blocks", model.unet->config().numResBlocks}, {"keys", keys}};
}

struct Expectation {
    io::SafetensorsFile file;
    std::string lora;
    double weight = 0;
    std::size_t unmatched = 0;
};

Expectation expectation(const std::string& dir, const std::string& name) {
    Expectation e{io::SafetensorsFile::open(dir + "/expected_" + name + ".safetensors"), "", 0, 0};
    e.lora = dir + "/" + e.file.metadata().at("lora");
    e.weight = std::stod(e.file.metadata().at("weight"));
    e.unmatched = std::stoul(e.file.metadata().at("unmatched"));
    return e;
}

std::string fixtureDir() {
    return test::fixturePath("lora");
}

// Compares what the merge did to `parameters` (vs `before`) with the reference's changes `sum` of
// expectations: every changed weight is expected, with the same row projections and, where the
// reference kept it, the same full ΔW; every other weight is bit-identical.
void expectChanges(const std::map<std::string, torch::Tensor>& parameters,
                   const std::map<std::string, torch::Tensor>& before,
                   const std::vector<const Expectation*>& sum, double tolerance = 2e-5) {
    std::map<std::string, torch::Tensor> projections;
    std::map<std::string, torch::Tensor> full;
    std::map<std::int64_t, torch::Tensor> probes;
    for (const Expectation* e : sum) {
        for (const io::TensorInfo& info : e->file.tensors()) {
            const torch::Tensor value = e->file.tensor(info).to(torch::kDouble);
            if (info.name.rfind("delta.", 0) == 0) {
                const std::string key = info.name.substr(6);
                auto [it, inserted] = projections.emplace(key, value);
                if (!inserted)
                    it->second = it->second + value;
            } else if (info.name.rfind("probe.", 0) == 0) {
                probes[std::stoll(info.name.substr(6))] = value;
            } else if (info.name.rfind("full.", 0) == 0 && sum.size() == 1) {
                full[info.name.substr(5)] = value;
            }
        }
    }
    ASSERT_FALSE(projections.empty());
    std::size_t changed = 0;
    for (const auto& [key, value] : parameters) {
        const torch::Tensor& original = before.at(key);
        const auto expected = projections.find(key);
        if (expected == projections.end()) {
            EXPECT_TRUE(torch::equal(value, original)) << key << " changed; no LoRA names it";
            continue;
        }
        ++changed;
        const torch::Tensor delta = value.to(torch::kDouble) - original.to(torch::kDouble);
        const torch::Tensor rows = delta.reshape({delta.size(0), -1});
        ASSERT_TRUE(probes.count(rows.size(1))) << key;
        const torch::Tensor projected = rows.matmul(probes.at(rows.size(1)));
        const double scale = expected->second.abs().max().item<double>();
        EXPECT_LE((projected - expected->second).abs().max().item<double>(), tolerance * scale)
            << key;
        if (const auto it = full.find(key); it != full.end()) {
            EXPECT_LE((delta - it->second).abs().max().item<double>(),
                      tolerance * it->second.abs().max().item<double>())
                << key << " (full)";
        }
    }
    EXPECT_EQ(changed, projections.size()) << "the reference changed weights we did not";
}

TEST(LoraReference, LayoutFixtureIsTheModel) {
    LoraTestModel model;
    const std::string path = fixtureDir() + "/tiny_layout.json";
    if (const char* update = std::getenv("DEADIFF_UPDATE_LORA_LAYOUT"); update && *update) {
        std::ofstream(path) << layoutOf(model).dump(1) << "\n";
        GTEST_SKIP() << "wrote " << path;
    }
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    EXPECT_EQ(nlohmann::json::parse(in), layoutOf(model))
        << "the LoRA test model changed: rerun with DEADIFF_UPDATE_LORA_LAYOUT=1, then " << kScript
        << " tests/fixtures/lora";
}

TEST(LoraReference, ScriptReproducesTheCommittedFixtures) {
    DEADIFF_REQUIRE_PYTHON_TORCH(kScript);
    const fs::path out =
        fs::temp_directory_path() / ("deadiff_lora_ref_" + std::to_string(::getpid()));
    fs::create_directories(out);
    test::runPythonReference(kScript, {out.string()});
    for (const char* name : kCases) {
        for (const std::string& file : {std::string("lora_") + name + ".safetensors",
                                        std::string("expected_") + name + ".safetensors"}) {
            const io::SafetensorsFile fresh = io::SafetensorsFile::open((out / file).string());
            const io::SafetensorsFile committed =
                io::SafetensorsFile::open(fixtureDir() + "/" + file);
            EXPECT_EQ(fresh.metadata(), committed.metadata()) << file;
            ASSERT_EQ(fresh.tensors().size(), committed.tensors().size()) << file;
            for (const io::TensorInfo& info : committed.tensors()) {
                const torch::Tensor a = fresh.tensor(info.name).to(torch::kDouble);
                const torch::Tensor b = committed.tensor(info).to(torch::kDouble);
                EXPECT_LE((a - b).abs().max().item<double>(),
                          1e-6 * b.abs().max().item<double>() + 1e-12)
                    << file << " " << info.name;
            }
        }
    }
    fs::remove_all(out);
}

TEST(Lora, EveryFormatMergesAsItsUpstreamLoaderDoesAndUnmergesExactly) {
    LoraTestModel model;
    const LoraTargetNames names(*model.unet, model.text.get());
    const std::map<std::string, torch::Tensor> before = model.snapshot();
    LoraMerger merger(model.parameters());
    for (const char* name : kCases) {
        SCOPED_TRACE(name);
        const Expectation e = expectation(fixtureDir(), name);
        const auto file = std::make_shared<const LoraFile>(readLoraFile(e.lora, names));
        EXPECT_EQ(file->unmatchedKeys.size(), e.unmatched);
        merger.apply({{file, e.weight}});
        expectChanges(model.parameters(), before, {&e});
        merger.apply({});
        EXPECT_EQ(merger.mergedCount(), 0u);
        for (const auto& [key, value] : model.parameters())
            ASSERT_TRUE(torch::equal(value, before.at(key))) << key << " not restored";
    }
}

TEST(Lora, FormatsTouchWhatTheyName) {
    LoraTestModel model;
    const LoraTargetNames names(*model.unet, model.text.get());
    const auto read = [&](const std::string& name) {
        return readLoraFile(fixtureDir() + "/lora_" + name + ".safetensors", names);
    };
    const LoraFile kohya = read("kohya");
    EXPECT_TRUE(kohya.touchesUNet());
    EXPECT_TRUE(kohya.touchesTextEncoder());
    // DEADiff's image projections change only where a file names them (this one does, twice).
    std::size_t imageProjections = 0;
    for (const LoraModule& module : kohya.modules)
        imageProjections += module.target.weightKey.find("i_to_") != std::string::npos;
    EXPECT_EQ(imageProjections, 2u);
    const LoraFile unetOnly = read("diffusers_lora_compatible");
    EXPECT_TRUE(unetOnly.touchesUNet());
    EXPECT_FALSE(unetOnly.touchesTextEncoder());
    EXPECT_EQ(kohya.unmatchedKeys.size(), 3u);
    EXPECT_NE(describeLora(kohya).find("3 keys matched nothing"), std::string::npos)
        << describeLora(kohya);
}

TEST(Lora, SeveralLorasAddUp) {
    LoraTestModel model;
    const LoraTargetNames names(*model.unet, model.text.get());
    const std::map<std::string, torch::Tensor> before = model.snapshot();
    LoraMerger merger(model.parameters());
    const Expectation kohya = expectation(fixtureDir(), "kohya");
    const Expectation peft = expectation(fixtureDir(), "peft");
    merger.apply({{std::make_shared<const LoraFile>(readLoraFile(kohya.lora, names)), kohya.weight},
                  {std::make_shared<const LoraFile>(readLoraFile(peft.lora, names)), peft.weight}});
    expectChanges(model.parameters(), before, {&kohya, &peft});
}

TEST(Lora, ManySwitchesLeaveNoDrift) {
    LoraTestModel model;
    const LoraTargetNames names(*model.unet, model.text.get());
    const std::map<std::string, torch::Tensor> before = model.snapshot();
    std::vector<std::shared_ptr<const LoraFile>> files;
    for (const char* name : kCases)
        files.push_back(std::make_shared<const LoraFile>(
            readLoraFile(fixtureDir() + "/lora_" + name + ".safetensors", names)));
    LoraMerger merger(model.parameters());
    merger.apply({{files[0], 0.8}});
    const std::map<std::string, torch::Tensor> first = model.snapshot();
    std::mt19937 random(3);
    for (int i = 0; i < 40; ++i) {
        std::vector<WeightedLora> set;
        for (const auto& file : files)
            if (random() % 3 == 0)
                set.push_back({file, static_cast<double>(random() % 21) / 10.0 - 1.0});
        merger.apply(set);
    }
    merger.apply({{files[0], 0.8}});
    for (const auto& [key, value] : model.parameters())
        ASSERT_TRUE(torch::equal(value, first.at(key))) << key << " drifted";
    merger.apply({});
    for (const auto& [key, value] : model.parameters())
        ASSERT_TRUE(torch::equal(value, before.at(key))) << key << " not restored";
}

TEST(Lora, MergesInTheComputeDtypeAndRestoresItsBits) {
    LoraTestModel model;
    model.unet->to(torch::kBFloat16);
    model.text->to(torch::kBFloat16);
    const LoraTargetNames names(*model.unet, model.text.get());
    const std::map<std::string, torch::Tensor> before = model.snapshot();
    LoraMerger merger(model.parameters());
    const Expectation e = expectation(fixtureDir(), "kohya");
    merger.apply({{std::make_shared<const LoraFile>(readLoraFile(e.lora, names)), e.weight}});
    for (const auto& [key, value] : model.parameters())
        ASSERT_EQ(value.scalar_type(), torch::kBFloat16) << key;
    // The same weights move by the same amounts, up to bfloat16's rounding of W + ΔW...
    expectChanges(model.parameters(), before, {&e}, 0.1);
    // ...which happens once: W' = bf16(float32(W) + ΔW), within one bfloat16 step (2^-7
    // relative) of the reference's ΔW, where the reference kept ΔW whole.
    std::size_t full = 0;
    for (const io::TensorInfo& info : e.file.tensors()) {
        if (info.name.rfind("full.", 0) != 0)
            continue;
        const std::string key = info.name.substr(5);
        const torch::Tensor expected =
            (before.at(key).to(torch::kFloat) + e.file.tensor(info)).to(torch::kDouble);
        const torch::Tensor merged = model.parameters().at(key).to(torch::kDouble);
        EXPECT_TRUE(
            ((merged - expected).abs() <= expected.abs() * 0x1.0p-7 + 1e-30).all().item<bool>())
            << key;
        ++full;
    }
    EXPECT_GE(full, 4u);
    merger.apply({});
    for (const auto& [key, value] : model.parameters())
        ASSERT_TRUE(torch::equal(value, before.at(key))) << key;
}

TEST(Lora, TextEncoderLoraChangesTheTextFeatures) {
    LoraTestModel model;
    const LoraTargetNames names(*model.unet, model.text.get());
    torch::NoGradGuard noGrad;
    const torch::Tensor ids = torch::tensor({{0, 3, 5, 2}}, torch::kLong);
    const torch::Tensor plain = model.text->forward(ids);
    LoraMerger merger(model.parameters());
    merger.apply({{std::make_shared<const LoraFile>(
                       readLoraFile(fixtureDir() + "/lora_peft.safetensors", names)),
                   1.0}});
    EXPECT_GT((model.text->forward(ids) - plain).abs().max().item<double>(), 1e-3);
    merger.apply({});
    EXPECT_TRUE(torch::equal(model.text->forward(ids), plain));
}

TEST(LoraNames, SpellingsMeetOnOurModules) {
    LoraTestModel model;
    const LoraTargetNames names(*model.unet, model.text.get());
    const auto key = [&](const std::string& spelling) {
        const LoraTarget* target = names.find(spelling);
        return target ? target->weightKey : std::string("(none)");
    };
    // By hand from the topology (2 res blocks per level, attention at levels 0-2, none at 3).
    EXPECT_EQ(key("lora_unet_down_blocks_0_attentions_1_proj_in"),
              "model.diffusion_model.input_blocks.2.1.proj_in.weight");
    EXPECT_EQ(key("unet.down_blocks.0.attentions.1.proj_in"),
              "model.diffusion_model.input_blocks.2.1.proj_in.weight");
    EXPECT_EQ(key("lora_unet_input_blocks_2_1_proj_in"),
              "model.diffusion_model.input_blocks.2.1.proj_in.weight");
    EXPECT_EQ(key("lora_unet_down_blocks_1_downsamplers_0_conv"),
              "model.diffusion_model.input_blocks.6.0.op.weight");
    EXPECT_EQ(key("lora_unet_mid_block_resnets_1_time_emb_proj"),
              "model.diffusion_model.middle_block.2.emb_layers.1.weight");
    EXPECT_EQ(key("lora_unet_up_blocks_0_upsamplers_0_conv"),
              "model.diffusion_model.output_blocks.2.1.conv.weight");
    EXPECT_EQ(key("unet.up_blocks.1.upsamplers.0.conv"),
              "model.diffusion_model.output_blocks.5.2.conv.weight");
    EXPECT_EQ(key("lora_unet_up_blocks_3_resnets_2_conv_shortcut"),
              "model.diffusion_model.output_blocks.11.0.skip_connection.weight");
    EXPECT_EQ(key("lora_unet_up_blocks_2_attentions_0_transformer_blocks_0_attn1_to_out_0"),
              "model.diffusion_model.output_blocks.6.1.transformer_blocks.0.attn1.to_out.0.weight");
    EXPECT_EQ(key("lora_unet_time_embedding_linear_2"),
              "model.diffusion_model.time_embed.2.weight");
    EXPECT_EQ(key("lora_unet_conv_in"), "model.diffusion_model.input_blocks.0.0.weight");
    EXPECT_EQ(key("lora_te_text_model_encoder_layers_1_mlp_fc2"),
              "cond_stage_model.transformer.text_model.encoder.layers.1.mlp.fc2.weight");
    EXPECT_EQ(key("text_encoder.text_model.encoder.layers.0.self_attn.out_proj"),
              "cond_stage_model.transformer.text_model.encoder.layers.0.self_attn.out_proj.weight");
    EXPECT_EQ(key("lora_unet_down_blocks_3_attentions_0_proj_in"), "(none)");
    EXPECT_EQ(names.diffusersUNetPath("middle_block.1.transformer_blocks.0.attn2.i_to_k"),
              "mid_block.attentions.0.transformer_blocks.0.attn2.i_to_k");
    // Every target is reachable by its own kohya spelling.
    for (const LoraTarget& target : names.targets())
        EXPECT_EQ(key(target.kohyaName), target.weightKey);
}

class LoraRefusals : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("deadiff_lora_" + std::to_string(::getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    // The message readLoraFile refuses `tensors` with (empty when it accepts them).
    std::string refusal(const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
        const std::string path = (dir_ / "lora.safetensors").string();
        io::writeSafetensors(path, tensors);
        try {
            readLoraFile(path, names_);
        } catch (const io::FormatError& error) {
            return error.what();
        }
        return {};
    }
    fs::path dir_;
    LoraTestModel model_;
    LoraTargetNames names_{*model_.unet, model_.text.get()};
};

TEST_F(LoraRefusals, SdxlAnotherBaseAndBrokenFilesGetAMessage) {
    const std::string q = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
    const auto sdxl = refusal(
        {{"lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", torch::ones({2, 768})}});
    EXPECT_NE(sdxl.find("SDXL"), std::string::npos) << sdxl;
    const std::string k = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k";
    const auto wide = refusal({{k + ".lora_down.weight", torch::ones({2, 2048})},
                               {k + ".lora_up.weight", torch::ones({32, 2})}});
    EXPECT_NE(wide.find("SDXL"), std::string::npos) << wide;
    const auto otherBase = refusal({{q + ".lora_down.weight", torch::ones({2, 40})},
                                    {q + ".lora_up.weight", torch::ones({32, 2})}});
    EXPECT_NE(otherBase.find("another base model"), std::string::npos) << otherBase;
    const auto oneSided = refusal({{q + ".lora_down.weight", torch::ones({2, 32})}});
    EXPECT_NE(oneSided.find("no up"), std::string::npos) << oneSided;
    const auto loha = refusal({{q + ".hada_w1_a", torch::ones({32, 2})}});
    EXPECT_NE(loha.find("not supported"), std::string::npos) << loha;
    const auto nothing = refusal({{"model.diffusion_model.out.2.weight", torch::ones({4})}});
    EXPECT_NE(nothing.find("no key names a module"), std::string::npos) << nothing;
    const auto integers = refusal({{q + ".lora_down.weight", torch::ones({2, 32}, torch::kInt)},
                                   {q + ".lora_up.weight", torch::ones({32, 2})}});
    EXPECT_NE(integers.find("floating point"), std::string::npos) << integers;
    const auto badAlpha = refusal({{q + ".lora_down.weight", torch::ones({2, 32})},
                                   {q + ".lora_up.weight", torch::ones({32, 2})},
                                   {q + ".alpha", torch::full({}, NAN)}});
    EXPECT_NE(badAlpha.find("not finite"), std::string::npos) << badAlpha;
    // Not a weight file at all.
    std::ofstream(dir_ / "junk.safetensors") << "not a LoRA";
    EXPECT_THROW(readLoraFile((dir_ / "junk.safetensors").string(), names_), io::FormatError);
    EXPECT_THROW(readLoraFile((dir_ / "absent.safetensors").string(), names_), std::runtime_error);
    // Accepted: a well-formed one-module LoRA; alpha 0 means "no scaling" as in kohya.
    EXPECT_EQ(refusal({{q + ".lora_down.weight", torch::ones({2, 32})},
                       {q + ".lora_up.weight", torch::ones({32, 2})},
                       {q + ".alpha", torch::zeros({})}}),
              "");
}

TEST_F(LoraRefusals, LoraDeltaFollowsTheFormula) {
    // ΔW = multiplier · alpha/rank · up·down; by hand for a 1x2 · 2x1 pair.
    LoraModule module;
    module.target.shape = {1, 1};
    module.down = torch::tensor({{2.0f}, {3.0f}});
    module.up = torch::tensor({{5.0f, 7.0f}});
    module.alpha = 1.0;
    EXPECT_FLOAT_EQ(loraDelta(module, 0.5).item<float>(), 0.5f * 0.5f * (10.0f + 21.0f));
    // Tucker: mid between 1x1 up and down.
    LoraModule tucker;
    tucker.target.shape = {1, 1, 1, 1};
    tucker.down = torch::ones({1, 1, 1, 1}) * 2;
    tucker.mid = torch::ones({1, 1, 1, 1}) * 3;
    tucker.up = torch::ones({1, 1, 1, 1}) * 5;
    tucker.alpha = 1.0;
    EXPECT_FLOAT_EQ(loraDelta(tucker, 1.0).item<float>(), 30.0f);
}

} // namespace
} // namespace deadiff::nn
