// Model folders (model.json + model.safetensors + tokenizer): the config reader's checks and
// error messages, and Pipeline::load generating from the tiny random-weight folder.
#include "core/build_config.h"
#include "core/io/safetensors.h"
#include "core/nn/taesd.h"
#include "core/pipeline/default_model.h"
#include "core/pipeline/model_config.h"
#include "core/pipeline/pipeline.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

namespace deadiff {
namespace {

namespace fs = std::filesystem;

class ModelFolder : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff_model_folder_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string writeJson(const std::string& name, const std::string& text) const {
        const fs::path path = dir_ / name;
        std::ofstream(path) << text;
        return path.string();
    }

    static GenerationRequest request(std::uint64_t seed) {
        GenerationRequest r;
        r.prompt = "star in neon style";
        r.seed = seed;
        r.steps = 3;
        r.cfg = 3.0;
        r.width = 64;
        r.height = 64;
        r.dtype = ComputeDtype::Float32;
        return r;
    }

    fs::path dir_;
};

std::string messageOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const std::exception& error) {
        return error.what();
    }
    return "(no exception)";
}

TEST_F(ModelFolder, ConfigRoundTripsThroughJson) {
    const pipeline::ModelConfig config = test::tinyModelConfig();
    const std::string path = writeJson("model.json", pipeline::modelConfigToJson(config));
    const pipeline::ModelConfig read = pipeline::readModelConfig(path);
    EXPECT_EQ(read.defaultImageSize, 64);
    EXPECT_EQ(read.text.width, 32);
    EXPECT_EQ(read.text.vocabSize, config.text.vocabSize);
    EXPECT_EQ(read.unet.channelMult, (std::vector<std::int64_t>{1, 1, 1, 1}));
    EXPECT_EQ(read.unet.contentLayers, (std::vector<std::int64_t>{4, 5, 6, 7, 8}));
    EXPECT_EQ(read.vae.chMult, (std::vector<std::int64_t>{1, 1, 1}));
    EXPECT_EQ(read.latentFactor(), 4);
    EXPECT_EQ(read.reference.blip.vision.imageSize, 32);
    EXPECT_EQ(read.reference.blip.queryTokens, 4);
    EXPECT_EQ(read.reference.styleTextIds, (std::vector<std::int64_t>{1, 3, 2}));
    EXPECT_EQ(read.reference.contentTextIds, (std::vector<std::int64_t>{1, 4, 2}));
    EXPECT_DOUBLE_EQ(read.vae.scaleFactor, 0.18215);
}

TEST_F(ModelFolder, ModelCardIsOptionalAndRoundTrips) {
    pipeline::ModelConfig config = test::tinyModelConfig();
    const fs::path folder = dir_ / "carded";
    fs::create_directories(folder);
    std::ofstream(folder / "model.json") << pipeline::modelConfigToJson(config);
    EXPECT_TRUE(pipeline::modelCard(folder.string()).empty());
    EXPECT_TRUE(pipeline::modelCard((dir_ / "model.safetensors").string()).empty()); // a file
    config.card = {{"cat", "moon"}, {"neon", "pixel art"}, {"art", "cat", "moon", "neon", "pixel"}};
    std::ofstream(folder / "model.json") << pipeline::modelConfigToJson(config);
    const pipeline::ModelCard card = pipeline::modelCard(folder.string());
    EXPECT_EQ(card.subjects, (std::vector<std::string>{"cat", "moon"}));
    EXPECT_EQ(card.styles, (std::vector<std::string>{"neon", "pixel art"}));
    EXPECT_EQ(card.words.size(), 5u);
    const std::string bad =
        writeJson("bad-card.json", R"({"format": "deadiff-model", "trained_on": {"styles": 3}})");
    EXPECT_NE(messageOf([&] { pipeline::readModelConfig(bad); }).find("'trained_on.styles'"),
              std::string::npos);
}

TEST_F(ModelFolder, MissingFieldsKeepTheRealSizes) {
    const std::string path = writeJson("model.json", R"({"format": "deadiff-model"})");
    const pipeline::ModelConfig read = pipeline::readModelConfig(path);
    EXPECT_EQ(read.unet.modelChannels, 320);
    EXPECT_EQ(read.text.width, 768);
    EXPECT_EQ(read.reference.blip.vision.imageSize, 224);
    EXPECT_EQ(read.reference.blip.qformer.vocabSize, 30523);
    EXPECT_EQ(read.reference.styleTextIds, (std::vector<std::int64_t>{101, 2806, 102}));
    EXPECT_EQ(read.latentFactor(), 8);
    EXPECT_EQ(read.defaultImageSize, 512);
}

TEST_F(ModelFolder, BadConfigsNameTheFileAndField) {
    const std::string wrongFormat = writeJson("a.json", R"({"format": "sd"})");
    EXPECT_NE(messageOf([&] { pipeline::readModelConfig(wrongFormat); }).find("'format'"),
              std::string::npos);

    const std::string wrongType =
        writeJson("b.json", R"({"format": "deadiff-model", "unet": {"model_channels": "32"}})");
    const std::string typeMessage = messageOf([&] { pipeline::readModelConfig(wrongType); });
    EXPECT_NE(typeMessage.find(wrongType), std::string::npos) << typeMessage;
    EXPECT_NE(typeMessage.find("'unet.model_channels' must be an integer"), std::string::npos)
        << typeMessage;

    const std::string mismatch =
        writeJson("c.json", R"({"format": "deadiff-model", "text_encoder": {"width": 64}})");
    const std::string mismatchMessage = messageOf([&] { pipeline::readModelConfig(mismatch); });
    EXPECT_NE(mismatchMessage.find("'unet.context_dim' must equal 'text_encoder.width'"),
              std::string::npos)
        << mismatchMessage;

    const std::string badIds = writeJson(
        "d.json", R"({"format": "deadiff-model", "reference": {"style_text_ids": [1, 40000]}})");
    EXPECT_NE(messageOf([&] { pipeline::readModelConfig(badIds); }).find("40000"),
              std::string::npos);

    const std::string notJson = writeJson("e.json", "{ format");
    EXPECT_NE(messageOf([&] { pipeline::readModelConfig(notJson); }).find("not valid JSON"),
              std::string::npos);
}

TEST_F(ModelFolder, FolderWithoutWeightsNamesTheMissingFile) {
    const std::string model = test::writeTinyModel((dir_ / "m").string(), 1);
    fs::remove(dir_ / "m" / "model.safetensors");
    const std::string message = messageOf([&] { Pipeline::load({(dir_ / "m").string()}); });
    EXPECT_NE(message.find("model.safetensors"), std::string::npos) << message;
}

// "auto" follows the folder's auto_dtype whatever the CPU (bfloat16 is forced here so the test
// means something on CPUs where auto would pick float32 anyway); an explicit dtype wins.
TEST_F(ModelFolder, AutoDtypeIsWhatTheFolderSays) {
    const std::string json = test::writeTinyModel((dir_ / "m").string(), 1);
    pipeline::ModelConfig config = pipeline::readModelConfig(json);
    EXPECT_EQ(config.autoDtype, ComputeDtype::Auto);
    config.autoDtype = ComputeDtype::BFloat16;
    std::ofstream(json) << pipeline::modelConfigToJson(config);
    EXPECT_EQ(pipeline::readModelConfig(json).autoDtype, ComputeDtype::BFloat16);
    EXPECT_EQ(Pipeline::load({(dir_ / "m").string(), ComputeDtype::Auto})->facts().computeDtype,
              ComputeDtype::BFloat16);
    EXPECT_EQ(Pipeline::load({(dir_ / "m").string(), ComputeDtype::Float32})->facts().computeDtype,
              ComputeDtype::Float32);
    nlohmann::json edited = nlohmann::json::parse(pipeline::modelConfigToJson(config));
    edited["auto_dtype"] = "float16";
    std::ofstream(json) << edited.dump();
    const std::string message = messageOf([&] { pipeline::readModelConfig(json); });
    EXPECT_NE(message.find("'auto_dtype'"), std::string::npos) << message;
}

TEST_F(ModelFolder, TinyModelGenerates64PxDeterministicallyPerSeed) {
    const std::string folder = (dir_ / "tiny").string();
    const std::string json = test::writeTinyModel(folder, 3);
    const auto first = Pipeline::load({folder, ComputeDtype::Float32});
    const GenerationResult a = first->generate(request(11));
    ASSERT_EQ(a.images.size(), 1u);
    EXPECT_EQ(a.images[0].rows, 64);
    EXPECT_EQ(a.images[0].cols, 64);
    EXPECT_EQ(a.images[0].type(), CV_8UC3);

    // Loaded again through its model.json: the same seed gives the same pixels.
    const auto second = Pipeline::load({json, ComputeDtype::Float32});
    const GenerationResult b = second->generate(request(11));
    EXPECT_EQ(cv::norm(a.images[0], b.images[0], cv::NORM_INF), 0.0);
    // Another seed gives another image.
    const GenerationResult c = second->generate(request(12));
    EXPECT_GT(cv::norm(a.images[0], c.images[0], cv::NORM_INF), 0.0);
}

// `cache_interval`: the first step always runs the whole UNet (one step: the same image), later
// steps between refreshes reuse its deep features (another image, the same for the same seed).
TEST_F(ModelFolder, CacheIntervalReusesDeepFeaturesBetweenRefreshes) {
    const std::string folder = (dir_ / "tiny").string();
    test::writeTinyModel(folder, 3);
    const auto pipeline = Pipeline::load({folder, ComputeDtype::Float32});
    GenerationRequest oneStep = request(4);
    oneStep.steps = 1;
    const cv::Mat plainOne = pipeline->generate(oneStep).images.at(0);
    oneStep.cacheInterval = 3;
    EXPECT_EQ(cv::norm(pipeline->generate(oneStep).images.at(0), plainOne, cv::NORM_INF), 0.0);

    GenerationRequest cached = request(4);
    const cv::Mat plain = pipeline->generate(cached).images.at(0);
    cached.cacheInterval = 3;
    const GenerationResult first = pipeline->generate(cached);
    EXPECT_EQ(first.request.cacheInterval, 3);
    EXPECT_GT(cv::norm(first.images.at(0), plain, cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::norm(pipeline->generate(cached).images.at(0), first.images.at(0), cv::NORM_INF),
              0.0);
}

// `--decoder taesd`: the model folder's taesd_decoder.safetensors decodes the final image and,
// once present, every live preview. A TAESD whose weights are zero but for the last bias paints
// one colour whatever the latent, so the pixels say which decoder ran.
TEST_F(ModelFolder, TaesdDecoderInTheFolderDecodesTheImageAndThePreviews) {
    const std::string folder = (dir_ / "tiny").string();
    test::writeTinyModel(folder, 3);
    const std::string data = (dir_ / "data").string(); // an empty models folder
    const char* oldData = std::getenv("XDG_DATA_HOME");
    const std::string savedData = oldData ? oldData : "";
    ::setenv("XDG_DATA_HOME", data.c_str(), 1);
    struct Restore {
        std::string value;
        bool had;
        ~Restore() {
            if (had)
                ::setenv("XDG_DATA_HOME", value.c_str(), 1);
            else
                ::unsetenv("XDG_DATA_HOME");
        }
    } restore{savedData, oldData != nullptr};

    GenerationRequest taesdRequest = request(5);
    taesdRequest.decoder = DecoderKind::Taesd;
    {
        const auto pipeline = Pipeline::load({folder, ComputeDtype::Float32});
        try {
            pipeline->generate(taesdRequest);
            FAIL() << "decoder taesd without a file was accepted";
        } catch (const RequestError& error) {
            EXPECT_EQ(error.field(), "decoder");
            EXPECT_NE(std::string(error.what()).find("taesd_decoder.safetensors"),
                      std::string::npos)
                << error.what();
        }
    }

    nn::TaesdConfig config;
    config.channels = 8;
    config.upsamplings = 2; // the tiny VAE's factor 4
    const nn::TaesdDecoder constant(config);
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    std::string lastBias;
    int lastIndex = -1;
    for (const auto& item : constant->named_parameters()) {
        item.value().detach().zero_();
        const int index = std::stoi(item.key().substr(0, item.key().find('.')));
        if (item.key() == std::to_string(index) + ".bias" && index > lastIndex) {
            lastIndex = index;
            lastBias = item.key();
        }
    }
    ASSERT_FALSE(lastBias.empty());
    constant->named_parameters()[lastBias].detach().copy_(torch::tensor({0.2f, 0.4f, 0.8f}));
    for (const auto& item : constant->named_parameters())
        tensors.emplace_back(item.key(), item.value().detach());
    io::writeSafetensors((fs::path(folder) / "taesd_decoder.safetensors").string(), tensors);

    struct Previews : GenerationObserver {
        std::vector<cv::Mat> seen;
        int steps = 0;
        void onStep(const StepInfo& info) override {
            ++steps;
            seen.insert(seen.end(), info.previews.begin(), info.previews.end());
        }
    } previews;
    const auto pipeline = Pipeline::load({folder, ComputeDtype::Float32});
    const GenerationResult drafted = pipeline->generate(taesdRequest, &previews);
    ASSERT_EQ(drafted.images.size(), 1u);
    EXPECT_EQ(drafted.images[0].size(), cv::Size(64, 64));
    EXPECT_EQ(drafted.request.decoder, DecoderKind::Taesd);
    const cv::Mat colour(64, 64, CV_8UC3, cv::Scalar(51, 102, 204)); // RGB
    EXPECT_EQ(cv::norm(drafted.images[0], colour, cv::NORM_INF), 0.0);
    ASSERT_GE(previews.steps, 3);
    ASSERT_EQ(previews.seen.size(), static_cast<std::size_t>(previews.steps)); // one per step
    for (const cv::Mat& preview : previews.seen)
        EXPECT_EQ(cv::norm(preview, colour, cv::NORM_INF), 0.0);
    // The VAE still decodes a request that asks for it.
    const GenerationResult full = pipeline->generate(request(5));
    EXPECT_GT(cv::norm(full.images[0], colour, cv::NORM_INF), 10.0);

    // A file that is no TAESD decoder is refused naming it and what is wrong, on every request
    // (not "no file" the second time); the VAE path is unaffected.
    const std::string broken = (dir_ / "broken").string();
    test::writeTinyModel(broken, 3);
    io::writeSafetensors((fs::path(broken) / "taesd_decoder.safetensors").string(),
                         {{"1.weight", torch::zeros({8, 4, 3, 3})}});
    const auto brokenPipeline = Pipeline::load({broken, ComputeDtype::Float32});
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            brokenPipeline->generate(taesdRequest);
            FAIL() << "a broken TAESD file was accepted";
        } catch (const RequestError& error) {
            EXPECT_EQ(error.field(), "decoder");
            const std::string message = error.what();
            EXPECT_NE(message.find("taesd_decoder.safetensors"), std::string::npos) << message;
            EXPECT_NE(message.find("missing"), std::string::npos) << message;
        }
    }
    EXPECT_EQ(brokenPipeline->generate(request(5)).images.size(), 1u);
}

TEST_F(ModelFolder, TinyModelReadsStyleReferencesAtItsOwnSize) {
    const std::string folder = (dir_ / "tiny").string();
    test::writeTinyModel(folder, 4);
    const auto pipeline = Pipeline::load({folder, ComputeDtype::Float32});
    GenerationRequest styled = request(5);
    styled.styles.push_back({std::string(DEADIFF_SOURCE_DIR) + "/resources/examples/neon.png", 1});
    GenerationRequest plain = request(5);
    plain.mode = ReferenceMode::None;
    const std::vector<ContextStats> stats = pipeline->encode(styled);
    ASSERT_EQ(stats.size(), 4u);
    EXPECT_EQ(stats[0].shape, (std::vector<std::int64_t>{1, 77, 32}));
    EXPECT_EQ(stats[2].shape, (std::vector<std::int64_t>{1, 4, 32}));
    EXPECT_GT(stats[2].std, 0.0); // the style branch read the image
    EXPECT_EQ(stats[3].std, 0.0); // content context zeros in style mode
    const GenerationResult withStyle = pipeline->generate(styled);
    const GenerationResult without = pipeline->generate(plain);
    EXPECT_GT(cv::norm(withStyle.images[0], without.images[0], cv::NORM_INF), 0.0);
}

} // namespace
} // namespace deadiff

namespace deadiff {
namespace {

TEST_F(ModelFolder, HalfPrecisionFolderKeepsTheScheduleInFloat32AndLoads) {
    const std::string folder = (dir_ / "half").string();
    test::writeTinyModel(folder, 6); // writes the tokenizer and a float32 folder
    const pipeline::ModelConfig config = test::tinyModelConfig();
    torch::manual_seed(6);
    const nn::ClipTextModel text(config.text);
    const nn::UNetModel unet(config.unet);
    const nn::AutoencoderKL vae(config.vae);
    pipeline::ReferenceEncoder references(config.reference);
    pipeline::writeModelFolder(
        folder, config,
        pipeline::modelTensors(text, unet, vae, references, torch::linspace(0.99, 0.01, 1000)),
        /*half=*/true);
    const io::SafetensorsFile file = io::SafetensorsFile::open(folder + "/model.safetensors");
    EXPECT_EQ(file.find("model.diffusion_model.out.2.weight")->dtype, io::DType::F16);
    EXPECT_EQ(file.find("alphas_cumprod")->dtype, io::DType::F32);
    EXPECT_EQ(file.find("cond_stage_model.transformer.text_model.embeddings.position_ids")->dtype,
              io::DType::I64);
    const auto pipeline = Pipeline::load({folder, ComputeDtype::Float32});
    EXPECT_EQ(pipeline->generate(request(1)).images.at(0).cols, 64);
}

} // namespace
} // namespace deadiff

namespace deadiff {
namespace {

// The demo model's ablations ship as overlays: only the tensors that differ, the rest read from
// the base folder by relative paths. Loading one must equal loading the full variant.
TEST_F(ModelFolder, OverlayHoldsOnlyWhatDiffersAndLoadsLikeTheFullFolder) {
    const std::string baseJson = test::writeTinyModel((dir_ / "base").string(), 7);
    const pipeline::ModelConfig base = pipeline::readModelConfig(baseJson);
    nn::TensorMap variant;
    {
        const pipeline::ModelWeights weights = pipeline::openModelWeights(baseJson, base);
        for (const auto& [key, tensor] : weights.tensors)
            variant[key] = tensor.clone();
    }
    std::string changed;
    for (auto& [key, tensor] : variant)
        if (key.rfind("style_proj_layer.", 0) == 0 && key.find("weight") != std::string::npos) {
            changed = key;
            tensor = tensor + 0.25;
            break;
        }
    ASSERT_FALSE(changed.empty());
    pipeline::ModelConfig variantConfig = base;
    variantConfig.unet.contentLayers = {}; // the "without DCM" ablation's routing

    const std::string overlay = (dir_ / "ablations" / "variant").string();
    pipeline::writeModelOverlay(overlay, variantConfig, variant, (dir_ / "base").string());
    const std::string full = (dir_ / "full").string();
    pipeline::writeModelFolder(full, variantConfig, variant);
    fs::copy(dir_ / "base" / base.tokenizer, fs::path(full) / base.tokenizer,
             fs::copy_options::recursive);

    const io::SafetensorsFile file = io::SafetensorsFile::open(overlay + "/overlay.safetensors");
    ASSERT_EQ(file.tensors().size(), 1u);
    EXPECT_EQ(file.tensors()[0].name, changed);
    const pipeline::ModelConfig read = pipeline::readModelConfig(overlay + "/model.json");
    EXPECT_EQ(read.weights, "../../base/model.safetensors");
    EXPECT_EQ(read.tokenizer, "../../base/tokenizer");
    EXPECT_EQ(read.weightOverlays, (std::vector<std::string>{"overlay.safetensors"}));
    EXPECT_TRUE(read.unet.contentLayers.empty());

    GenerationRequest styled = request(3);
    styled.styles.push_back({std::string(DEADIFF_SOURCE_DIR) + "/resources/examples/neon.png", 1});
    const cv::Mat fromOverlay =
        Pipeline::load({overlay, ComputeDtype::Float32})->generate(styled).images.at(0);
    const cv::Mat fromFull =
        Pipeline::load({full, ComputeDtype::Float32})->generate(styled).images.at(0);
    const cv::Mat fromBase = Pipeline::load({(dir_ / "base").string(), ComputeDtype::Float32})
                                 ->generate(styled)
                                 .images.at(0);
    EXPECT_EQ(cv::norm(fromOverlay, fromFull, cv::NORM_INF), 0.0);
    EXPECT_GT(cv::norm(fromOverlay, fromBase, cv::NORM_INF), 0.0);
}

TEST_F(ModelFolder, OverlayMayOnlyReplaceTensors) {
    const std::string baseJson = test::writeTinyModel((dir_ / "base").string(), 8);
    const std::vector<std::pair<std::string, torch::Tensor>> extra{
        {"not_in_the_model.weight", torch::zeros({2})}};
    io::writeSafetensors((dir_ / "base" / "extra.safetensors").string(), extra);
    pipeline::ModelConfig config = pipeline::readModelConfig(baseJson);
    config.weightOverlays = {"extra.safetensors"};
    const std::string message = messageOf([&] { pipeline::openModelWeights(baseJson, config); });
    EXPECT_NE(message.find("not_in_the_model.weight"), std::string::npos) << message;
    EXPECT_NE(message.find("extra.safetensors"), std::string::npos) << message;
    // A model.json naming an overlay file that is not there names the file.
    config.weightOverlays = {"missing.safetensors"};
    EXPECT_NE(messageOf([&] {
                  pipeline::openModelWeights(baseJson, config);
              }).find("missing.safetensors"),
              std::string::npos);
}

} // namespace
} // namespace deadiff

namespace deadiff {
namespace {

// $DEADIFF_DEMO_MODEL comes first; a folder counts as the bundled model only with a model.json,
// while single files (the evaluation's classifiers) are found in any candidate folder.
TEST_F(ModelFolder, BundledFilesAreLookedUpInTheCandidateFolders) {
    const fs::path demo = dir_ / "demo";
    fs::create_directories(demo);
    std::ofstream(demo / "classifiers.safetensors") << "x";
    ::setenv("DEADIFF_DEMO_MODEL", demo.c_str(), 1);
    EXPECT_EQ(pipeline::bundledModelCandidates().front(), demo.string());
    EXPECT_EQ(pipeline::bundledModelFile("classifiers.safetensors"),
              (demo / "classifiers.safetensors").string());
    EXPECT_NE(pipeline::bundledModelDir(), demo.string()); // no model.json yet
    EXPECT_EQ(pipeline::bundledModelFile("no-such-file.bin"), "");
    std::ofstream(demo / "model.json") << "{}";
    EXPECT_EQ(pipeline::bundledModelDir(), demo.string());
    ::setenv("DEADIFF_DEMO_MODEL", "none", 1); // switched off: not even the source tree's
    EXPECT_TRUE(pipeline::bundledModelCandidates().empty());
    EXPECT_EQ(pipeline::bundledModelDir(), "");
    EXPECT_EQ(pipeline::bundledModelFile("classifiers.safetensors"), "");
    ::unsetenv("DEADIFF_DEMO_MODEL");
}

} // namespace
} // namespace deadiff
