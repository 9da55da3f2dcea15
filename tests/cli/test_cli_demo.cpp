// The CLI on model folders: generate takes the folder's image size, and train -> eval run end
// to end (a few steps, so the numbers mean nothing; the demo model's numbers are in README).
#include "tests/support/ckpt_writer.h"
#include "tests/support/process.h"
#include "tests/support/tiny_model.h"

#include "core/image/image_io.h"
#include "core/io/file_hash.h"
#include "core/io/png.h"
#include "core/pipeline/default_model.h"
#include "core/pipeline/metadata.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

namespace deadiff::cli {
namespace {

namespace fs = std::filesystem;
using test::runProcess;

const std::string kCli = DEADIFF_CLI_EXE;

class CliDemo : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff_cli_demo_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(CliDemo, GenerateFromAModelFolderUsesItsImageSize) {
    const std::string model = (dir_ / "tiny").string();
    test::writeTinyModel(model, 2);
    const std::string out = (dir_ / "out.png").string();
    const auto result =
        runProcess({kCli, "generate", "--model", model, "--prompt", "star", "--steps", "2",
                    "--seed", "3", "--dtype", "float32", "-o", out});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const cv::Mat image = image::readImageRgb(out);
    EXPECT_EQ(image.cols, 64);
    EXPECT_EQ(image.rows, 64);
}

// --lora merges a kohya LoRA (random, made for the tiny UNet and a two-layer text encoder, so
// some of its keys match nothing here) at load time and --sampler lcm runs the few-step
// sampler; the PNG records both. Weight 0 is the plain model.
TEST_F(CliDemo, LoraAndLcmDraftOnTheTinyModel) {
    const std::string model = (dir_ / "tiny").string();
    test::writeTinyModel(model, 2);
    const std::string lora = test::fixturePath("lora/lora_kohya.safetensors");
    // Writes dir_/name and returns the log.
    const auto draft = [&](const std::string& name, const std::vector<std::string>& extra) {
        std::vector<std::string> command = {
            kCli,        "generate", "--model", model, "--prompt", "star",
            "--steps",   "2",        "--seed",  "3",   "--dtype",  "float32",
            "--sampler", "lcm",      "--cfg",   "1",   "-o",       (dir_ / name).string()};
        command.insert(command.end(), extra.begin(), extra.end());
        const auto result = runProcess(command);
        EXPECT_EQ(result.exitCode, 0) << result.err;
        return result.err;
    };
    draft("plain.png", {});
    const std::string mergedLog = draft("lora.png", {"--lora", lora + ":0.8"});
    draft("zero.png", {"--lora", lora + ":0"});
    // The same LoRA named in the prompt (A1111's syntax) makes the same image: merged at the
    // same weight, and the tag is no text for the encoder.
    {
        std::vector<std::string> command = {
            kCli,        "generate", "--model", model, "--prompt", "star <lora:" + lora + ":0.8>",
            "--steps",   "2",        "--seed",  "3",   "--dtype",  "float32",
            "--sampler", "lcm",      "--cfg",   "1",   "-o",       (dir_ / "tagged.png").string()};
        const auto tagged = runProcess(command);
        EXPECT_EQ(tagged.exitCode, 0) << tagged.err;
        EXPECT_EQ(cv::norm(image::readImageRgb((dir_ / "tagged.png").string()),
                           image::readImageRgb((dir_ / "lora.png").string()), cv::NORM_L1),
                  0.0);
        // By name from the model folder's own lora/: the same image again.
        fs::create_directories(fs::path(model) / "lora");
        fs::copy_file(lora, fs::path(model) / "lora" / "own-draft.safetensors");
        command[5] = "star <lora:own-draft:0.8>";
        command.back() = (dir_ / "own.png").string();
        const auto own = runProcess(command, {"XDG_DATA_HOME=" + (dir_ / "empty-data").string()});
        EXPECT_EQ(own.exitCode, 0) << own.err;
        EXPECT_EQ(cv::norm(image::readImageRgb((dir_ / "own.png").string()),
                           image::readImageRgb((dir_ / "lora.png").string()), cv::NORM_L1),
                  0.0);
        fs::remove_all(fs::path(model) / "lora");
        const auto unknown =
            runProcess({kCli, "generate", "--model", model, "--prompt", "star <lora:no_such_lora>",
                        "-o", (dir_ / "unknown.png").string()});
        EXPECT_EQ(unknown.exitCode, 2);
        EXPECT_NE(unknown.err.find("<lora:no_such_lora> is neither a LoRA"), std::string::npos)
            << unknown.err;
    }
    // A batch job whose prompt names it loads it with the model: the same image again.
    {
        const fs::path job = dir_ / "lora-job.json";
        std::ofstream(job) << R"({"template": {"model": ")" << model
                           << R"(", "prompt": "star <lora:)" << lora
                           << R"(:0.8>", "steps": 2, "seed": 3, "dtype": "float32",
                                  "sampler": "lcm", "cfg": 1}})";
        const fs::path out = dir_ / "lora-batch";
        const auto batch = runProcess({kCli, "batch", job.string(), "-o", out.string()});
        ASSERT_EQ(batch.exitCode, 0) << batch.err;
        int images = 0;
        for (const auto& entry : fs::directory_iterator(out)) {
            if (entry.path().extension() != ".png" ||
                entry.path().filename() == "contact-sheet.png")
                continue;
            ++images;
            EXPECT_EQ(cv::norm(image::readImageRgb(entry.path().string()),
                               image::readImageRgb((dir_ / "lora.png").string()), cv::NORM_L1),
                      0.0)
                << entry.path();
        }
        EXPECT_EQ(images, 1);
    }
    EXPECT_NE(mergedLog.find("LoRA lora_kohya"), std::string::npos) << mergedLog;
    EXPECT_NE(mergedLog.find(" keys matched nothing"), std::string::npos) << mergedLog;

    const std::string merged = (dir_ / "lora.png").string();
    const cv::Mat plainImage = image::readImageRgb((dir_ / "plain.png").string());
    EXPECT_GT(cv::norm(image::readImageRgb(merged), plainImage, cv::NORM_L1), 0.0);
    EXPECT_EQ(cv::norm(image::readImageRgb((dir_ / "zero.png").string()), plainImage, cv::NORM_L1),
              0.0);

    const std::optional<GenerationRequest> recorded = recordedRequest(merged);
    ASSERT_TRUE(recorded);
    EXPECT_EQ(recorded->sampler, SamplerKind::Lcm);
    ASSERT_EQ(recorded->loras.size(), 1u);
    EXPECT_EQ(recorded->loras[0].path, lora);
    EXPECT_DOUBLE_EQ(recorded->loras[0].weight, 0.8);
    // A1111's "Lora hashes": kohya's addnet hash, the sha256 of the bytes after the header.
    std::ifstream file(lora, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 8u);
    std::uint64_t headerBytes = 0;
    for (int i = 7; i >= 0; --i)
        headerBytes = headerBytes << 8 | static_cast<unsigned char>(bytes[i]);
    const std::string addnet =
        io::sha256Hex(bytes.data() + 8 + headerBytes, bytes.size() - 8 - headerBytes);
    EXPECT_EQ(recorded->loras[0].hash, addnet);
    EXPECT_NE(addnet, io::sha256Hex(bytes.data(), bytes.size()));
    const std::string parameters = io::findPngText(io::readPngText(merged), "parameters");
    EXPECT_NE(parameters.find("Lora hashes: \"lora_kohya: " + addnet.substr(0, 12) + "\""),
              std::string::npos)
        << parameters;

    const auto missing = runProcess({kCli, "generate", "--model", model, "--prompt", "star",
                                     "--lora", (dir_ / "none.safetensors").string()});
    EXPECT_EQ(missing.exitCode, 2);
    EXPECT_NE(missing.err.find("'--lora': no such file"), std::string::npos) << missing.err;
    // --decoder taesd with no taesd_decoder.safetensors anywhere: refused before the load.
    // (An empty models folder: a TAESD installed on this machine must not change the answer.)
    const auto noTaesd = runProcess({kCli, "generate", "--model", model, "--prompt", "star",
                                     "--decoder", "taesd", "-o", (dir_ / "taesd.png").string()},
                                    {"XDG_DATA_HOME=" + (dir_ / "empty-data").string()});
    EXPECT_EQ(noTaesd.exitCode, 2);
    EXPECT_NE(noTaesd.err.find("'--decoder': taesd needs taesd_decoder.safetensors"),
              std::string::npos)
        << noTaesd.err;
    EXPECT_FALSE(fs::exists(dir_ / "taesd.png"));
    const auto trailing = runProcess({kCli, "generate", "--model", model, "--prompt", "star",
                                      "--sampler", "lcm", "--timestep-spacing", "trailing"});
    EXPECT_EQ(trailing.exitCode, 2);
    EXPECT_NE(trailing.err.find("'timestep_spacing' trailing applies to ddim and euler-a"),
              std::string::npos)
        << trailing.err;
}

// --timestep-spacing reaches the sampler: DDIM on the trailing grid visits other timesteps than
// on the leading one, so the same seed paints another image, and the PNG records the spacing.
TEST_F(CliDemo, TrailingSpacingReachesTheSampler) {
    const std::string model = (dir_ / "tiny").string();
    test::writeTinyModel(model, 2);
    const auto run = [&](const std::string& name, const std::string& spacing) {
        const auto result = runProcess(
            {kCli, "generate", "--model", model, "--prompt", "star", "--steps", "2", "--seed", "3",
             "--dtype", "float32", "--timestep-spacing", spacing, "-o", (dir_ / name).string()});
        EXPECT_EQ(result.exitCode, 0) << result.err;
        return image::readImageRgb((dir_ / name).string());
    };
    const cv::Mat leading = run("leading.png", "leading");
    const cv::Mat trailing = run("trailing.png", "trailing");
    EXPECT_GT(cv::norm(leading, trailing, cv::NORM_L1), 0.0);
    const std::optional<GenerationRequest> recorded =
        recordedRequest((dir_ / "trailing.png").string());
    ASSERT_TRUE(recorded);
    EXPECT_EQ(recorded->timestepSpacing, TimestepSpacing::Trailing);
}

TEST_F(CliDemo, BrokenModelJsonIsAUserErrorNamingTheField) {
    const std::string model = (dir_ / "tiny").string();
    test::writeTinyModel(model, 2);
    std::ofstream(fs::path(model) / "model.json")
        << R"({"format": "deadiff-model", "default_image_size": "big"})";
    const auto result =
        runProcess({kCli, "generate", "--model", model, "--prompt", "star", "--steps", "2"});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_NE(result.err.find("'default_image_size' must be an integer"), std::string::npos)
        << result.err;
}

// train --lcm and --taesd on the tiny model, and what they write used by generate and eval.
TEST_F(CliDemo, DistilledLcmLoraAndTaesdRunEndToEnd) {
    const std::string model = (dir_ / "tiny").string();
    test::writeTinyModel(model, 2);
    const std::string lora = (dir_ / "lcm.safetensors").string();
    // Seed 1: its caption coins tell a resumed run that skipped redrawing them (below).
    const auto lcm = runProcess({kCli, "train", "--lcm", "--base", model, "--out", lora, "--steps",
                                 "2", "--batch", "2", "--log-every", "1", "--seed", "1"});
    ASSERT_EQ(lcm.exitCode, 0) << lcm.err;
    EXPECT_NE(lcm.out.find("lcm step 2/2"), std::string::npos) << lcm.out;
    ASSERT_TRUE(fs::exists(lora));
    const auto draft = runProcess({kCli, "generate", "--model", model, "--prompt", "star", "--lora",
                                   lora, "--sampler", "lcm", "--steps", "2", "--cfg", "1", "--seed",
                                   "1", "-o", (dir_ / "draft.png").string()});
    ASSERT_EQ(draft.exitCode, 0) << draft.err;

    const std::string decoder = (fs::path(model) / "taesd_decoder.safetensors").string();
    const auto taesd =
        runProcess({kCli, "train", "--taesd", "--base", model, "--out", decoder, "--steps", "2",
                    "--batch", "2", "--log-every", "1", "--seed", "1"});
    ASSERT_EQ(taesd.exitCode, 0) << taesd.err;
    EXPECT_NE(taesd.out.find("PSNR to the VAE's decode"), std::string::npos) << taesd.out;
    // Both runs are resumable: the same command with one more step continues from the state the
    // first run kept and writes the file a run of three steps writes.
    const auto bytesOf = [](const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    for (const auto& [kind, out] : {std::pair<std::string, std::string>{"--lcm", lora},
                                    std::pair<std::string, std::string>{"--taesd", decoder}}) {
        const std::string straight = (dir_ / (kind.substr(2) + "_straight.safetensors")).string();
        const auto three =
            runProcess({kCli, "train", kind, "--base", model, "--out", straight, "--steps", "3",
                        "--batch", "2", "--log-every", "1", "--seed", "1"});
        ASSERT_EQ(three.exitCode, 0) << three.err;
        const auto resumed =
            runProcess({kCli, "train", kind, "--base", model, "--out", out, "--steps", "3",
                        "--batch", "2", "--log-every", "1", "--seed", "1"});
        ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
        EXPECT_NE(resumed.out.find("step 3/3"), std::string::npos) << resumed.out;
        EXPECT_EQ(resumed.out.find("step 1/3"), std::string::npos) << resumed.out;
        EXPECT_TRUE(bytesOf(out) == bytesOf(straight))
            << kind << ": the resumed run wrote another file than a run that never stopped";
        const auto otherBatch = runProcess(
            {kCli, "train", kind, "--base", model, "--out", out, "--steps", "4", "--batch", "3"});
        EXPECT_NE(otherBatch.exitCode, 0) << kind;
        EXPECT_NE(otherBatch.err.find("batch 2, not 3"), std::string::npos) << otherBatch.err;
    }
    const auto evaluated =
        runProcess({kCli, "eval", "--model", model, "--label", "draft", "--lora", lora, "--sampler",
                    "lcm", "--steps", "2", "--cfg", "1", "--decoder", "taesd", "--pairs", "1"});
    ASSERT_EQ(evaluated.exitCode, 0) << evaluated.err;
    EXPECT_NE(evaluated.out.find("| draft | 1 |"), std::string::npos) << evaluated.out;
    EXPECT_NE(evaluated.err.find("s per image"), std::string::npos) << evaluated.err;

    const auto notSafetensors = runProcess(
        {kCli, "train", "--lcm", "--base", model, "--out", (dir_ / "lcm.ckpt").string()});
    EXPECT_EQ(notSafetensors.exitCode, 2);
    EXPECT_NE(notSafetensors.err.find("*.safetensors"), std::string::npos) << notSafetensors.err;
    // A folder that does not exist is refused before any training, not after it.
    const auto missingFolder =
        runProcess({kCli, "train", "--taesd", "--base", model, "--out",
                    (dir_ / "no-such-folder" / "taesd_decoder.safetensors").string()});
    EXPECT_EQ(missingFolder.exitCode, 2);
    EXPECT_NE(missingFolder.err.find("option '--out'"), std::string::npos) << missingFolder.err;
    EXPECT_EQ(missingFolder.out.find("taesd step"), std::string::npos) << missingFolder.out;
    const auto both =
        runProcess({kCli, "train", "--lcm", "--taesd", "--base", model, "--out", lora});
    EXPECT_EQ(both.exitCode, 2);
}

TEST_F(CliDemo, TrainThenEvalRunEndToEnd) {
    const std::string out = (dir_ / "stage1").string();
    const auto trained =
        runProcess({kCli, "train", "--stage", "1", "--out", out, "--vae-steps", "1", "--steps", "1",
                    "--batch", "1", "--vae-batch", "1", "--log-every", "1"});
    ASSERT_EQ(trained.exitCode, 0) << trained.err;
    EXPECT_NE(trained.out.find("stage 1 unet    step 1/1"), std::string::npos) << trained.out;
    EXPECT_NE(trained.out.find("loss "), std::string::npos);

    const std::string classifiers = (dir_ / "classifiers.safetensors").string();
    const auto evaluated = runProcess({kCli, "eval", "--model", out + "/model", "--label", "smoke",
                                       "--classifiers", classifiers, "--train-classifiers",
                                       "--classifier-steps", "1", "--pairs", "2", "--steps", "1"});
    ASSERT_EQ(evaluated.exitCode, 0) << evaluated.err;
    EXPECT_NE(evaluated.out.find("| smoke | 2 |"), std::string::npos) << evaluated.out;
    EXPECT_TRUE(fs::exists(classifiers));
    // Without --classifiers: the ones shipped in resources/demo-model (no trained model there).
    const auto shipped = runProcess({kCli, "eval", "--model", out + "/model", "--label", "shipped",
                                     "--pairs", "1", "--steps", "1"});
    ASSERT_EQ(shipped.exitCode, 0) << shipped.err;
    EXPECT_NE(shipped.out.find("| shipped | 1 |"), std::string::npos) << shipped.out;

    const auto stage2WithoutBase =
        runProcess({kCli, "train", "--stage", "2", "--out", (dir_ / "stage2").string()});
    EXPECT_EQ(stage2WithoutBase.exitCode, 1);
    EXPECT_NE(stage2WithoutBase.err.find("--base"), std::string::npos) << stage2WithoutBase.err;

    const auto negativeOffset =
        runProcess({kCli, "train", "--stage", "1", "--out", out, "--offset-noise", "-0.1"});
    EXPECT_EQ(negativeOffset.exitCode, 2); // a usage error
    EXPECT_NE(negativeOffset.err.find("--offset-noise must be in [0, 1]"), std::string::npos)
        << negativeOffset.err;
}

// The second demo base (issue 20): eval scores a DEADiff model over another base and counts the
// vignette look; the bases pair with the models in order.
TEST_F(CliDemo, EvalPutsEachModelOverItsBaseAndCountsTheLook) {
    const std::string bundled = pipeline::bundledModelDir();
    if (bundled.empty() || !fs::exists(fs::path(bundled) / "bases" / "vignette" / "model.json"))
        GTEST_SKIP() << "no demo model with its vignette base in resources/demo-model";
    const std::string vignette = (fs::path(bundled) / "bases" / "vignette").string();
    const auto evaluated = runProcess(
        {kCli, "eval", "--model", bundled, "--model", bundled, "--base", "own", "--base", vignette,
         "--label", "own", "--label", "vignette", "--look", "--pairs", "1", "--steps", "2"});
    ASSERT_EQ(evaluated.exitCode, 0) << evaluated.err;
    EXPECT_NE(evaluated.out.find("| vignette look |"), std::string::npos) << evaluated.out;
    for (const char* label : {"| own | 1 |", "| vignette | 1 |"}) {
        const std::size_t row = evaluated.out.find(label);
        ASSERT_NE(row, std::string::npos) << evaluated.out;
        const std::string line = evaluated.out.substr(row, evaluated.out.find('\n', row) - row);
        EXPECT_EQ(std::count(line.begin(), line.end(), '|'), 7) << line; // six columns
    }
    const auto tooManyBases = runProcess(
        {kCli, "eval", "--model", bundled, "--base", "own", "--base", vignette, "--pairs", "1"});
    EXPECT_EQ(tooManyBases.exitCode, 2);
    EXPECT_NE(tooManyBases.err.find("more --base than --model"), std::string::npos)
        << tooManyBases.err;
    const auto autoencoderOfAFile =
        runProcess({kCli, "eval", "--autoencoder", "--model", bundled, "--base",
                    (fs::path(bundled) / "model.safetensors").string(), "--pairs", "1"});
    EXPECT_EQ(autoencoderOfAFile.exitCode, 2);
    EXPECT_NE(autoencoderOfAFile.err.find("scores the VAE of a model folder"), std::string::npos)
        << autoencoderOfAFile.err;
    const auto lookInStage2 = runProcess({kCli, "train", "--stage", "2", "--base", bundled, "--out",
                                          (dir_ / "s2").string(), "--look", "vignette"});
    EXPECT_EQ(lookInStage2.exitCode, 1);
    EXPECT_NE(lookInStage2.err.find("--look is for stage 1"), std::string::npos)
        << lookInStage2.err;
    const auto vaeStepsInFineTune =
        runProcess({kCli, "train", "--stage", "1", "--base", bundled, "--out",
                    (dir_ / "s1b").string(), "--vae-steps", "100"});
    EXPECT_EQ(vaeStepsInFineTune.exitCode, 2);
    EXPECT_NE(vaeStepsInFineTune.err.find("keeps the base's VAE"), std::string::npos)
        << vaeStepsInFineTune.err;
    EXPECT_FALSE(fs::exists(dir_ / "s1b"));
    const auto unknownLook = runProcess(
        {kCli, "train", "--stage", "1", "--out", (dir_ / "s1").string(), "--look", "sepia"});
    EXPECT_EQ(unknownLook.exitCode, 2);
    EXPECT_NE(unknownLook.err.find("vignette"), std::string::npos) << unknownLook.err;
}

// Issue 21, point 5: `train --controlnet` writes a ControlNet the model's pipeline reads, and
// `eval --layout` scores the same off-centre layouts with and without it.
TEST_F(CliDemo, TrainsAControlNetAndEvalScoresLayoutsWithAndWithoutIt) {
    const std::string bundled = pipeline::bundledModelDir();
    if (bundled.empty() || pipeline::bundledModelFile("segmenter.safetensors").empty())
        GTEST_SKIP() << "no demo model with its segmenter in resources/demo-model";
    const std::string net = (dir_ / "control_test_canny.safetensors").string();
    const auto trained = runProcess({kCli, "train", "--controlnet", "canny", "--base", bundled,
                                     "--out", net, "--steps", "2", "--batch", "2"});
    ASSERT_EQ(trained.exitCode, 0) << trained.err;
    ASSERT_TRUE(fs::exists(net));
    // The same command with more steps continues the run; with another batch it is refused.
    const auto resumed = runProcess({kCli, "train", "--controlnet", "canny", "--base", bundled,
                                     "--out", net, "--steps", "3", "--batch", "2"});
    ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
    EXPECT_NE(resumed.out.find("(3 of 3 steps"), std::string::npos) << resumed.out;
    EXPECT_NE(resumed.out.find("resumed"), std::string::npos) << resumed.out;
    EXPECT_EQ(resumed.out.find("step 1/3"), std::string::npos) << resumed.out;
    const auto otherBatch = runProcess({kCli, "train", "--controlnet", "canny", "--base", bundled,
                                        "--out", net, "--steps", "4", "--batch", "4"});
    EXPECT_NE(otherBatch.exitCode, 0);
    EXPECT_NE(otherBatch.err.find("batch 2, not 4"), std::string::npos) << otherBatch.err;
    const auto evaluated = runProcess({kCli,        "eval",    "--layout", "canny",     "--model",
                                       bundled,     "--model", bundled,    "--control", "none",
                                       "--control", net,       "--label",  "without",   "--label",
                                       "with",      "--pairs", "1",        "--steps",   "2"});
    ASSERT_EQ(evaluated.exitCode, 0) << evaluated.err;
    EXPECT_NE(evaluated.out.find("| layout IoU |"), std::string::npos) << evaluated.out;
    for (const char* label : {"| without | 1 |", "| with | 1 |"}) {
        const std::size_t row = evaluated.out.find(label);
        ASSERT_NE(row, std::string::npos) << evaluated.out;
        const std::string line = evaluated.out.substr(row, evaluated.out.find('\n', row) - row);
        EXPECT_EQ(std::count(line.begin(), line.end(), '|'), 8) << line; // seven columns
    }

    const auto noLayout =
        runProcess({kCli, "eval", "--model", bundled, "--control", net, "--pairs", "1"});
    EXPECT_EQ(noLayout.exitCode, 2);
    EXPECT_NE(noLayout.err.find("--layout"), std::string::npos) << noLayout.err;
    const auto openpose = runProcess({kCli, "train", "--controlnet", "openpose", "--base", bundled,
                                      "--out", (dir_ / "control_x_openpose.safetensors").string()});
    EXPECT_EQ(openpose.exitCode, 2);
    EXPECT_NE(openpose.err.find("canny and depth only"), std::string::npos) << openpose.err;
    const auto unnamed = runProcess({kCli, "train", "--controlnet", "depth", "--base", bundled,
                                     "--out", (dir_ / "mine.safetensors").string()});
    EXPECT_EQ(unnamed.exitCode, 2);
    EXPECT_NE(unnamed.err.find("does not say 'depth'"), std::string::npos) << unnamed.err;
    EXPECT_FALSE(fs::exists(dir_ / "mine.safetensors"));
}

} // namespace
} // namespace deadiff::cli
