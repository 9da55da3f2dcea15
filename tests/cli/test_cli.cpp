#include "app/cli/args.h"
#include "app/cli/progress.h"
#include "app/cli/request_args.h"
#include "tests/support/process.h"

#include "core/build_config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace deadiff::cli {
namespace {

using test::runProcess;

const std::string kCli = DEADIFF_CLI_EXE;

TEST(CliBinary, PrintsVersion) {
    const auto result = runProcess({kCli, "--version"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out, std::string("deadiff ") + DEADIFF_VERSION_STRING + "\n");
}

TEST(CliBinary, VerboseVersionDiagnosesTheRuntime) {
    const auto result = runProcess({kCli, "--version", "--verbose"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    for (const char* needle : {"LibTorch:", "Threads:", "bfloat16:", "BLAS:", "sgemm:"})
        EXPECT_NE(result.out.find(needle), std::string::npos) << needle << "\n" << result.out;
    // The threads line reports what configureThreads() set: every hardware thread.
    const std::string expected =
        "Threads:    " + std::to_string(std::max(1u, std::thread::hardware_concurrency()));
    EXPECT_NE(result.out.find(expected), std::string::npos) << result.out;
}

TEST(CliBinary, HelpListsCommands) {
    const auto result = runProcess({kCli, "--help"});
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_NE(result.out.find("Usage: deadiff <command>"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("version"), std::string::npos) << result.out;
}

TEST(CliBinary, NoArgumentsPrintsUsageAndFails) {
    const auto result = runProcess({kCli});
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_NE(result.err.find("Usage:"), std::string::npos) << result.err;
}

TEST(CliBinary, UnknownCommandFailsClearly) {
    const auto result = runProcess({kCli, "frobnicate"});
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_TRUE(result.out.empty()) << result.out;
    EXPECT_NE(result.err.find("unknown command 'frobnicate'"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("deadiff --help"), std::string::npos) << result.err;
}

TEST(CliBinary, UnknownOptionNamesItAndTheCommand) {
    const auto result = runProcess({kCli, "version", "--bogus"});
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_NE(result.err.find("deadiff version: unknown option '--bogus'"), std::string::npos)
        << result.err;
}

TEST(CliBinary, CommandHelp) {
    const auto viaFlag = runProcess({kCli, "version", "--help"});
    const auto viaHelp = runProcess({kCli, "help", "version"});
    EXPECT_EQ(viaFlag.exitCode, 0);
    EXPECT_NE(viaFlag.out.find("Usage: deadiff version"), std::string::npos) << viaFlag.out;
    EXPECT_EQ(viaFlag.out, viaHelp.out);
}

Args makeArgs() {
    Args args("demo [options] FILE [OUT]", "Demo.");
    args.flag("--verbose", "talk")
        .option("--steps", "N", "steps", "50")
        .option("--cfg", "F", "guidance")
        .repeatable("--style", "PATH", "a reference")
        .positional("FILE", "input")
        .positional("OUT", "output", false);
    return args;
}

TEST(Args, ParsesOptionsFlagsAndPositionals) {
    Args args = makeArgs();
    args.parse({"in.ckpt", "--steps", "30", "--style", "a.png", "--style=b.png", "--verbose",
                "--cfg=7.5", "out.png"});
    EXPECT_TRUE(args.has("--verbose"));
    EXPECT_EQ(args.integer("--steps"), 30);
    EXPECT_DOUBLE_EQ(args.number("--cfg"), 7.5);
    EXPECT_EQ(args.values("--style"), (std::vector<std::string>{"a.png", "b.png"}));
    EXPECT_EQ(args.positionalValue("FILE"), "in.ckpt");
    EXPECT_EQ(args.positionalValue("OUT"), "out.png");
}

TEST(Args, DefaultsApplyWhenAbsent) {
    Args args = makeArgs();
    args.parse({"in.ckpt"});
    EXPECT_EQ(args.integer("--steps"), 50);
    EXPECT_FALSE(args.has("--steps"));
    EXPECT_FALSE(args.has("--verbose"));
    EXPECT_TRUE(args.positionalValue("OUT").empty());
}

TEST(Args, ErrorsNameTheProblem) {
    const auto errorOf = [](std::vector<std::string> argv) {
        Args args = makeArgs();
        try {
            args.parse(argv);
            (void)args.integer("--steps");
        } catch (const UsageError& error) {
            return std::string(error.what());
        }
        return std::string();
    };
    EXPECT_EQ(errorOf({}), "missing FILE");
    EXPECT_EQ(errorOf({"a", "b", "c"}), "unexpected argument 'c'");
    EXPECT_EQ(errorOf({"a", "--steps"}), "option '--steps' needs a value (N)");
    EXPECT_EQ(errorOf({"a", "--steps", "1", "--steps", "2"}),
              "option '--steps' given more than once");
    EXPECT_EQ(errorOf({"a", "--steps", "ten"}), "option '--steps' expects an integer, got 'ten'");
    EXPECT_EQ(errorOf({"a", "--verbose=1"}), "option '--verbose' takes no value");
    EXPECT_EQ(errorOf({"a", "--nope"}), "unknown option '--nope'");
}

TEST(Args, HelpSkipsRequiredChecksAndDescribesOptions) {
    Args args = makeArgs();
    args.parse({"--help"});
    EXPECT_TRUE(args.helpRequested());
    const std::string help = args.help();
    EXPECT_NE(help.find("Usage: deadiff demo [options] FILE [OUT]"), std::string::npos) << help;
    EXPECT_NE(help.find("--steps N"), std::string::npos) << help;
    EXPECT_NE(help.find("[default: 50]"), std::string::npos) << help;
    EXPECT_NE(help.find("(repeatable)"), std::string::npos) << help;
}

TEST(Args, DoubleDashEndsOptions) {
    Args args = makeArgs();
    args.parse({"--", "--weird-name.ckpt"});
    EXPECT_EQ(args.positionalValue("FILE"), "--weird-name.ckpt");
}

TEST(Progress, RendersBarCountRateAndEta) {
    EXPECT_EQ(ProgressBar::render(0, 50, -1, "", 10), "[----------] 0/50");
    EXPECT_EQ(ProgressBar::render(25, 50, 50.0, "t=501", 10),
              "[#####-----] 25/50  2.00 s/it  ETA 0:50  t=501");
    EXPECT_EQ(ProgressBar::render(50, 50, 3725.0, "", 4), "[####] 50/50  74.50 s/it  ETA 0:00");
    EXPECT_EQ(formatDuration(3725), "1:02:05");
}

TEST(GenerateArgs, FlagsMapOntoTheRequestFields) {
    Args args("generate", "");
    addRequestOptions(args);
    args.parse({"--prompt",
                "a cat",
                "--style",
                "a.png",
                "--style",
                "b.png",
                "--mix",
                "0.3",
                "--seed",
                "42",
                "--steps",
                "30",
                "--cfg",
                "8",
                "--width",
                "640",
                "--image-weight",
                "0.5",
                "--negative-prompt",
                "blurry",
                "--mode",
                "both",
                "--content",
                "c.png"});
    const GenerationRequest r = requestFromArgs(args);
    EXPECT_EQ(r.prompt, "a cat");
    ASSERT_EQ(r.styles.size(), 2u);
    EXPECT_EQ(r.styles[1].path, "b.png");
    EXPECT_EQ(r.mix, 0.3);
    EXPECT_EQ(r.seed, std::optional<std::uint64_t>(42));
    EXPECT_EQ(r.steps, 30);
    EXPECT_DOUBLE_EQ(r.cfg, 8.0);
    EXPECT_EQ(r.width, 640);
    EXPECT_EQ(r.height, 512);
    EXPECT_DOUBLE_EQ(r.imageWeight, 0.5);
    EXPECT_EQ(r.negativePrompt, "blurry");
    EXPECT_EQ(r.mode, ReferenceMode::Both);
    EXPECT_EQ(r.content, "c.png");
    EXPECT_TRUE(r.base.empty());
    EXPECT_FALSE(r.baseEma);

    Args parts("generate", "");
    addRequestOptions(parts);
    parts.parse({"--prompt", "x", "--model", "deadiff.ckpt", "--base", "anime.safetensors",
                 "--base-ema", "--vae", "vae-ft-mse.safetensors"});
    const GenerationRequest p = requestFromArgs(parts);
    EXPECT_EQ(p.base, "anime.safetensors");
    EXPECT_TRUE(p.baseEma);
    EXPECT_EQ(p.vae, "vae-ft-mse.safetensors");
    const LoadOptions load = loadOptionsFor(p, {});
    EXPECT_EQ(load.model, "deadiff.ckpt");
    EXPECT_EQ(load.base, "anime.safetensors");
    EXPECT_TRUE(load.baseEma);
    EXPECT_EQ(load.vae, "vae-ft-mse.safetensors");

    Args defaults("generate", "");
    addRequestOptions(defaults);
    defaults.parse({"--prompt", "x", "--seed", "-1"});
    const GenerationRequest d = requestFromArgs(defaults);
    EXPECT_FALSE(d.seed.has_value());
    EXPECT_EQ(d.negativePrompt, kOfficialNegativePrompt);
    EXPECT_EQ(d.steps, 50);
}

TEST(GenerateArgs, OutputPathsFollowTheConvention) {
    EXPECT_EQ(outputPaths("", 7, 1), std::vector<std::string>{"deadiff-7.png"});
    EXPECT_EQ(outputPaths("out/x.png", 7, 1), std::vector<std::string>{"out/x.png"});
    EXPECT_EQ(outputPaths("out/x.png", 7, 2),
              (std::vector<std::string>{"out/x-0.png", "out/x-1.png"}));
}

TEST(CliBinary, GenerateRejectsABadSizeBeforeLoadingAnything) {
    const auto result = runProcess(
        {kCli, "generate", "--model", "/nonexistent.ckpt", "--prompt", "x", "--height", "100"});
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_NE(result.err.find("'height' must be a multiple of 64"), std::string::npos)
        << result.err;
}

TEST(CliBinary, GenerateNeedsAPrompt) {
    const auto result = runProcess({kCli, "generate", "--model", "/nonexistent.ckpt"});
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_NE(result.err.find("'prompt' is required"), std::string::npos) << result.err;
}

TEST(GenerateArgs, ControlNetFlagsMapOntoTheRequestFields) {
    Args args("generate", "");
    addRequestOptions(args);
    args.parse({"--prompt", "x", "--depth-from", "photo.jpg", "--depth-model", "midas.onnx",
                "--control", "control_sd15_depth.pth", "--control-scale", "0.6", "--control-start",
                "0.2", "--control-end", "0.7"});
    const GenerationRequest r = requestFromArgs(args);
    EXPECT_EQ(r.depthFrom, "photo.jpg");
    EXPECT_EQ(r.depthModel, "midas.onnx");
    EXPECT_EQ(r.control, "control_sd15_depth.pth");
    EXPECT_DOUBLE_EQ(r.controlScale, 0.6);
    EXPECT_DOUBLE_EQ(r.controlStart, 0.2);
    EXPECT_DOUBLE_EQ(r.controlEnd, 0.7);
    EXPECT_TRUE(r.depth.empty());

    Args defaults("generate", "");
    addRequestOptions(defaults);
    defaults.parse({"--prompt", "x"});
    const GenerationRequest d = requestFromArgs(defaults);
    EXPECT_DOUBLE_EQ(d.controlScale, 1.0);
    EXPECT_DOUBLE_EQ(d.controlStart, 0.0);
    EXPECT_DOUBLE_EQ(d.controlEnd, 1.0);
}

// Missing ControlNet inputs fail at once, naming the flag and the file, before any model load.
TEST(CliBinary, MissingDepthInputsAreNamedBeforeLoading) {
    const auto noControl = runProcess({kCli, "generate", "--model", "/nonexistent/model.ckpt",
                                       "--prompt", "x", "--depth", "/nonexistent/depth.png"});
    EXPECT_NE(noControl.exitCode, 0);
    EXPECT_NE(noControl.err.find("'control' is required"), std::string::npos) << noControl.err;
    const auto missing =
        runProcess({kCli, "generate", "--model", "/nonexistent/model.ckpt", "--prompt", "x",
                    "--depth", "/nonexistent/depth.png", "--control", "/nonexistent/c.pth"});
    EXPECT_NE(missing.exitCode, 0);
    EXPECT_NE(missing.err.find("'--depth': no such file: /nonexistent/depth.png"),
              std::string::npos)
        << missing.err;
}

} // namespace
} // namespace deadiff::cli
