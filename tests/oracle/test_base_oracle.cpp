// Oracle section (h): a plain SD 1.5 file (seed 7, float16, the A1111/CompVis layout) as the
// model paints with CompVis LatentDiffusion's numbers (text contexts and one UNet call at
// <= 1e-4), and as a base under the DEADiff oracle checkpoint it supplies exactly the SD parts.
// The official code has no switched-base run in ../shared/oracle/ref: the switch is checked by
// where every tensor comes from, by the base's text contexts, and by its 256 px image against a
// DEADiff checkpoint holding the base's SD tensors (the path run e checks against the official
// PNG).
#include "core/io/safetensors.h"
#include "core/nn/unet.h"
#include "core/pipeline/model_parts.h"
#include "core/pipeline/pipeline.h"
#include "core/pipeline/sd_checkpoint.h"
#include "core/runtime/system_info.h"
#include "core/sample/schedule.h"
#include "tests/oracle/oracle_support.h"
#include "tests/support/paths.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <random>

namespace deadiff::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPrompt = "A curly-haired boy";
// ../shared/oracle/README.md section (h).
constexpr const char* kBaseSha256 =
    "de1eb6b443e5c7f2224008adf7c90e359e285facd34a4ab9607af49deb65d2d1";

// The contexts encode() computes, read back from its safetensors output.
io::SafetensorsFile encodedContexts(Pipeline& pipeline, const GenerationRequest& request,
                                    const fs::path& file) {
    pipeline.encode(request, file.string());
    return io::SafetensorsFile::open(file.string());
}

fs::path scratchFile(const std::string& name) {
    return fs::temp_directory_path() /
           ("deadiff_base_oracle_" + std::to_string(std::random_device{}()) + "_" + name);
}

TEST(BaseOracle, PlainSd15ContextsAndOneUNetCallMatchCompVis) {
    DEADIFF_REQUIRE_ORACLE_BASE(base);
    configureThreads();
    const auto ref = io::SafetensorsFile::open(oracleRef("base_step.safetensors"));
    {
        auto pipeline = Pipeline::load({base, ComputeDtype::Float32});
        EXPECT_FALSE(pipeline->facts().referenceImages);
        GenerationRequest request;
        request.prompt = kPrompt;
        const fs::path file = scratchFile("contexts.safetensors");
        const auto contexts = encodedContexts(*pipeline, request, file);
        expectMatches("prompt_hidden", contexts.tensor("text"), ref.tensor("prompt_hidden"));
        expectMatches("negative_hidden", contexts.tensor("negative_text"),
                      ref.tensor("negative_hidden"));
        EXPECT_EQ(contexts.find("style"), nullptr); // plain SD has no image contexts
        fs::remove(file);
        request.styles.push_back({oracleRef("style_01.jpeg"), std::nullopt});
        EXPECT_THROW(pipeline->generate(request), RequestError);
    } // the pipeline's 4 GB go before the UNet below is built

    torch::NoGradGuard noGrad;
    const pipeline::SdWeights weights = pipeline::readSdCheckpoint(base);
    EXPECT_FALSE(weights.report.deadiffParts);
    EXPECT_EQ(weights.report.ignoredKeys, 0);
    // The stored schedule is SD 1.5's, the one used when a file has none.
    EXPECT_TRUE(torch::allclose(weights.tensors.at("alphas_cumprod").to(torch::kDouble),
                                sample::scaledLinearAlphasCumprod().to(torch::kDouble), 0, 1e-6));
    nn::UNetConfig config;
    config.imageCrossAttention = false; // CompVis UNetModel: plain SpatialTransformer
    nn::UNetModel unet(config);
    unet->eval();
    nn::loadStateDict(*unet, weights.tensors, nn::kUNetPrefix); // strict; float16 upcast exactly
    const torch::Tensor x = ref.tensor("x");
    nn::UNetContext context;
    context.styleText = torch::cat({ref.tensor("negative_hidden"), ref.tensor("prompt_hidden")});
    context.contentText = context.styleText;
    const torch::Tensor t = ref.tensor("t").expand({2});
    const torch::Tensor eps = unet->forward(torch::cat({x, x}), t, context);
    const auto halves = eps.chunk(2, 0);
    expectMatches("eps_uncond", halves[0], ref.tensor("eps_uncond"));
    expectMatches("eps_cond", halves[1], ref.tensor("eps_cond"));
}

TEST(BaseOracle, SwitchedBaseSuppliesExactlyTheSdParts) {
    DEADIFF_REQUIRE_ORACLE_CHECKPOINT(checkpoint);
    DEADIFF_REQUIRE_ORACLE_BASE(base);
    configureThreads();
    LoadOptions options(checkpoint, ComputeDtype::Float32);
    options.base = base;
    {
        // Where every tensor comes from, without reading any (views of the mapped files).
        const pipeline::ModelParts parts = pipeline::assembleModel(options);
        const auto inFile = [&](const torch::Tensor& tensor, const std::string& path) {
            for (const io::WeightFile& file : parts.files) {
                if (file.path() != path || !file.mapping())
                    continue;
                const auto* data = static_cast<const std::uint8_t*>(tensor.data_ptr());
                if (data >= file.mapping()->data() &&
                    data < file.mapping()->data() + file.mapping()->size())
                    return true;
            }
            return false;
        };
        int fromBase = 0, fromDeadiff = 0, imageProjections = 0;
        for (const auto& [key, tensor] : parts.tensors) {
            const bool baseKey = pipeline::isBaseModelKey(key);
            EXPECT_TRUE(inFile(tensor, baseKey ? base : checkpoint)) << key;
            (baseKey ? fromBase : fromDeadiff) += 1;
            imageProjections += pipeline::isImageProjectionKey(key) ? 1 : 0;
        }
        // 686 UNet + 248 VAE + 197 CLIP tensors from the base; the 32 i_to_k/i_to_v, both
        // Q-Formers with their ViTs and ProjLayers from DEADiff (ctx_embeddings_cache and the
        // schedule's other buffers are not read).
        EXPECT_EQ(fromBase, 686 + 248 + 197);
        EXPECT_EQ(imageProjections, 32);
        EXPECT_EQ(fromDeadiff, 2 * 687 + 2 * 6 + 32 + 1); // + alphas_cumprod
        EXPECT_TRUE(parts.referenceImages);
    }

    auto pipeline = Pipeline::load(options);
    EXPECT_TRUE(pipeline->facts().referenceImages);
    EXPECT_EQ(pipeline->facts().base, base);
    GenerationRequest request;
    request.prompt = kPrompt;
    request.styles.push_back({oracleRef("style_01.jpeg"), std::nullopt});
    const fs::path file = scratchFile("switched.safetensors");
    const auto contexts = encodedContexts(*pipeline, request, file);
    // The text encoder is the base's (CompVis' numbers for the base), the style branch DEADiff's.
    const auto baseRef = io::SafetensorsFile::open(oracleRef("base_step.safetensors"));
    expectMatches("switched prompt_hidden", contexts.tensor("text"),
                  baseRef.tensor("prompt_hidden"));
    expectMatches("switched negative_hidden", contexts.tensor("negative_text"),
                  baseRef.tensor("negative_hidden"));
    const auto styleRef = io::SafetensorsFile::open(oracleRef("style_01.safetensors"));
    expectMatches("switched style ctx", contexts.tensor("style"), styleRef.tensor("ctx"));
    fs::remove(file);

    // The acceptance run's settings: 256 px, 4 DDIM steps, float32.
    request.width = request.height = 256;
    request.steps = 4;
    request.seed = 42;
    const GenerationResult result = pipeline->generate(request);
    ASSERT_EQ(result.images.size(), 1u);
    cv::Scalar mean, deviation;
    cv::meanStdDev(result.images[0], mean, deviation);
    EXPECT_GT(deviation[0] + deviation[1] + deviation[2], 1.0); // a picture, not a flat field
    EXPECT_EQ(result.request.base, base);
    EXPECT_EQ(result.request.baseHash, kBaseSha256); // hashed once, as the README says
    EXPECT_NE(toA1111Parameters(result.request).find("Model hash: de1eb6b443"), std::string::npos);
    const cv::Mat switched = result.images[0].clone();
    pipeline.reset(); // its 9 GB go before the merged model loads

    // The reference for a switch: DualBlipDiffusion with the base's tensors loaded over
    // the SD parts, i.e. one DEADiff checkpoint whose SD tensors are the base's. Our plain
    // DEADiff path matches the official PNG on such a file (run e, PipelineOracle), so the
    // switched run must give that file's image: PSNR >= 40 dB as acceptance.md asks (the same
    // float16 values upcast the same way: bit-identical here).
    const fs::path merged = scratchFile("merged.safetensors");
    {
        const auto deadiffFile = io::SafetensorsFile::open(checkpoint);
        const auto baseFile = io::SafetensorsFile::open(base);
        std::vector<io::SafetensorsEntry> entries;
        int replaced = 0;
        for (const io::TensorInfo& info : deadiffFile.tensors()) {
            const io::TensorInfo* fromBase =
                pipeline::isBaseModelKey(info.name) ? baseFile.find(info.name) : nullptr;
            const io::SafetensorsFile& source = fromBase ? baseFile : deadiffFile;
            const io::TensorInfo& chosen = fromBase ? *fromBase : info;
            ASSERT_EQ(chosen.shape, info.shape) << info.name;
            replaced += fromBase ? 1 : 0;
            entries.push_back({info.name, chosen.dtype, chosen.shape,
                               [&source, &chosen] { return source.tensor(chosen); }});
        }
        EXPECT_EQ(replaced, 686 + 248 + 197);
        io::writeSafetensors(merged.string(), entries);
    }
    struct Remove {
        fs::path path;
        ~Remove() { fs::remove(path); }
    } removeMerged{merged};
    auto mergedPipeline = Pipeline::load({merged.string(), ComputeDtype::Float32});
    const cv::Mat reference = mergedPipeline->generate(request).images.at(0);
    ASSERT_EQ(reference.size(), switched.size());
    const double psnr = cv::PSNR(switched, reference);
    EXPECT_GE(psnr, 40.0) << "max |difference| " << cv::norm(switched, reference, cv::NORM_INF);
    std::printf("switched base vs merged checkpoint, 256 px, 4 DDIM steps: PSNR %.1f dB, max "
                "|difference| %.0f\n",
                psnr, cv::norm(switched, reference, cv::NORM_INF));
}

} // namespace
} // namespace deadiff::test
