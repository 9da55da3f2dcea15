// The demo model's training steps on the tiny config: each phase lowers its loss on a fixed
// batch, stage 2 moves only the DEADiff parts, and train() checkpoints a loadable model folder
// and resumes where it stopped.
#include "core/io/weight_file.h"
#include "core/nn/blip2_qformer.h"
#include "core/pipeline/default_model.h"
#include "core/pipeline/pipeline.h"
#include "core/train/parameter_average.h"
#include "core/train/trainer.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace deadiff::train {
namespace {

namespace fs = std::filesystem;

class Trainer : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff_trainer_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // The tiny model reads 32 px references; its VAE is f4, so 32 px images give 8x8 latents.
    static SyntheticDataset dataset() {
        SyntheticDatasetConfig config;
        config.imageSize = 32;
        config.seed = 5;
        return SyntheticDataset(config);
    }

    // A text-only request at the demo model's 64 px, two steps.
    static GenerationRequest textOnlyRequest(const std::string& prompt, std::uint64_t seed) {
        GenerationRequest request;
        request.prompt = prompt;
        request.seed = seed;
        request.steps = 2;
        request.width = 64;
        request.height = 64;
        request.mode = ReferenceMode::None;
        return request;
    }

    std::unique_ptr<DeadiffTrainer> tinyTrainer(double learningRate) const {
        auto trainer = std::make_unique<DeadiffTrainer>(test::tinyModelConfig(),
                                                        (dir_ / "tokenizer").string(), 1);
        TrainOptions options;
        options.learningRate = learningRate;
        options.vaeLearningRate = learningRate;
        trainer->setOptions(options);
        return trainer;
    }

    fs::path dir_;
};

TEST_F(Trainer, VaeStepsLowerTheReconstructionLossOnAFixedBatch) {
    auto trainer = tinyTrainer(2e-3);
    std::vector<cv::Mat> rgb;
    for (int i = 0; i < 4; ++i)
        rgb.push_back(dataset().textToImageSample(i).rgb);
    const torch::Tensor images = imagesToTensor(rgb);
    const double first = trainer->vaeStep(images, 7);
    double last = first;
    for (int i = 0; i < 15; ++i)
        last = trainer->vaeStep(images, 7);
    EXPECT_LT(last, 0.7 * first) << "first " << first << " last " << last;
}

TEST_F(Trainer, UNetStepsLowerTheNoiseLossOnAFixedBatch) {
    auto trainer = tinyTrainer(2e-3);
    std::vector<cv::Mat> rgb;
    std::vector<std::string> captions;
    for (int i = 0; i < 4; ++i) {
        const SyntheticImage sample = dataset().textToImageSample(i);
        rgb.push_back(sample.rgb);
        captions.push_back(caption(sample.subject, sample.style));
    }
    const torch::Tensor images = imagesToTensor(rgb);
    const double first = trainer->unetStep(images, captions, 3);
    double last = first;
    for (int i = 0; i < 15; ++i)
        last = trainer->unetStep(images, captions, 3);
    EXPECT_LT(last, 0.8 * first) << "first " << first << " last " << last;
}

TEST_F(Trainer, DeadiffStepsTrainOnlyTheDeadiffParts) {
    auto trainer = tinyTrainer(2e-3);
    trainer->initialiseImageProjections();
    const std::string iToK = "input_blocks.1.1.transformer_blocks.0.attn2.i_to_k.weight";
    const std::string toK = "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight";
    const nn::TensorMap before = nn::stateDictOf(*trainer->unet(), "");
    ASSERT_TRUE(torch::equal(before.at(iToK), before.at(toK))); // initialised from to_k
    const nn::TensorMap textBefore = nn::stateDictOf(*trainer->text(), "");
    const nn::TensorMap vaeBefore = nn::stateDictOf(*trainer->vae(), "");
    std::map<std::string, torch::Tensor> copies;
    for (const auto* map : {&before, &textBefore, &vaeBefore})
        for (const auto& [key, tensor] : *map)
            copies[key + (map == &before       ? "@unet"
                          : map == &textBefore ? "@text"
                                               : "@vae")] = tensor.clone();
    const torch::Tensor queriesBefore =
        trainer->references().blip(pipeline::ReferenceBranch::Style)->query_tokens.clone();
    // The vision towers stand in for the paper's frozen CLIP ViT (pre-trained in phase
    // "vision"), so stage 2 leaves them alone.
    const nn::TensorMap towerBefore = nn::stateDictOf(
        *trainer->references().blip(pipeline::ReferenceBranch::Content)->visual_encoder, "");
    std::map<std::string, torch::Tensor> towerCopies;
    for (const auto& [key, tensor] : towerBefore)
        towerCopies[key] = tensor.clone();

    // Every task in the batch (1:1:1 draws over 6 samples), fixed noise.
    const PairBatch batch = pairBatch(dataset(), 0, 6);
    const double first = trainer->deadiffStep(batch, 9);
    double last = first;
    for (int i = 0; i < 15; ++i)
        last = trainer->deadiffStep(batch, 9);
    EXPECT_LT(last, first) << "first " << first << " last " << last;

    int changedProjections = 0;
    for (const auto& [key, tensor] : nn::stateDictOf(*trainer->unet(), "")) {
        const bool same = torch::equal(tensor, copies.at(key + "@unet"));
        if (key.find("attn2.i_to_") != std::string::npos)
            changedProjections += same ? 0 : 1;
        else
            EXPECT_TRUE(same) << key << " is frozen in stage 2";
    }
    EXPECT_EQ(changedProjections, 32); // 16 transformers x (i_to_k, i_to_v)
    for (const auto& [key, tensor] : nn::stateDictOf(*trainer->text(), ""))
        EXPECT_TRUE(torch::equal(tensor, copies.at(key + "@text"))) << key;
    for (const auto& [key, tensor] : nn::stateDictOf(*trainer->vae(), ""))
        EXPECT_TRUE(torch::equal(tensor, copies.at(key + "@vae"))) << key;
    EXPECT_FALSE(torch::equal(
        queriesBefore, trainer->references().blip(pipeline::ReferenceBranch::Style)->query_tokens));
    for (const auto& [key, tensor] : nn::stateDictOf(
             *trainer->references().blip(pipeline::ReferenceBranch::Content)->visual_encoder, ""))
        EXPECT_TRUE(torch::equal(tensor, towerCopies.at(key))) << "visual_encoder." << key;
}

TEST_F(Trainer, VisionStepsLearnToNameSubjectAndStyle) {
    auto trainer = tinyTrainer(2e-3);
    TrainOptions options;
    options.visionLearningRate = 2e-3;
    trainer->setOptions(options);
    std::vector<cv::Mat> rgb;
    std::vector<std::int64_t> subjects, styles;
    for (int i = 0; i < 8; ++i) {
        const SyntheticImage sample = dataset().textToImageSample(i);
        rgb.push_back(sample.rgb);
        subjects.push_back(sample.subject);
        styles.push_back(sample.style);
    }
    const torch::Tensor images = imagesToTensor(rgb);
    const torch::Tensor subjectIds = torch::tensor(subjects), styleIds = torch::tensor(styles);
    const double first = trainer->visionStep(images, subjectIds, styleIds, 4);
    // Untrained heads: about log(subjects) + log(styles) of cross-entropy.
    EXPECT_NEAR(first, std::log(subjectCount()) + std::log(styleCount()), 1.5);
    double last = first;
    for (int i = 0; i < 25; ++i)
        last = trainer->visionStep(images, subjectIds, styleIds, 4);
    EXPECT_LT(last, 0.5 * first) << "first " << first << " last " << last;

    // Then both branches read the same tower.
    trainer->shareVisionTower();
    const nn::TensorMap style = nn::stateDictOf(
        *trainer->references().blip(pipeline::ReferenceBranch::Style)->visual_encoder, "");
    for (const auto& [key, tensor] : nn::stateDictOf(
             *trainer->references().blip(pipeline::ReferenceBranch::Content)->visual_encoder, ""))
        EXPECT_TRUE(torch::equal(tensor, style.at(key))) << key;
}

TEST(MinSnrWeights, AreMinOfSnrAndGammaOverSnr) {
    // abar 0.5, 0.9, 0.99 -> SNR 1, 9, 99.
    const torch::Tensor alphas = torch::tensor({0.5, 0.9, 0.99}, torch::kFloat64);
    const torch::Tensor weights = minSnrWeights(alphas, torch::tensor({2, 0, 1}), 5.0);
    EXPECT_NEAR(weights[0].item<double>(), 5.0 / 99.0, 1e-12);
    EXPECT_NEAR(weights[1].item<double>(), 1.0, 1e-12);
    EXPECT_NEAR(weights[2].item<double>(), 5.0 / 9.0, 1e-12);
}

TEST(TrainingNoise, OffsetSpreadsEachChannelsMeanAndLeavesTheRestGaussian) {
    torch::manual_seed(5);
    const torch::Tensor latents = torch::zeros({512, 4, 16, 16});
    const auto channelMeanSpread = [](const torch::Tensor& noise) {
        return noise.mean({2, 3}).std().item<double>();
    };
    const auto withinChannelSpread = [](const torch::Tensor& noise) {
        return (noise - noise.mean({2, 3}, true)).std().item<double>();
    };
    // Plain noise: a channel's mean over 256 cells spreads by 1/16.
    const torch::Tensor plain = trainingNoise(latents, 0.0);
    EXPECT_NEAR(channelMeanSpread(plain), 1.0 / 16, 0.004);
    // With offset 0.3: sqrt(0.3^2 + (1/16)^2) = 0.306; the texture within a channel is unchanged.
    const torch::Tensor offset = trainingNoise(latents, 0.3);
    EXPECT_NEAR(channelMeanSpread(offset), std::sqrt(0.09 + 1.0 / 256), 0.015);
    EXPECT_NEAR(withinChannelSpread(offset), withinChannelSpread(plain), 0.01);
    EXPECT_EQ(offset.sizes(), latents.sizes());
}

TEST(ParameterAverage, AveragesSwapsInAndRestores) {
    torch::Tensor parameter = torch::tensor({1.0f, 2.0f}).requires_grad_();
    ParameterAverage average({parameter});
    const auto set = [&](float a, float b) {
        torch::NoGradGuard noGrad;
        parameter.copy_(torch::tensor({a, b}));
    };
    set(3, 4);
    average.update(0.5); // 0.5 * (1, 2) + 0.5 * (3, 4)
    set(5, 6);
    average.update(0.75); // 0.75 * (2, 3) + 0.25 * (5, 6)
    EXPECT_TRUE(torch::allclose(average.averages()[0], torch::tensor({2.75f, 3.75f})));
    average.withAverages([&] {
        EXPECT_TRUE(torch::allclose(parameter, torch::tensor({2.75f, 3.75f})));
    });
    EXPECT_TRUE(torch::equal(parameter, torch::tensor({5.0f, 6.0f})));
    EXPECT_THROW(average.withAverages([] { throw std::runtime_error("disk full"); }),
                 std::runtime_error);
    EXPECT_TRUE(torch::equal(parameter, torch::tensor({5.0f, 6.0f})));
    EXPECT_TRUE(parameter.requires_grad());

    const fs::path path = fs::temp_directory_path() /
                          ("deadiff_average_" + std::to_string(std::random_device{}()) + ".pt");
    average.save(path.string());
    ParameterAverage restored({torch::zeros({2})});
    restored.load(path.string());
    EXPECT_TRUE(torch::equal(restored.averages()[0], average.averages()[0]));
    ParameterAverage otherShape({torch::zeros({3})});
    EXPECT_THROW(otherShape.load(path.string()), std::runtime_error);
    ParameterAverage twoTensors({torch::zeros({2}), torch::zeros({2})});
    EXPECT_THROW(twoTensors.load(path.string()), std::runtime_error);
    fs::remove(path);
    std::ofstream(path) << "not a tensor archive";
    EXPECT_THROW(restored.load(path.string()), std::runtime_error);
    fs::remove(path);
}

TEST_F(Trainer, TrainCheckpointsALoadableModelAndResumes) {
    TrainOptions options;
    options.stage = 1;
    options.outDir = (dir_ / "stage1").string();
    options.vaeSteps = 2;
    options.steps = 2;
    options.batch = 2;
    options.terminalSignal = 0.01;
    std::vector<std::string> seen;
    const auto record = [&](const TrainProgress& p) {
        seen.push_back(nameOf(p.phase) + std::to_string(p.step));
    };
    // Stopped after the first step: saved, resumable.
    int calls = 0;
    train(options, record, [&] { return ++calls > 1; });
    EXPECT_EQ(seen, (std::vector<std::string>{"vae1"}));
    seen.clear();
    train(options, record);
    EXPECT_EQ(seen, (std::vector<std::string>{"vae2", "unet1", "unet2"}));
    std::ifstream progress(dir_ / "stage1" / "progress.json");
    std::string text((std::istreambuf_iterator<char>(progress)), {});
    EXPECT_NE(text.find("\"phase\": \"unet\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"step\": 2"), std::string::npos) << text;
    // Finished: running it again does nothing; more --steps continue the phase.
    seen.clear();
    train(options, record);
    EXPECT_TRUE(seen.empty());
    options.steps = 3;
    train(options, record);
    EXPECT_EQ(seen, (std::vector<std::string>{"unet3"}));

    // The checkpoint is a model folder the pipeline generates from, at its 64 px default.
    const auto pipeline =
        Pipeline::load({(dir_ / "stage1" / "model").string(), ComputeDtype::Float32});
    EXPECT_EQ(pipeline->generate(textOnlyRequest("star in neon style", 1)).images.at(0).cols, 64);
    // Stage 1 rescaled the schedule (--terminal-signal) and saved it with the weights,
    // where the pipeline and stage 2 read it.
    const nn::TensorMap stage1 = nn::tensorsOf(
        io::WeightFile::open((dir_ / "stage1" / "model" / "model.safetensors").string()));
    ASSERT_TRUE(stage1.count("alphas_cumprod"));
    EXPECT_NEAR(stage1.at("alphas_cumprod")[999].item<double>(),
                options.terminalSignal * options.terminalSignal, 1e-8);

    // Stage 2 starts from it and trains one step.
    TrainOptions second = options;
    second.stage = 2;
    second.outDir = (dir_ / "stage2").string();
    second.baseModel = (dir_ / "stage1" / "model").string();
    second.steps = 1;
    second.visionSteps = 2;
    seen.clear();
    train(second, record);
    EXPECT_EQ(seen, (std::vector<std::string>{"vision1", "vision2", "deadiff1"}));
    // Both branches read the one pre-trained tower.
    {
        const nn::TensorMap weights = nn::tensorsOf(
            io::WeightFile::open((dir_ / "stage2" / "model" / "model.safetensors").string()));
        const std::string key = "visual_encoder.transformer.resblocks.0.attn.in_proj_weight";
        ASSERT_TRUE(weights.count(nn::kStyleBlipPrefix + key)) << key;
        EXPECT_TRUE(torch::equal(weights.at(nn::kStyleBlipPrefix + key),
                                 weights.at(nn::kContentBlipPrefix + key)));
    }
    {
        const nn::TensorMap weights = nn::tensorsOf(
            io::WeightFile::open((dir_ / "stage2" / "model" / "model.safetensors").string()));
        EXPECT_TRUE(torch::equal(weights.at("alphas_cumprod"), stage1.at("alphas_cumprod")));
    }
    // Export ships the averaged weights in half precision, as a model folder or as an overlay
    // on another folder; both load.
    {
        TrainOptions exported = second;
        exported.exportDir = (dir_ / "shipped").string();
        train(exported, record);
        const nn::TensorMap shipped =
            nn::tensorsOf(io::WeightFile::open((dir_ / "shipped" / "model.safetensors").string()));
        const nn::TensorMap average = nn::tensorsOf(
            io::WeightFile::open((dir_ / "stage2" / "ema" / "model.safetensors").string()));
        int compared = 0;
        for (const auto& [key, value] : average) {
            if (key.find("attn2.i_to_k") == std::string::npos)
                continue;
            ASSERT_TRUE(shipped.count(key)) << key;
            EXPECT_EQ(shipped.at(key).scalar_type(), torch::kHalf) << key;
            EXPECT_TRUE(torch::equal(shipped.at(key), value.to(torch::kHalf))) << key;
            ++compared;
        }
        EXPECT_GT(compared, 0);
        EXPECT_NO_THROW(Pipeline::load({(dir_ / "shipped").string(), ComputeDtype::Float32}));
        // The folder says what it can paint (the studio's model card).
        const pipeline::ModelCard card = pipeline::modelCard((dir_ / "shipped").string());
        EXPECT_EQ(card.subjects, subjectNames());
        EXPECT_EQ(card.styles, styleNames());
        EXPECT_EQ(card.words, captionWords());
        exported.exportDir = (dir_ / "overlay").string();
        exported.exportBase = (dir_ / "shipped").string();
        train(exported, record);
        EXPECT_NO_THROW(Pipeline::load({(dir_ / "overlay").string(), ComputeDtype::Float32}));
        EXPECT_EQ(pipeline::modelCard((dir_ / "overlay").string()).subjects, subjectNames());
        TrainOptions nothing = exported;
        nothing.outDir = (dir_ / "no-run").string();
        EXPECT_THROW(train(nothing, record), std::runtime_error);
    }
    // The moving averages are model folders too.
    EXPECT_TRUE(fs::exists(dir_ / "stage1" / "ema" / "model.json"));
    EXPECT_TRUE(fs::exists(dir_ / "stage2" / "ema" / "model.json"));
    // The "without DCM" ablation: one branch for every layer, recorded in model.json so that
    // inference routes the same way.
    TrainOptions single = second;
    single.visionSteps = 0;
    single.outDir = (dir_ / "stage2-single").string();
    single.contentLayers = std::vector<std::int64_t>{};
    train(single, record);
    EXPECT_TRUE(
        pipeline::readModelConfig((dir_ / "stage2-single" / "model" / "model.json").string())
            .unet.contentLayers.empty());
    EXPECT_EQ(pipeline::readModelConfig((dir_ / "stage2" / "model" / "model.json").string())
                  .unet.contentLayers,
              (std::vector<std::int64_t>{4, 5, 6, 7, 8}));
    // A stage-1 folder is not silently reused for stage 2.
    second.outDir = options.outDir;
    EXPECT_THROW(train(second, record), std::runtime_error);
}

// Stage 1 from a finished model (issue 20's second demo base): only the UNet trains, from the
// model's weights, without a VAE phase; the overlay it exports holds UNet tensors only, and a
// DEADiff model paints over it as a base.
TEST_F(Trainer, AFineTunedBaseChangesOnlyTheUNetAndShipsAsAnOverlay) {
    const std::string bundled = pipeline::bundledModelDir();
    if (bundled.empty())
        GTEST_SKIP() << "no trained demo model in resources/demo-model (docs/demo-model.md)";
    TrainOptions options;
    options.stage = 1;
    options.outDir = (dir_ / "fine-tune").string();
    options.baseModel = bundled;
    options.look = BaseLook::Vignette;
    options.steps = 2;
    options.batch = 2;
    std::vector<std::string> seen;
    const auto record = [&](const TrainProgress& p) {
        seen.push_back(nameOf(p.phase) + std::to_string(p.step));
    };
    train(options, record);
    EXPECT_EQ(seen, (std::vector<std::string>{"unet1", "unet2"})); // no VAE phase
    // Resumed only as it was started: without the base or with another look it would train
    // other parameters or on other images.
    TrainOptions other = options;
    other.steps = 3;
    other.look = BaseLook::Plain;
    EXPECT_THROW(train(other, record), std::runtime_error);
    other.look = BaseLook::Vignette;
    other.baseModel.clear();
    EXPECT_THROW(train(other, record), std::runtime_error);
    options.steps = 3;
    seen.clear();
    train(options, record);
    EXPECT_EQ(seen, (std::vector<std::string>{"unet3"}));

    const nn::TensorMap base =
        nn::tensorsOf(io::WeightFile::open((fs::path(bundled) / "model.safetensors").string()));
    const nn::TensorMap tuned = nn::tensorsOf(
        io::WeightFile::open((dir_ / "fine-tune" / "model" / "model.safetensors").string()));
    int changedUNet = 0, keptUNet = 0;
    for (const auto& [key, value] : base) {
        ASSERT_TRUE(tuned.count(key)) << key;
        const bool same = torch::equal(tuned.at(key), value.to(torch::kFloat32));
        const bool unet = key.rfind(nn::kUNetPrefix, 0) == 0;
        if (unet && key.find("attn2.i_to_") == std::string::npos)
            (same ? keptUNet : changedUNet) += 1;
        else
            EXPECT_TRUE(same) << key << " is not the base's UNet: it must not train";
    }
    EXPECT_GT(changedUNet, 100) << "kept " << keptUNet;

    options.exportDir = (dir_ / "vignette").string();
    options.exportBase = bundled;
    train(options, {});
    const nn::TensorMap overlay =
        nn::tensorsOf(io::WeightFile::open((dir_ / "vignette" / "overlay.safetensors").string()));
    EXPECT_GT(overlay.size(), 100u);
    for (const auto& [key, value] : overlay) {
        EXPECT_EQ(key.rfind(nn::kUNetPrefix, 0), 0u) << key;
        EXPECT_EQ(key.find("attn2.i_to_"), std::string::npos) << key;
    }
    // The bundled DEADiff model paints over it as a base: not the image of its own base.
    LoadOptions load(bundled, ComputeDtype::Float32);
    const GenerationRequest request = textOnlyRequest("star", 3);
    const cv::Mat own = Pipeline::load(load)->generate(request).images.at(0);
    load.base = (dir_ / "vignette").string();
    const cv::Mat switched = Pipeline::load(load)->generate(request).images.at(0);
    ASSERT_EQ(own.size(), switched.size());
    EXPECT_GT(cv::norm(own, switched, cv::NORM_INF), 0.0);

    TrainOptions stage2 = options;
    stage2.stage = 2;
    stage2.exportDir.clear();
    stage2.exportBase.clear();
    stage2.outDir = (dir_ / "stage2").string();
    EXPECT_THROW(
        {
            stage2.look = BaseLook::Vignette;
            train(stage2, {});
        },
        std::runtime_error);
}

} // namespace
} // namespace deadiff::train
