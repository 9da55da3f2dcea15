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

TEST(GenerateArgs, LoraAndFewStepFlagsMapOntoTheRequestFields) {
    Args args("generate", "");
    addRequestOptions(args);
    args.parse({"--prompt", "x", "--lora", "style.safetensors:0.6", "--lora", "/m/lcm.safetensors",
                "--lora", "dir:with:colons/a.safetensors", "--lora", "neg.safetensors:-1.5",
                "--sampler", "tcd", "--timestep-spacing", "trailing"});
    const GenerationRequest r = requestFromArgs(args);
    EXPECT_EQ(r.loras, (std::vector<LoraChoice>{{"style.safetensors", 0.6, {}},
                                                {"/m/lcm.safetensors", 1.0, {}},
                                                {"dir:with:colons/a.safetensors", 1.0, {}},
                                                {"neg.safetensors", -1.5, {}}}));
    EXPECT_EQ(r.sampler, SamplerKind::Tcd);
    EXPECT_EQ(r.timestepSpacing, TimestepSpacing::Trailing);

    Args bad("generate", "");
    addRequestOptions(bad);
    bad.parse({"--prompt", "x", "--timestep-spacing", "linspace"});
    EXPECT_THROW(requestFromArgs(bad), UsageError);
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

TEST(GenerateArgs, CacheIntervalMapsOntoTheRequestAndIsCheckedBeforeLoading) {
    Args args("generate", "");
    addRequestOptions(args);
    args.parse({"--prompt", "x", "--cache-interval", "3"});
    EXPECT_EQ(requestFromArgs(args).cacheInterval, 3);
    Args defaults("generate", "");
    addRequestOptions(defaults);
    defaults.parse({"--prompt", "x"});
    EXPECT_EQ(requestFromArgs(defaults).cacheInterval, 1);
    // A value past int is refused, not wrapped into range.
    const auto huge = runProcess({kCli, "generate", "--model", "/nonexistent.ckpt", "--prompt", "x",
                                  "--cache-interval", "4294967298"});
    EXPECT_EQ(huge.exitCode, 2);
    EXPECT_NE(huge.err.find("'cache_interval' must lie in [1, 10]"), std::string::npos) << huge.err;
}

TEST(GenerateArgs, MixNeedsTwoStyles) {
    for (const std::vector<std::string>& styles :
         {std::vector<std::string>{},
          {"--style", "a.png"},
          {"--style", "a.png", "--style", "b.png", "--style", "c.png"}}) {
        Args args("generate", "");
        addRequestOptions(args);
        std::vector<std::string> argv = {"--prompt", "x", "--mix", "0.7"};
        argv.insert(argv.end(), styles.begin(), styles.end());
        args.parse(argv);
        try {
            requestFromArgs(args);
            ADD_FAILURE() << "--mix with " << styles.size() / 2 << " styles was accepted";
        } catch (const UsageError& error) {
            EXPECT_NE(
                std::string(error.what())
                    .find("second of two --style images; " + std::to_string(styles.size() / 2)),
                std::string::npos)
                << error.what();
        }
    }
}

TEST(CliBinary, GenerateNeedsAPrompt) {
    const auto result = runProcess({kCli, "generate", "--model", "/nonexistent.ckpt"});
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_NE(result.err.find("'prompt' is required"), std::string::npos) << result.err;
}

TEST(GenerateArgs, OldControlNetFlagsReadAsOneControl) {
    Args args("generate", "");
    addRequestOptions(args);
    args.parse({"--prompt", "x", "--depth-from", "photo.jpg", "--depth-model", "midas.onnx",
                "--control", "control_sd15_depth.pth", "--control-scale", "0.6", "--control-start",
                "0.2", "--control-end", "0.7"});
    const GenerationRequest r = requestFromArgs(args);
    ASSERT_EQ(r.controls.size(), 1u);
    const control::ControlUnit& unit = r.controls[0];
    EXPECT_EQ(unit.hintFrom, "photo.jpg");
    EXPECT_EQ(unit.preprocess, control::Preprocessor::DepthMidas);
    EXPECT_EQ(unit.preprocessModel, "midas.onnx");
    EXPECT_EQ(unit.model, "control_sd15_depth.pth");
    EXPECT_DOUBLE_EQ(unit.scale, 0.6);
    EXPECT_DOUBLE_EQ(unit.start, 0.2);
    EXPECT_DOUBLE_EQ(unit.end, 0.7);
    EXPECT_TRUE(unit.hint.empty());

    Args defaults("generate", "");
    addRequestOptions(defaults);
    defaults.parse({"--prompt", "x"});
    EXPECT_TRUE(requestFromArgs(defaults).controls.empty());
}

// Each --control takes the hint flags that follow it, in command-line order.
TEST(GenerateArgs, SeveralControlNetsEachWithItsHint) {
    Args args("generate", "");
    addRequestOptions(args);
    args.parse({"--prompt",       "x",
                "--control",      "control_v11p_sd15_canny.pth:0.8",
                "--hint-from",    "photo.png",
                "--preprocess",   "canny:50:150",
                "--style",        "s.png",
                "--control",      "/m/depth.safetensors:0.5:0.1:0.6",
                "--control-type", "depth",
                "--hint",         "depth.png",
                "--control",      "c:\\odd:name.pth",
                "--hint",         "h.png"});
    const GenerationRequest r = requestFromArgs(args);
    ASSERT_EQ(r.controls.size(), 3u);
    EXPECT_EQ(r.controls[0].model, "control_v11p_sd15_canny.pth");
    EXPECT_DOUBLE_EQ(r.controls[0].scale, 0.8);
    EXPECT_EQ(r.controls[0].hintFrom, "photo.png");
    EXPECT_EQ(r.controls[0].preprocess, control::Preprocessor::Canny);
    EXPECT_EQ(r.controls[0].thresholdA, 50.0);
    EXPECT_EQ(r.controls[0].thresholdB, 150.0);
    EXPECT_FALSE(r.controls[0].type);
    EXPECT_EQ(r.controls[1].model, "/m/depth.safetensors");
    EXPECT_DOUBLE_EQ(r.controls[1].scale, 0.5);
    EXPECT_DOUBLE_EQ(r.controls[1].start, 0.1);
    EXPECT_DOUBLE_EQ(r.controls[1].end, 0.6);
    EXPECT_EQ(r.controls[1].type, control::ControlType::Depth);
    EXPECT_EQ(r.controls[1].hint, "depth.png");
    EXPECT_EQ(r.controls[2].model, "c:\\odd:name.pth"); // colons of the path stay
    EXPECT_DOUBLE_EQ(r.controls[2].scale, 1.0);
    EXPECT_NO_THROW(validate(r));

    const auto usageError = [](std::vector<std::string> argv) {
        Args bad("generate", "");
        addRequestOptions(bad);
        argv.insert(argv.begin(), {"--prompt", "x"});
        try {
            bad.parse(argv);
            requestFromArgs(bad);
        } catch (const UsageError& error) {
            return std::string(error.what());
        }
        return std::string();
    };
    EXPECT_NE(
        usageError({"--hint", "h.png", "--control", "c.pth"}).find("give --control PATH before it"),
        std::string::npos);
    EXPECT_NE(usageError({"--control", "c.pth:0.5:0.2"}).find("PATH:scale:start:end"),
              std::string::npos);
    EXPECT_NE(usageError({"--control", "c.pth", "--hint", "a.png", "--hint", "b.png"})
                  .find("'--hint' given twice for the ControlNet c.pth"),
              std::string::npos);
    EXPECT_NE(usageError({"--control", "c.pth", "--hint-from", "a.png", "--preprocess", "sobel"})
                  .find("'--preprocess' must be none, canny"),
              std::string::npos);
    EXPECT_NE(usageError({"--control", "a.pth", "--control", "b.pth", "--depth", "d.png"})
                  .find("describe one ControlNet"),
              std::string::npos);
    EXPECT_NE(usageError({"--control", "c.pth", "--control-type", "pose"}).find("openpose"),
              std::string::npos);
}

// Missing ControlNet inputs fail at once, naming the flag and the file, before any model load.
TEST(CliBinary, MissingControlNetInputsAreNamedBeforeLoading) {
    const auto noControl = runProcess({kCli, "generate", "--model", "/nonexistent/model.ckpt",
                                       "--prompt", "x", "--depth", "/nonexistent/depth.png"});
    EXPECT_EQ(noControl.exitCode, 2);
    EXPECT_NE(noControl.err.find("'controls[0].model' is required"), std::string::npos)
        << noControl.err;
    const auto missing =
        runProcess({kCli, "generate", "--model", "/nonexistent/model.ckpt", "--prompt", "x",
                    "--depth", "/nonexistent/depth.png", "--control", "/nonexistent/c.pth"});
    EXPECT_EQ(missing.exitCode, 2);
    EXPECT_NE(missing.err.find("'--control': no such file or model name: /nonexistent/c.pth"),
              std::string::npos)
        << missing.err;
    const auto hint =
        runProcess({kCli, "generate", "--model", "/nonexistent/model.ckpt", "--prompt", "x",
                    "--control", kCli, "--hint", "/nonexistent/hint.png"});
    EXPECT_EQ(hint.exitCode, 2);
    EXPECT_NE(hint.err.find("'--hint': no such file: /nonexistent/hint.png"), std::string::npos)
        << hint.err;
    const auto folder = runProcess({kCli, "generate", "--model", "/nonexistent/model.ckpt",
                                    "--prompt", "x", "--save-hint", "/nonexistent/hints"});
    EXPECT_EQ(folder.exitCode, 2);
    EXPECT_NE(folder.err.find("'--save-hint': no such folder"), std::string::npos) << folder.err;
}

} // namespace
} // namespace deadiff::cli
