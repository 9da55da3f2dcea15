// The artist's controls end to end on the tiny random-weight model (issue 28): the reference
// window, per-layer strengths, image-to-image, inpainting and prompt emphasis / long prompts.
// Each test compares whole images or contexts, so an effect that is missing or leaks fails.
#include "core/image/image_io.h"
#include "core/image/tensor_image.h"
#include "core/io/png.h"
#include "core/io/safetensors.h"
#include "core/nn/controlnet.h"
#include "core/nn/state_dict.h"
#include "core/pipeline/model_config.h"
#include "core/pipeline/pipeline.h"
#include "core/pipeline/text_conditioning.h"
#include "core/tokenize/clip_tokenizer.h"
#include "core/tokenize/prompt_weights.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

namespace deadiff {
namespace {

namespace fs = std::filesystem;

const std::string kExamples = DEADIFF_SOURCE_DIR "/resources/examples/";

class Controls : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new fs::path(fs::temp_directory_path() /
                            ("deadiff_controls_" + std::to_string(std::random_device{}())));
        fs::create_directories(*dir_);
        modelJson_ = new std::string(test::writeTinyModel((*dir_ / "tiny").string(), 21));
        pipeline_ = Pipeline::load({*modelJson_, ComputeDtype::Float32}).release();
        // A 64 px start image (the request's size: no fitting) and masks.
        cv::Mat polka = image::readImageRgb(kExamples + "polka.png");
        cv::resize(polka, polka, cv::Size(64, 64), 0, 0, cv::INTER_AREA);
        io::writePng(path("init.png"), polka);
        io::writePng(path("black.png"), cv::Mat(64, 64, CV_8UC3, cv::Scalar::all(0)));
        cv::Mat square(64, 64, CV_8UC3, cv::Scalar::all(0));
        square(cv::Rect(8, 8, 16, 16)).setTo(cv::Scalar::all(255));
        io::writePng(path("square.png"), square);
    }
    static void TearDownTestSuite() {
        delete pipeline_;
        fs::remove_all(*dir_);
        delete dir_;
        delete modelJson_;
    }

    static std::string path(const std::string& name) { return (*dir_ / name).string(); }

    static GenerationRequest request() {
        GenerationRequest r;
        r.prompt = "star in neon style";
        r.seed = 7;
        r.steps = 4;
        r.cfg = 3.0;
        r.width = 64;
        r.height = 64;
        r.dtype = ComputeDtype::Float32;
        return r;
    }
    static GenerationRequest styled() {
        GenerationRequest r = request();
        r.styles.push_back({kExamples + "neon.png", std::nullopt});
        return r;
    }
    static cv::Mat image(const GenerationRequest& r) { return pipeline_->generate(r).images.at(0); }
    static double distance(const cv::Mat& a, const cv::Mat& b) {
        return cv::norm(a, b, cv::NORM_INF);
    }

    // decode(encode(start image)) with the model's own VAE, outside the pipeline.
    static cv::Mat vaeRoundTrip(const std::string& imagePath) {
        const pipeline::ModelConfig config = pipeline::readModelConfig(*modelJson_);
        const pipeline::ModelWeights weights = pipeline::openModelWeights(*modelJson_, config);
        nn::AutoencoderKL vae(config.vae);
        nn::loadStateDict(*vae, weights.tensors, nn::kVaePrefix);
        vae->eval();
        torch::NoGradGuard noGrad;
        const torch::Tensor pixels =
            image::rgbToTensor(image::readImageRgb(imagePath), image::PixelRange::MinusOneToOne);
        return image::tensorToRgb(vae->decode(vae->encode(pixels).mean * config.vae.scaleFactor),
                                  image::PixelRange::MinusOneToOne);
    }

    static fs::path* dir_;
    static std::string* modelJson_;
    static Pipeline* pipeline_;
};

fs::path* Controls::dir_ = nullptr;
std::string* Controls::modelJson_ = nullptr;
Pipeline* Controls::pipeline_ = nullptr;

TEST_F(Controls, StyleWindowOutsideEveryStepIsBitIdenticalToNoReference) {
    GenerationRequest plain = request();
    plain.mode = ReferenceMode::None;
    GenerationRequest outside = styled();
    outside.styleStart = 1.0; // no step fraction reaches 1
    outside.styleEnd = 1.0;
    const cv::Mat none = image(plain);
    EXPECT_EQ(distance(image(outside), none), 0.0);
    // Every sampler keys the window on its own steps.
    plain.sampler = outside.sampler = SamplerKind::EulerAncestral;
    EXPECT_EQ(distance(image(outside), image(plain)), 0.0);

    // A partial window is neither the full reference nor none.
    GenerationRequest early = styled();
    early.styleEnd = 0.5;
    const cv::Mat full = image(styled());
    const cv::Mat half = image(early);
    EXPECT_GT(distance(half, full), 0.0);
    EXPECT_GT(distance(half, none), 0.0);
    EXPECT_GT(distance(full, none), 0.0);
}

TEST_F(Controls, PerLayerWeightsOfOneReproduceTheDefaultBitForBit) {
    GenerationRequest everyLayer = styled();
    for (int layer = 0; layer < 16; ++layer)
        everyLayer.layerWeights[layer] = 1.0;
    EXPECT_EQ(distance(image(everyLayer), image(styled())), 0.0);
}

TEST_F(Controls, StrengthsActOnTheirLayersOnly) {
    // Style and content strengths are layer factors on the fine (0-3, 9-15) and coarse (4-8)
    // cross-attention layers.
    GenerationRequest strengths = styled();
    strengths.mode = ReferenceMode::Both;
    strengths.styleStrength = 0.5;
    strengths.contentStrength = 2.0;
    GenerationRequest layers = styled();
    layers.mode = ReferenceMode::Both;
    for (int layer = 0; layer < 16; ++layer)
        layers.layerWeights[layer] = layer >= 4 && layer <= 8 ? 2.0 : 0.5;
    const cv::Mat viaStrengths = image(strengths);
    EXPECT_EQ(distance(viaStrengths, image(layers)), 0.0);
    GenerationRequest both = styled();
    both.mode = ReferenceMode::Both;
    EXPECT_GT(distance(viaStrengths, image(both)), 0.0);

    // In style mode the content layers read zero image tokens: their strength changes nothing.
    GenerationRequest contentOff = styled();
    contentOff.contentStrength = 0.0;
    EXPECT_EQ(distance(image(contentOff), image(styled())), 0.0);
    GenerationRequest styleOff = styled();
    styleOff.styleStrength = 0.0;
    EXPECT_GT(distance(image(styleOff), image(styled())), 0.0);
}

TEST_F(Controls, StyleFromAContentFromBFeedsEachQFormerItsOwnImage) {
    GenerationRequest twoRefs = styled(); // style from neon.png
    twoRefs.mode = ReferenceMode::Both;
    twoRefs.content = kExamples + "polka.png"; // content from polka.png
    const std::string saved = path("contexts.safetensors");
    pipeline_->encode(twoRefs, saved);
    GenerationRequest styleOnly = styled();
    pipeline_->encode(styleOnly, path("style.safetensors"));
    GenerationRequest contentOnly = request();
    contentOnly.mode = ReferenceMode::Content;
    contentOnly.content = kExamples + "polka.png";
    pipeline_->encode(contentOnly, path("content.safetensors"));
    const auto tensor = [](const std::string& file, const char* name) {
        return io::SafetensorsFile::open(file).tensor(name).clone();
    };
    EXPECT_TRUE(torch::equal(tensor(saved, "style"), tensor(path("style.safetensors"), "style")));
    EXPECT_TRUE(
        torch::equal(tensor(saved, "content"), tensor(path("content.safetensors"), "content")));
}

TEST_F(Controls, LayerWeightsNamingAMissingLayerAreRefused) {
    GenerationRequest r = styled();
    r.layerWeights[16] = 0.5;
    try {
        pipeline_->generate(r);
        FAIL() << "layer 16 accepted";
    } catch (const RequestError& error) {
        EXPECT_EQ(error.field(), "layer_weights");
        EXPECT_NE(error.problem().find("16 cross-attention layers"), std::string::npos);
    }
}

TEST_F(Controls, StrengthZeroGivesTheStartImagesVaeRoundTrip) {
    const cv::Mat roundTrip = vaeRoundTrip(path("init.png"));
    for (const SamplerKind sampler : {SamplerKind::Ddim, SamplerKind::DpmPp2m}) {
        GenerationRequest r = request();
        r.sampler = sampler;
        r.init = path("init.png");
        r.strength = 0.0;
        EXPECT_EQ(distance(image(r), roundTrip), 0.0) << nameOf(sampler);
        r.strength = 0.6;
        EXPECT_GT(distance(image(r), roundTrip), 0.0) << nameOf(sampler);
    }
}

TEST_F(Controls, AllBlackMaskGivesTheStartImagesVaeRoundTrip) {
    const cv::Mat roundTrip = vaeRoundTrip(path("init.png"));
    for (const SamplerKind sampler :
         {SamplerKind::Ddim, SamplerKind::DpmPp2m, SamplerKind::EulerAncestral}) {
        GenerationRequest r = styled();
        r.sampler = sampler;
        r.init = path("init.png");
        r.strength = 0.9;
        r.mask = path("black.png");
        EXPECT_EQ(distance(image(r), roundTrip), 0.0) << nameOf(sampler);
        r.maskedOnly = true; // an empty mask has no box: the same
        EXPECT_EQ(distance(image(r), roundTrip), 0.0) << nameOf(sampler);
    }
}

TEST_F(Controls, MaskedOnlyRepaintsTheBoxAndKeepsTheRestOfTheStartImage) {
    GenerationRequest r = styled();
    r.init = path("init.png");
    r.strength = 1.0;
    r.mask = path("square.png");
    r.maskBlur = 2;
    r.maskedOnly = true;
    r.maskedPadding = 4;
    const cv::Mat start = image::readImageRgb(path("init.png"));
    const cv::Mat out = image(r);
    // Far from the square (8..24 px, blur and padding included) the start image stays exactly.
    EXPECT_EQ(distance(out(cv::Rect(40, 0, 24, 64)), start(cv::Rect(40, 0, 24, 64))), 0.0);
    EXPECT_EQ(distance(out(cv::Rect(0, 40, 64, 24)), start(cv::Rect(0, 40, 64, 24))), 0.0);
    EXPECT_GT(distance(out(cv::Rect(10, 10, 12, 12)), start(cv::Rect(10, 10, 12, 12))), 20.0);

    // The whole-image mode keeps the black area's latent: far from the square the picture is
    // close to the round trip, inside it is not.
    r.maskedOnly = false;
    const cv::Mat whole = image(r);
    const cv::Mat roundTrip = vaeRoundTrip(path("init.png"));
    const cv::Rect far(44, 44, 20, 20), inside(12, 12, 8, 8);
    EXPECT_LT(cv::norm(whole(far), roundTrip(far), cv::NORM_L1) / far.area(),
              cv::norm(whole(inside), roundTrip(inside), cv::NORM_L1) / inside.area());
}

TEST_F(Controls, MissingStartImageOrMaskIsAnErrorNamingTheFile) {
    GenerationRequest r = request();
    r.init = path("absent.png");
    try {
        pipeline_->generate(r);
        FAIL() << "missing start image accepted";
    } catch (const image::ImageError& error) {
        EXPECT_NE(std::string(error.what()).find("absent.png"), std::string::npos);
    }
    r = request();
    r.mask = path("square.png");
    EXPECT_THROW(pipeline_->generate(r), RequestError); // a mask needs a start image
}

TEST_F(Controls, EmphasisScalesTheTokensTheParserWeighs) {
    const pipeline::ModelConfig config = pipeline::readModelConfig(*modelJson_);
    const pipeline::ModelWeights weights = pipeline::openModelWeights(*modelJson_, config);
    nn::ClipTextModel text(config.text);
    nn::loadStateDict(*text, weights.tensors, nn::kClipTextPrefix);
    text->eval();
    const tokenize::ClipTokenizer tokenizer =
        tokenize::ClipTokenizer::load((fs::path(*modelJson_).parent_path() / "tokenizer").string());

    GenerationRequest r = request();
    r.prompt = "(star:1.5) in [neon] style";
    pipeline_->encode(r, path("emphasis.safetensors"));
    const torch::Tensor ours =
        io::SafetensorsFile::open(path("emphasis.safetensors")).tensor("text").clone();

    // The same ids through the text encoder, then A1111's scaling by the parser's multipliers.
    const tokenize::WeightedPrompt weighted = tokenize::weightPrompt(tokenizer, r.prompt);
    ASSERT_EQ(weighted.chunks.size(), 1u);
    EXPECT_EQ(weighted.chunks[0].multipliers[1], 1.5);
    // [neon] wherever the model's tokenizer puts it (its small vocabulary may split words).
    const std::vector<std::int64_t>& ids = weighted.chunks[0].ids;
    const auto neon = std::find(ids.begin(), ids.end(), tokenizer.encode("neon").ids.at(1));
    ASSERT_NE(neon, ids.end());
    EXPECT_EQ(weighted.chunks[0].multipliers[static_cast<std::size_t>(neon - ids.begin())],
              1 / 1.1);
    torch::NoGradGuard noGrad;
    const torch::Tensor plain = text->forward(torch::tensor(weighted.chunks[0].ids).unsqueeze(0));
    const torch::Tensor expected = pipeline::applyEmphasis(plain, weighted.chunks[0].multipliers);
    EXPECT_LT((ours - expected).abs().max().item<double>(), 1e-6);
    EXPECT_GT((ours - plain).abs().max().item<double>(), 1e-3);
    // The brackets are syntax, not words: the ids are those of the plain prompt.
    EXPECT_EQ(weighted.chunks[0].ids, tokenizer.encode("star in neon style").ids);
}

TEST_F(Controls, LongPromptsReachTheUNetAs77TokenChunks) {
    GenerationRequest r = styled();
    std::string words;
    for (int i = 0; i < 80; ++i)
        words += i % 2 ? "star " : "house ";
    r.prompt = words + "moon";
    r.negativePrompt = "cat";
    const std::vector<ContextStats> stats = pipeline_->encode(r);
    EXPECT_EQ(stats[0].shape, (std::vector<std::int64_t>{1, 154, 32}));
    EXPECT_EQ(stats[1].shape, (std::vector<std::int64_t>{1, 77, 32}));
    // Different chunk counts run the guidance halves one after the other; the tail counts.
    const cv::Mat longer = image(r);
    r.prompt = words;
    EXPECT_GT(distance(longer, image(r)), 0.0);
    r.cfg = 1.0; // conditional rows only
    EXPECT_EQ(image(r).cols, 64);
    r.negativePrompt = words + words; // three chunks against two
    r.cfg = 5.0;
    EXPECT_EQ(image(r).cols, 64);
}

// A model trained on prompts cut after 75 tokens (the demo model: model.json "prompt_chunks": 1)
// reads them so: a long prompt is the plain CLIP encoding of its first 75 tokens.
TEST_F(Controls, OneChunkModelCutsLongPromptsAsBefore) {
    const std::string json = test::writeTinyModel(path("one_chunk"), 21);
    pipeline::ModelConfig config = pipeline::readModelConfig(json);
    config.promptChunks = 1;
    std::ofstream(json) << pipeline::modelConfigToJson(config);
    const auto oneChunk = Pipeline::load({json, ComputeDtype::Float32});
    EXPECT_EQ(oneChunk->facts().promptChunks, 1);

    GenerationRequest r = request();
    for (int i = 0; i < 40; ++i)
        r.prompt += "star, house, ";
    oneChunk->encode(r, path("one_chunk.safetensors"));
    const torch::Tensor ours =
        io::SafetensorsFile::open(path("one_chunk.safetensors")).tensor("text").clone();
    ASSERT_EQ(ours.size(1), 77);
    nn::ClipTextModel text(config.text);
    nn::loadStateDict(*text, pipeline::openModelWeights(json, config).tensors, nn::kClipTextPrefix);
    text->eval();
    const auto tokenizer =
        tokenize::ClipTokenizer::load((fs::path(json).parent_path() / "tokenizer").string());
    torch::NoGradGuard noGrad;
    const torch::Tensor truncated =
        text->forward(torch::tensor(tokenizer.encode(r.prompt).ids).unsqueeze(0));
    EXPECT_TRUE(torch::equal(ours, truncated));
}

// 77·k text tokens through the networks: the image tokens still come last in every
// cross-attention, and the ControlNet reads the longer text context as it is.
TEST(ChunkedText, CrossAttentionKeepsTextFirstAndImageTokensLast) {
    torch::manual_seed(3);
    nn::DualCrossAttention attention(32, 32, 2, 16);
    const torch::Tensor text = torch::randn({2, 154, 32});
    const torch::Tensor image = torch::randn({2, 4, 32});
    torch::NoGradGuard noGrad;
    const nn::ContextKeysValues kv = attention->projectContext({image, text, 0.5});
    ASSERT_EQ(kv.keys.sizes(), (std::vector<std::int64_t>{2, 158, 32}));
    EXPECT_TRUE(torch::allclose(kv.keys.narrow(1, 0, 154), attention->to_k->forward(text)));
    EXPECT_TRUE(
        torch::allclose(kv.values.narrow(1, 154, 4), attention->i_to_v->forward(image) * 0.5));

    const pipeline::ModelConfig config = test::tinyModelConfig();
    nn::UNetModel unet(config.unet);
    nn::UNetContext context{torch::zeros({2, 4, 32}), text, image, text, 1.0};
    const torch::Tensor x = torch::randn({2, 4, 16, 16});
    const torch::Tensor eps = unet->forward(x, torch::full({2}, 500), context);
    EXPECT_EQ(eps.sizes(), x.sizes());
    EXPECT_TRUE(
        torch::equal(eps, unet->forward(x, torch::full({2}, 500), unet->projectContext(context))));

    nn::ControlNetConfig controlConfig;
    controlConfig.unet = config.unet;
    controlConfig.hintWidths = {4, 8, 8, 16};
    nn::ControlNetModel control(controlConfig);
    const std::vector<torch::Tensor> residuals =
        control->forward(x, torch::rand({1, 3, 128, 128}), torch::full({2}, 500), text);
    ASSERT_EQ(residuals.size(), 13u);
    EXPECT_EQ(unet->forward(x, torch::full({2}, 500), context, residuals).sizes(), x.sizes());
}

TEST_F(Controls, BadEmphasisWeightIsARequestErrorOnTheRightField) {
    GenerationRequest r = request();
    r.negativePrompt = "(blurry:1.2.3)";
    try {
        pipeline_->generate(r);
        FAIL() << "bad weight accepted";
    } catch (const RequestError& error) {
        EXPECT_EQ(error.field(), "negative_prompt");
    }
}

} // namespace
} // namespace deadiff
