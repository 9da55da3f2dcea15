// Switching the base model under the DEADiff parts (issue 20) on tiny random models: every SD 1.5
// single-file layout people have generates bit-identically to the same weights in the standard
// layout; refused files say what they are; the model's own SD parts as a base change nothing;
// a plain SD model paints from text alone; switching a base or VAE reloads only those parts.
#include "core/io/png.h"
#include "core/io/safetensors.h"
#include "core/pipeline/model_parts.h"
#include "core/pipeline/pipeline.h"
#include "core/pipeline/sd_checkpoint.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <random>

namespace deadiff {
namespace {

namespace fs = std::filesystem;
using nn::TensorMap;

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

// The SD 1.5 part of a tiny model's tensors (UNet without i_to_k/i_to_v, VAE, CLIP) plus the
// full DDPM schedule, as an A1111/CompVis single file holds them.
TensorMap sdFileTensors(const TensorMap& model) {
    TensorMap file;
    for (const auto& [key, tensor] : model)
        if (pipeline::isBaseModelKey(key))
            file.emplace(key, tensor);
    const torch::Tensor abar = model.at("alphas_cumprod");
    file.emplace("alphas_cumprod", abar);
    file.emplace("betas", 1 - abar / torch::cat({torch::ones({1}), abar.slice(0, 0, -1)}));
    file.emplace("sqrt_alphas_cumprod", abar.sqrt());
    file.emplace("cond_stage_model.transformer.text_model.embeddings.position_ids",
                 torch::arange(77, torch::kLong).unsqueeze(0));
    return file;
}

TensorMap convertFloats(const TensorMap& tensors, torch::ScalarType dtype) {
    TensorMap out;
    for (const auto& [key, tensor] : tensors)
        out.emplace(key, tensor.is_floating_point() && key != "alphas_cumprod" ? tensor.to(dtype)
                                                                               : tensor);
    return out;
}

// The same values as `tensors` after a round trip through `dtype`, stored as float32: what a
// half-precision file means once loaded.
TensorMap roundedThrough(const TensorMap& tensors, torch::ScalarType dtype) {
    TensorMap out = convertFloats(tensors, dtype);
    for (auto& [key, tensor] : out)
        if (tensor.is_floating_point())
            tensor = tensor.to(torch::kFloat);
    return out;
}

void writeSafetensors(const std::string& path, const TensorMap& tensors,
                      const std::map<std::string, std::string>& metadata = {}) {
    std::vector<std::pair<std::string, torch::Tensor>> entries(tensors.begin(), tensors.end());
    io::writeSafetensors(path, entries, metadata);
}

std::string messageOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const std::exception& error) {
        return error.what();
    }
    return "(no exception)";
}

class BaseModel : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new fs::path(fs::temp_directory_path() /
                            ("deadiff_base_model_" + std::to_string(std::random_device{}())));
        fs::create_directories(*dir_);
        deadiff_ = test::writeTinyModel((*dir_ / "deadiff").string(), 1);
        other_ = new TensorMap(test::tinyModelTensors(2));
        standard_ = path("standard.safetensors");
        writeSafetensors(standard_, sdFileTensors(*other_));
    }
    static void TearDownTestSuite() {
        fs::remove_all(*dir_);
        delete dir_;
        delete other_;
    }

    static std::string path(const std::string& name) { return (*dir_ / name).string(); }

    static GenerationRequest request(bool withStyle = true) {
        GenerationRequest r;
        r.prompt = "star in neon style";
        r.seed = 5;
        r.steps = 3;
        r.cfg = 3.0;
        r.width = 64;
        r.height = 64;
        r.dtype = ComputeDtype::Float32;
        if (withStyle)
            r.styles.push_back({styleImage(), std::nullopt});
        return r;
    }

    static std::string styleImage() {
        const std::string file = path("style.png");
        if (!fs::exists(file)) {
            cv::Mat rgb(48, 48, CV_8UC3);
            cv::randu(rgb, 0, 255);
            io::writePng(file, rgb);
        }
        return file;
    }

    static LoadOptions options(const std::string& base = {}, const std::string& vae = {}) {
        LoadOptions load(deadiff_, ComputeDtype::Float32);
        load.base = base;
        load.vae = vae;
        return load;
    }

    static cv::Mat generate(const LoadOptions& load, const GenerationRequest& r = request()) {
        return Pipeline::load(load)->generate(r).images.at(0);
    }

    static bool same(const cv::Mat& a, const cv::Mat& b) {
        return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
    }

    // The image with `base` under the tiny DEADiff model equals the one with the standard
    // file, and differs from the model's own SD parts (so the base was really read).
    void expectSameAsStandard(const std::string& base) {
        static const cv::Mat standard = generate(options(standard_));
        static const cv::Mat own = generate(options());
        const cv::Mat image = generate(options(base));
        EXPECT_TRUE(same(image, standard)) << base;
        EXPECT_FALSE(same(image, own)) << base;
    }

    static fs::path* dir_;
    static std::string deadiff_;
    static TensorMap* other_;
    static std::string standard_;
};

fs::path* BaseModel::dir_ = nullptr;
std::string BaseModel::deadiff_;
TensorMap* BaseModel::other_ = nullptr;
std::string BaseModel::standard_;

TEST_F(BaseModel, CkptNestedUnderStateDictAndPlain) {
    for (const bool nested : {true, false}) {
        const std::string file = path(nested ? "nested.ckpt" : "plain.ckpt");
        test::writeTorchCheckpoint(file, sdFileTensors(*other_), nested);
        expectSameAsStandard(file);
    }
}

TEST_F(BaseModel, HalfAndBFloat16FilesUpcastExactly) {
    for (const torch::ScalarType dtype : {torch::kHalf, torch::kBFloat16}) {
        const std::string name = dtype == torch::kHalf ? "half" : "bf16";
        // The reference: the rounded values in the standard float32 layout.
        const std::string rounded = path(name + "-rounded.safetensors");
        writeSafetensors(rounded, roundedThrough(sdFileTensors(*other_), dtype));
        const std::string stored = path(name + ".safetensors");
        writeSafetensors(stored, convertFloats(sdFileTensors(*other_), dtype));
        const std::string ckpt = path(name + ".ckpt");
        test::writeTorchCheckpoint(ckpt, convertFloats(sdFileTensors(*other_), dtype), true);
        const cv::Mat expected = generate(options(rounded));
        EXPECT_TRUE(same(generate(options(stored)), expected)) << name;
        EXPECT_TRUE(same(generate(options(ckpt)), expected)) << name;
    }
}

TEST_F(BaseModel, EmaCopiesAreReadOnlyWhenAsked) {
    // Main weights: another model's UNet; model_ema.*: the standard file's UNet (LitEma names).
    const TensorMap main = test::tinyModelTensors(3);
    TensorMap file = sdFileTensors(*other_);
    for (const auto& [key, tensor] : sdFileTensors(main)) {
        if (!startsWith(key, nn::kUNetPrefix))
            continue;
        // LitEma's name: the DiffusionWrapper's parameter name without its dots.
        std::string emaKey = "diffusion_model." + key.substr(std::string(nn::kUNetPrefix).size());
        emaKey.erase(std::remove(emaKey.begin(), emaKey.end(), '.'), emaKey.end());
        file["model_ema." + emaKey] = file.at(key);
        file[key] = tensor;
    }
    file["model_ema.decay"] = torch::full({}, 0.9999);
    file["model_ema.num_updates"] = torch::full({}, 1000, torch::kLong);
    const std::string ema = path("ema.safetensors");
    writeSafetensors(ema, file);

    LoadOptions withEma = options(ema);
    withEma.baseEma = true;
    static const cv::Mat standard = generate(options(standard_));
    EXPECT_TRUE(same(generate(withEma), standard));
    EXPECT_FALSE(same(generate(options(ema)), standard)); // main weights by default

    LoadOptions noEma = options(standard_);
    noEma.baseEma = true;
    EXPECT_NE(messageOf([&] { Pipeline::load(noEma); }).find("holds no EMA weights"),
              std::string::npos);
}

TEST_F(BaseModel, OldClipKeysNoPositionIdsNoScheduleAndUnknownKeys) {
    TensorMap file;
    const std::string clip = nn::kClipTextPrefix;
    for (const auto& [key, tensor] : sdFileTensors(*other_)) {
        if (key == clip + "embeddings.position_ids" || key == "betas" ||
            key == "sqrt_alphas_cumprod" || key == "alphas_cumprod")
            continue;
        // transformers 3.x: CLIPTextTransformer's children directly under .transformer.
        file.emplace(
            startsWith(key, clip) ? "cond_stage_model.transformer." + key.substr(clip.size()) : key,
            tensor);
    }
    file.emplace("lora_unused_extra", torch::zeros({2}));
    file.emplace("embedding_manager.embedder.weight", torch::zeros({3}));
    file.emplace("first_stage_model.loss.logvar", torch::zeros({1}));
    const std::string old = path("old-layout.safetensors");
    writeSafetensors(old, file);
    expectSameAsStandard(old);

    const auto parts = pipeline::assembleModel(options(old));
    ASSERT_EQ(parts.notes.size(), 1u);
    EXPECT_NE(parts.notes[0].find("3 unknown keys ignored"), std::string::npos) << parts.notes[0];
    EXPECT_NE(Pipeline::load(options(old))->facts().notes.at(0).find("old-layout.safetensors"),
              std::string::npos);
}

TEST_F(BaseModel, TheModelsOwnPartsAsBaseChangeNothing) {
    const cv::Mat own = generate(options());
    EXPECT_TRUE(same(generate(options(deadiff_)), own)); // the folder itself as the base
    // ... and its SD parts as a single file in the standard layout.
    const TensorMap tensors = test::tinyModelTensors(1);
    const std::string file = path("own-parts.safetensors");
    writeSafetensors(file, sdFileTensors(tensors));
    EXPECT_TRUE(same(generate(options(file)), own));
}

TEST_F(BaseModel, SplitFollowsConfigureOptimizers) {
    const pipeline::ModelParts parts = pipeline::assembleModel(options(standard_));
    const TensorMap own = test::tinyModelTensors(1);
    int fromBase = 0, fromModel = 0;
    for (const auto& [key, tensor] : parts.tensors) {
        const bool baseKey = pipeline::isBaseModelKey(key);
        const TensorMap& expected = baseKey ? *other_ : own;
        if (expected.count(key) == 0)
            continue; // e.g. position_ids, added for the text encoder
        EXPECT_TRUE(torch::equal(tensor, expected.at(key))) << key;
        (baseKey ? fromBase : fromModel) += 1;
    }
    // Every i_to_k / i_to_v comes from the DEADiff model, never from the base.
    for (const auto& [key, tensor] : parts.tensors) {
        if (pipeline::isImageProjectionKey(key)) {
            EXPECT_TRUE(torch::equal(tensor, own.at(key))) << key;
        }
    }
    EXPECT_GT(fromBase, 100);
    EXPECT_GT(fromModel, 50);
    EXPECT_TRUE(pipeline::isImageProjectionKey(
        "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.i_to_k.weight"));
    EXPECT_FALSE(pipeline::isBaseModelKey(
        "model.diffusion_model.output_blocks.3.1.transformer_blocks.0.attn2.i_to_v.weight"));
    EXPECT_TRUE(pipeline::isBaseModelKey(
        "model.diffusion_model.output_blocks.3.1.transformer_blocks.0.attn2.to_v.weight"));
    EXPECT_FALSE(pipeline::isBaseModelKey("style_blip.query_tokens"));
}

TEST_F(BaseModel, StandaloneVaeReplacesTheBasesVae) {
    TensorMap vae;
    const std::string prefix = nn::kVaePrefix;
    for (const auto& [key, tensor] : *other_)
        if (startsWith(key, prefix))
            vae.emplace(key.substr(prefix.size()), tensor);
    vae.emplace("loss.logvar", torch::zeros({1})); // as in vae-ft-mse-840000-ema-pruned
    vae.emplace("loss.discriminator.main.0.weight", torch::zeros({4, 3, 4, 4}));
    const std::string file = path("vae.ckpt");
    test::writeTorchCheckpoint(file, vae, true);

    // The standard full file's VAE (taken from first_stage_model.*) is the same VAE.
    const cv::Mat viaFull = generate(options({}, standard_));
    const cv::Mat viaStandalone = generate(options({}, file));
    EXPECT_TRUE(same(viaStandalone, viaFull));
    EXPECT_FALSE(same(viaStandalone, generate(options())));
    const std::vector<std::string> notes = Pipeline::load(options({}, file))->facts().notes;
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("2 unknown keys ignored (loss."), std::string::npos) << notes[0];

    writeSafetensors(path("not-a-vae.safetensors"), {{"decoder.weight", torch::zeros({1})}});
    EXPECT_NE(messageOf([&] {
                  Pipeline::load(options({}, path("not-a-vae.safetensors")));
              }).find("holds no VAE"),
              std::string::npos);
}

TEST_F(BaseModel, RefusedFilesSayWhatTheyAre) {
    const TensorMap sd = sdFileTensors(*other_);
    const auto refusal = [&](TensorMap tensors,
                             const std::map<std::string, std::string>& metadata = {}) {
        return messageOf([&] { pipeline::checkSdCheckpoint(tensors, metadata, "f.safetensors"); });
    };
    const std::string input = std::string(nn::kUNetPrefix) + "input_blocks.0.0.weight";
    const auto withInput = [&](std::int64_t channels) {
        TensorMap tensors = sd;
        tensors[input] = torch::zeros({32, channels, 3, 3});
        return tensors;
    };
    TensorMap sdxl = sd;
    sdxl["conditioner.embedders.0.transformer.text_model.final_layer_norm.weight"] =
        torch::ones({8});
    TensorMap sd2 = sd;
    sd2["cond_stage_model.model.ln_final.weight"] = torch::ones({8});
    TensorMap wideContext = sd;
    wideContext[std::string(nn::kUNetPrefix) +
                "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"] =
        torch::zeros({320, 1024});
    TensorMap vPrediction = sd;
    vPrediction["v_pred"] = torch::zeros({0});

    EXPECT_EQ(refusal(sd), "(no exception)");
    EXPECT_NE(refusal(sdxl).find("is an SDXL checkpoint"), std::string::npos);
    EXPECT_NE(refusal(sd2).find("is a Stable Diffusion 2.x checkpoint"), std::string::npos);
    EXPECT_NE(refusal(wideContext).find("Stable Diffusion 2.x"), std::string::npos);
    EXPECT_NE(refusal(withInput(9)).find("is an inpainting model (9-channel"), std::string::npos);
    EXPECT_NE(refusal(withInput(8)).find("8-channel"), std::string::npos);
    EXPECT_NE(refusal(vPrediction).find("is a v-prediction model"), std::string::npos);
    EXPECT_NE(refusal(sd, {{"modelspec.prediction_type", "v"}}).find("v-prediction"),
              std::string::npos);
    EXPECT_NE(refusal({{"control_model.input_hint_block.0.weight", torch::zeros({1})}})
                  .find("ControlNet"),
              std::string::npos);
    EXPECT_NE(refusal({{"lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight",
                        torch::zeros({1})}})
                  .find("is a LoRA"),
              std::string::npos);
    EXPECT_NE(refusal({{"encoder.conv_in.weight", torch::zeros({1})},
                       {"decoder.conv_out.weight", torch::zeros({1})}})
                  .find("standalone VAE"),
              std::string::npos);
    EXPECT_NE(refusal({{"down_blocks.0.resnets.0.conv1.weight", torch::zeros({1})}})
                  .find("diffusers' layout"),
              std::string::npos);
    EXPECT_NE(refusal({{"something.else", torch::zeros({1})}}).find("has no Stable Diffusion UNet"),
              std::string::npos);

    // Through a real file, as a base and as the model: the message names the file.
    TensorMap inpainting = withInput(9);
    writeSafetensors(path("inpainting.safetensors"), inpainting);
    const std::string asBase =
        messageOf([&] { Pipeline::load(options(path("inpainting.safetensors"))); });
    EXPECT_NE(asBase.find("inpainting.safetensors is an inpainting model"), std::string::npos)
        << asBase;
    writeSafetensors(path("vpred.safetensors"), sd, {{"modelspec.prediction_type", "v"}});
    const std::string asModel = messageOf(
        [&] { Pipeline::load(LoadOptions(path("vpred.safetensors"), ComputeDtype::Float32)); });
    EXPECT_NE(asModel.find("vpred.safetensors is a v-prediction model"), std::string::npos)
        << asModel;

    LoadOptions folderEma = options(deadiff_);
    folderEma.baseEma = true;
    EXPECT_NE(messageOf([&] { Pipeline::load(folderEma); }).find("model folder"),
              std::string::npos);
}

TEST_F(BaseModel, PlainSdModelPaintsFromTextAlone) {
    // A model folder holding only SD parts: no Q-Formers, no i_to_k/i_to_v.
    const std::string folder = path("plain-sd");
    TensorMap plain = sdFileTensors(*other_);
    plain.erase("betas");
    plain.erase("sqrt_alphas_cumprod");
    plain.erase("cond_stage_model.transformer.text_model.embeddings.position_ids");
    pipeline::writeModelFolder(folder, test::tinyModelConfig(), plain);
    fs::copy(fs::path(deadiff_).parent_path() / "tokenizer", fs::path(folder) / "tokenizer",
             fs::copy_options::recursive);

    const auto model = Pipeline::load(LoadOptions(folder, ComputeDtype::Float32));
    EXPECT_FALSE(model->facts().referenceImages);
    EXPECT_TRUE(Pipeline::load(options())->facts().referenceImages);

    const GenerationResult result = model->generate(request(false));
    EXPECT_EQ(result.images.at(0).cols, 64);
    EXPECT_EQ(*result.request.mode, ReferenceMode::None);
    EXPECT_TRUE(same(result.images[0], Pipeline::load(LoadOptions(folder, ComputeDtype::Float32))
                                           ->generate(request(false))
                                           .images.at(0)));

    // Reference options are refused, naming the field, instead of being ignored.
    try {
        model->generate(request(true));
        ADD_FAILURE() << "a style reference on a plain SD model was accepted";
    } catch (const RequestError& error) {
        EXPECT_EQ(error.field(), "styles");
        EXPECT_NE(error.problem().find("plain Stable Diffusion 1.5"), std::string::npos);
    }
    GenerationRequest content = request(false);
    content.mode = ReferenceMode::Content;
    EXPECT_THROW(model->generate(content), RequestError);

    // encode() reports text contexts only: there are no image contexts.
    const std::vector<ContextStats> stats = model->encode(request(false));
    ASSERT_EQ(stats.size(), 2u);
    EXPECT_EQ(stats[0].name, "text");
    EXPECT_EQ(stats[1].name, "negative_text");
}

TEST_F(BaseModel, IncompleteDeadiffPartsAreRefused) {
    TensorMap damaged = test::tinyModelTensors(1);
    for (auto it = damaged.begin(); it != damaged.end();)
        it = startsWith(it->first, nn::kContentBlipPrefix) ? damaged.erase(it) : std::next(it);
    const std::string folder = path("damaged");
    pipeline::writeModelFolder(folder, test::tinyModelConfig(), damaged);
    EXPECT_NE(messageOf([&] {
                  Pipeline::load(LoadOptions(folder, ComputeDtype::Float32));
              }).find("only some of the DEADiff parts"),
              std::string::npos);
}

TEST_F(BaseModel, SwitchingReloadsOnlyWhatChanged) {
    std::unique_ptr<Pipeline> pipeline;
    const PipelineLoader loader = defaultPipelineLoader();
    ASSERT_TRUE(ensureLoaded(pipeline, options(), loader));
    const Pipeline* first = pipeline.get();
    const cv::Mat own = pipeline->generate(request()).images.at(0);
    const Pipeline::EncoderRuns before = pipeline->encoderRuns();
    EXPECT_EQ(before.visionTower, 1);

    // A new base: the same pipeline object, the reference not encoded again, the prompt is
    // (another text encoder), and the image is the one a fresh load gives.
    EXPECT_EQ(reloadScope(pipeline.get(), options(standard_)), ReloadScope::Parts);
    ASSERT_TRUE(ensureLoaded(pipeline, options(standard_), loader));
    EXPECT_EQ(pipeline.get(), first);
    EXPECT_EQ(pipeline->facts().base, standard_);
    const cv::Mat switched = pipeline->generate(request()).images.at(0);
    EXPECT_TRUE(same(switched, generate(options(standard_))));
    Pipeline::EncoderRuns after = pipeline->encoderRuns();
    EXPECT_EQ(after.visionTower, before.visionTower);
    EXPECT_EQ(after.text, before.text + 2); // prompt and negative prompt, new encoder

    // Back to the model's own parts: its cached text contexts are still good.
    ASSERT_TRUE(ensureLoaded(pipeline, options(), loader));
    EXPECT_TRUE(same(pipeline->generate(request()).images.at(0), own));
    EXPECT_EQ(pipeline->encoderRuns().text, after.text);
    EXPECT_FALSE(ensureLoaded(pipeline, options(), loader)); // nothing to do

    // A VAE alone keeps the text encoder too.
    ASSERT_TRUE(ensureLoaded(pipeline, options({}, standard_), loader));
    EXPECT_EQ(pipeline.get(), first);
    EXPECT_TRUE(same(pipeline->generate(request()).images.at(0), generate(options({}, standard_))));
    EXPECT_EQ(pipeline->encoderRuns().text, after.text);
    EXPECT_EQ(pipeline->encoderRuns().visionTower, before.visionTower);

    // A refused base changes nothing: the pipeline still serves its old choice.
    writeSafetensors(path("sdxl.safetensors"),
                     {{"conditioner.embedders.0.model.ln_final.weight", torch::ones({4})}});
    EXPECT_THROW(ensureLoaded(pipeline, options(path("sdxl.safetensors"), standard_), loader),
                 std::runtime_error);
    ASSERT_NE(pipeline, nullptr);
    EXPECT_EQ(pipeline->facts().base, "");
    EXPECT_EQ(pipeline->facts().vae, standard_);
    EXPECT_EQ(reloadScope(pipeline.get(), options({}, standard_)), ReloadScope::None);

    // Another model file is a new pipeline.
    EXPECT_EQ(reloadScope(pipeline.get(), LoadOptions(standard_, ComputeDtype::Float32)),
              ReloadScope::All);
}

TEST_F(BaseModel, ResultsRecordBaseVaeAndHashes) {
    const GenerationResult result =
        Pipeline::load(options(standard_, standard_))->generate(request());
    const GenerationRequest& asRun = result.request;
    EXPECT_EQ(asRun.base, standard_);
    EXPECT_EQ(asRun.vae, standard_);
    ASSERT_EQ(asRun.baseHash.size(), 64u);
    EXPECT_EQ(asRun.baseHash, asRun.vaeHash);
    EXPECT_EQ(asRun.modelHash.size(), 64u); // a model folder's hash, over its files
    EXPECT_NE(asRun.modelHash, asRun.baseHash);

    const std::string text = toA1111Parameters(asRun);
    EXPECT_NE(text.find(", Model: standard, Model hash: " + asRun.baseHash.substr(0, 10)),
              std::string::npos)
        << text;
    EXPECT_NE(
        text.find("DEADiff model: deadiff, DEADiff model hash: " + asRun.modelHash.substr(0, 10)),
        std::string::npos)
        << text;
    EXPECT_NE(text.find(", VAE: standard, VAE hash: " + asRun.vaeHash.substr(0, 10)),
              std::string::npos)
        << text;
    const GenerationRequest back = requestFromJson(toJson(asRun));
    EXPECT_EQ(back, asRun);
}

} // namespace
} // namespace deadiff
