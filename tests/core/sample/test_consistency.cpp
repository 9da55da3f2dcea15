// LCM and TCD steps and the trailing timestep spacing against a transcription of diffusers'
// LCMScheduler, TCDScheduler, DDIMScheduler and EulerAncestralDiscreteScheduler
// (tests/fixtures/sample/consistency_reference.py; its output is the committed
// consistency_reference.safetensors), step for step, plus hand-checked values and refusals.
#include "core/io/safetensors.h"
#include "core/sample/consistency.h"
#include "core/sample/sampler.h"
#include "core/sample/sigmas.h"
#include "core/sample/timestep_spacing.h"
#include "tests/support/ckpt_writer.h"
#include "tests/support/python_reference.h"

#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

namespace deadiff::sample {
namespace {

const char* kScript = "sample/consistency_reference.py";

const io::SafetensorsFile& reference() {
    static const io::SafetensorsFile file =
        io::SafetensorsFile::open(test::fixturePath("sample/consistency_reference.safetensors"));
    return file;
}

torch::Tensor fixture(const std::string& name) {
    return reference().tensor(name);
}

std::vector<std::int64_t> longs(const torch::Tensor& tensor) {
    const torch::Tensor values = tensor.to(torch::kLong).contiguous();
    return {values.data_ptr<std::int64_t>(), values.data_ptr<std::int64_t>() + values.numel()};
}

double relativeError(const torch::Tensor& ours, const torch::Tensor& theirs) {
    const torch::Tensor a = ours.to(torch::kDouble), b = theirs.to(torch::kDouble);
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item<double>();
}

// The reference's model: the exact ε of x0 ~ N(mu, s²) per channel, evaluated in float64.
torch::Tensor gaussianEps(const torch::Tensor& alphasCumprod, const torch::Tensor& x,
                          std::int64_t t) {
    const torch::Tensor mu =
        torch::tensor({0.5, -1.0, 0.0, 2.0}, torch::kDouble).reshape({1, 4, 1, 1});
    const torch::Tensor s =
        torch::tensor({0.1, 0.5, 1.0, 0.3}, torch::kDouble).reshape({1, 4, 1, 1});
    const double a = alphasCumprod[t].item<double>();
    const torch::Tensor xd = x.to(torch::kDouble);
    const torch::Tensor meanX0 =
        mu + s * s * std::sqrt(a) / (a * s * s + 1 - a) * (xd - std::sqrt(a) * mu);
    return ((xd - std::sqrt(a) * meanX0) / std::sqrt(1 - a)).to(torch::kFloat);
}

enum class Kind { Lcm, Tcd, DdimTrailing };

// Replays the reference's run `name` step by step: each of our steps starts from the reference's
// input and must give its output; then a free run (our outputs fed forward, our model, our
// generator seeded like the reference's) must end where the reference ended.
void replay(const std::string& name, Kind kind, double gamma, std::uint64_t seed) {
    const torch::Tensor alphas = fixture("alphas_cumprod");
    std::vector<std::int64_t> timesteps;
    for (int i = 0; reference().find(name + "." + std::to_string(i) + ".t"); ++i)
        timesteps.push_back(longs(fixture(name + "." + std::to_string(i) + ".t"))[0]);
    ASSERT_FALSE(timesteps.empty()) << name;
    const auto steps = static_cast<std::int64_t>(timesteps.size());

    const auto step = [&](std::size_t i, const torch::Tensor& x, const torch::Tensor& eps,
                          const torch::Tensor& noise) {
        const bool last = i + 1 == timesteps.size();
        const std::optional<std::int64_t> next =
            last ? std::nullopt : std::optional<std::int64_t>(timesteps[i + 1]);
        switch (kind) {
        case Kind::Lcm:
            return lcmStep(alphas, timesteps[i], next, x, eps, noise);
        case Kind::Tcd:
            return tcdStep(alphas, timesteps[i], next, gamma, x, eps, noise);
        case Kind::DdimTrailing:
            break;
        }
        const DdimUpdate update =
            ddimUpdate(alphas, timesteps[i], ddimPreviousTimestep(timesteps[i], steps), x, eps);
        return ConsistencyStep{update.x, update.predictedX0};
    };

    for (std::size_t i = 0; i < timesteps.size(); ++i) {
        const std::string prefix = name + "." + std::to_string(i) + ".";
        const torch::Tensor noise =
            reference().find(prefix + "noise") ? fixture(prefix + "noise") : torch::Tensor();
        const ConsistencyStep ours =
            step(i, fixture(prefix + "x_in"), fixture(prefix + "eps"), noise);
        EXPECT_LE(relativeError(ours.x, fixture(prefix + "x")), 1e-6) << prefix << "x";
        EXPECT_LE(relativeError(ours.predictedX0, fixture(prefix + "x0")), 1e-6) << prefix << "x0";
        // Our model is the reference's.
        EXPECT_LE(relativeError(gaussianEps(alphas, fixture(prefix + "x_in"), timesteps[i]),
                                fixture(prefix + "eps")),
                  1e-6)
            << prefix << "eps";
    }

    // Free run: diffusers draws x_T and then each step's noise from one generator.
    torch::Generator generator = at::detail::createCPUGenerator(seed);
    torch::Tensor x = torch::randn({2, 4, 3, 3}, generator);
    EXPECT_TRUE(torch::equal(x, fixture(name + ".x_T"))) << "x_T from the seeded generator";
    for (std::size_t i = 0; i < timesteps.size(); ++i) {
        const bool last = i + 1 == timesteps.size();
        const bool takesNoise = kind == Kind::Lcm   ? lcmStepTakesNoise(last)
                                : kind == Kind::Tcd ? tcdStepTakesNoise(last, gamma)
                                                    : false;
        const std::string prefix = name + "." + std::to_string(i) + ".";
        ASSERT_EQ(takesNoise, reference().find(prefix + "noise") != nullptr) << prefix;
        const torch::Tensor noise =
            takesNoise ? torch::randn(x.sizes(), generator) : torch::Tensor();
        if (takesNoise) {
            EXPECT_TRUE(torch::equal(noise, fixture(prefix + "noise"))) << prefix << "noise";
        }
        x = step(i, x, gaussianEps(alphas, x, timesteps[i]), noise).x;
    }
    EXPECT_LE(relativeError(x, fixture(name + "." + std::to_string(steps - 1) + ".x")), 1e-5)
        << name << " free run";
}

TEST(ConsistencyReference, ScriptReproducesTheCommittedFixture) {
    DEADIFF_REQUIRE_PYTHON_TORCH(kScript);
    const auto out = std::filesystem::temp_directory_path() /
                     ("deadiff_consistency_" + std::to_string(::getpid()) + ".safetensors");
    test::runPythonReference(kScript, {out.string()});
    const io::SafetensorsFile fresh = io::SafetensorsFile::open(out.string());
    ASSERT_EQ(fresh.tensors().size(), reference().tensors().size());
    // Exact for integers; floats may differ in the last bit on another CPU's kernels.
    for (const io::TensorInfo& info : reference().tensors())
        EXPECT_LE(relativeError(fresh.tensor(info.name), reference().tensor(info)), 1e-6)
            << info.name;
    std::filesystem::remove(out);
}

TEST(ConsistencyReference, OurScheduleIsDiffusersScheduleToFloatPrecision) {
    // The reference steps with diffusers' float32 ᾱ; ours comes from float64 (LDM).
    EXPECT_LE(relativeError(scaledLinearAlphasCumprod(), fixture("alphas_cumprod")), 1e-6);
}

TEST(Lcm, TimestepsAreDiffusers) {
    int checked = 0;
    for (const io::TensorInfo& info : reference().tensors()) {
        const std::string prefix = "lcm_timesteps.";
        if (info.name.compare(0, prefix.size(), prefix) != 0)
            continue;
        int steps = 0, original = 0, strength = 0;
        ASSERT_EQ(
            std::sscanf(info.name.c_str(), "lcm_timesteps.%d.%d.%d", &steps, &original, &strength),
            3);
        EXPECT_EQ(consistencyTimesteps(steps, original, strength / 100.0),
                  longs(reference().tensor(info)))
            << info.name;
        ++checked;
    }
    EXPECT_GE(checked, 9);
    // By hand: 4 of 19, 39, ..., 999 reversed at indices 0, 12, 25, 37.
    EXPECT_EQ(consistencyTimesteps(4), (std::vector<std::int64_t>{999, 759, 499, 259}));
    EXPECT_THROW(consistencyTimesteps(51), std::runtime_error);
    EXPECT_THROW(consistencyTimesteps(0), std::runtime_error);
    EXPECT_THROW(consistencyTimesteps(4, 50, 0.05), std::runtime_error); // 2 timesteps left
}

TEST(Lcm, BoundaryScalingsMakeTheModelExactAtZero) {
    const BoundaryScalings zero = lcmBoundaryScalings(0);
    EXPECT_EQ(zero.skip, 1.0);
    EXPECT_EQ(zero.out, 0.0);
    const BoundaryScalings late = lcmBoundaryScalings(999);
    EXPECT_NEAR(late.skip, 0.25 / (9990.0 * 9990.0 + 0.25), 1e-18);
    EXPECT_NEAR(late.out, 9990.0 / std::sqrt(9990.0 * 9990.0 + 0.25), 1e-15);
}

TEST(Lcm, FourStepsAndOneStepMatchDiffusersStepForStep) {
    replay("lcm4", Kind::Lcm, 0.0, 46);
    replay("lcm1", Kind::Lcm, 0.0, 43);
}

TEST(Lcm, RefusesToDrawWithoutNoiseBeforeTheLastStep) {
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    const torch::Tensor x = torch::ones({1, 4, 2, 2});
    EXPECT_THROW(lcmStep(alphas, 999, 759, x, x, torch::Tensor()), std::runtime_error);
    EXPECT_NO_THROW(lcmStep(alphas, 259, std::nullopt, x, x, torch::Tensor()));
    EXPECT_THROW(lcmStep(alphas, 1000, std::nullopt, x, x, torch::Tensor()), std::runtime_error);
}

TEST(Tcd, MatchesDiffusersForSeveralGammas) {
    replay("tcd4_gamma3", Kind::Tcd, 0.3, 7);
    replay("tcd4_gamma0", Kind::Tcd, 0.0, 7);
    replay("tcd4_gamma10", Kind::Tcd, 1.0, 7);
}

TEST(Tcd, GammaZeroIsDeterministicAndOutOfRangeGammaIsRefused) {
    const torch::Tensor alphas = scaledLinearAlphasCumprod();
    const torch::Tensor x = torch::ones({1, 4, 2, 2});
    EXPECT_FALSE(tcdStepTakesNoise(false, 0.0));
    EXPECT_TRUE(tcdStepTakesNoise(false, SamplerSettings{}.tcdGamma));
    EXPECT_FALSE(tcdStepTakesNoise(true, SamplerSettings{}.tcdGamma));
    EXPECT_NO_THROW(tcdStep(alphas, 999, 759, 0.0, x, x, torch::Tensor()));
    EXPECT_THROW(tcdStep(alphas, 999, 759, 1.5, x, x, torch::Tensor()), std::runtime_error);
    EXPECT_THROW(tcdStep(alphas, 999, 759, 0.3, x, x, torch::Tensor()), std::runtime_error);
}

TEST(TrailingSpacing, TimestepsAndSigmasAreDiffusers) {
    const std::vector<double> discrete = discreteSigmas(scaledLinearAlphasCumprod());
    for (const int steps : {1, 2, 3, 4, 6, 7, 8, 16, 25, 50}) {
        const std::string suffix = std::to_string(steps);
        EXPECT_EQ(trailingTimesteps(steps), longs(fixture("trailing_timesteps." + suffix)))
            << steps;
        const std::vector<double> sigmas = trailingSigmas(steps, discrete);
        const torch::Tensor theirs = fixture("trailing_sigmas." + suffix);
        ASSERT_EQ(static_cast<std::int64_t>(sigmas.size()), theirs.numel()) << steps;
        for (std::size_t i = 0; i < sigmas.size(); ++i)
            EXPECT_NEAR(sigmas[i], theirs[static_cast<std::int64_t>(i)].item<double>(),
                        1e-6 * (1 + sigmas[i]))
                << steps << " step " << i;
    }
    // By hand: the grid starts at T − 1 and halves round to even (S = 16: 937.5 -> 938 − 1).
    EXPECT_EQ(trailingTimesteps(4), (std::vector<std::int64_t>{999, 749, 499, 249}));
    EXPECT_EQ(trailingTimesteps(16)[1], 937);
    EXPECT_THROW(trailingTimesteps(0), std::runtime_error);
}

TEST(TrailingSpacing, DdimStepsMatchDiffusers) {
    replay("ddim_trailing4", Kind::DdimTrailing, 0.0, 11);
    EXPECT_EQ(ddimPreviousTimestep(249, 4), -1);
}

TEST(TrailingSpacing, NamesParse) {
    EXPECT_EQ(enumFromName<TimestepSpacing>("leading"), TimestepSpacing::Leading);
    EXPECT_EQ(enumFromName<TimestepSpacing>("trailing"), TimestepSpacing::Trailing);
    EXPECT_EQ(enumFromName<TimestepSpacing>("linspace"), std::nullopt);
    EXPECT_STREQ(nameOf(TimestepSpacing::Trailing), "trailing");
}

// The seam: sample::run with the request's seed, from the reference's x_T (the draw the pipeline
// makes with that seed), reports every step of the reference's free run.
void runThroughTheSeam(const std::string& name, SamplerSettings settings) {
    const torch::Tensor alphas = fixture("alphas_cumprod");
    const torch::Tensor xT = fixture(name + ".x_T");
    std::vector<StepInfo> steps;
    const torch::Tensor result = run(
        settings, alphas, xT,
        [&](const torch::Tensor& x, std::int64_t t, std::int64_t step) {
            EXPECT_EQ(step, static_cast<std::int64_t>(steps.size()));
            return gaussianEps(alphas, x, t);
        },
        [&](const StepInfo& info) {
            steps.push_back(info);
            return true;
        });
    ASSERT_EQ(static_cast<std::int64_t>(steps.size()), settings.steps) << name;
    EXPECT_EQ(plannedSteps(settings, alphas), settings.steps);
    for (const StepInfo& info : steps) {
        const std::string prefix = name + "." + std::to_string(info.step) + ".";
        EXPECT_EQ(info.total, settings.steps);
        EXPECT_EQ(info.timestep, longs(fixture(prefix + "t"))[0]) << prefix;
        EXPECT_LE(relativeError(info.x, fixture(prefix + "x")), 1e-5) << prefix << "x";
        EXPECT_LE(relativeError(info.predictedX0, fixture(prefix + "x0")), 1e-5) << prefix;
        const double alpha = alphas[info.timestep].item<double>();
        EXPECT_NEAR(info.sigma, std::sqrt((1 - alpha) / alpha), 1e-9 * info.sigma);
    }
    EXPECT_EQ(steps.back().sigmaNext, 0.0);
    EXPECT_TRUE(torch::equal(result, steps.back().x));
}

TEST(SamplerSeam, LcmAndTcdRunStepForStepAsDiffusers) {
    runThroughTheSeam("lcm4", {SamplerKind::Lcm, 4, 46});
    runThroughTheSeam("lcm1", {SamplerKind::Lcm, 1, 43});
    SamplerSettings tcd{SamplerKind::Tcd, 4, 7};
    for (const auto& [name, gamma] : {std::pair<const char*, double>{"tcd4_gamma3", 0.3},
                                      {"tcd4_gamma0", 0.0},
                                      {"tcd4_gamma10", 1.0}}) {
        tcd.tcdGamma = gamma;
        runThroughTheSeam(name, tcd);
    }
    SamplerSettings ddim{SamplerKind::Ddim, 4, 11};
    ddim.spacing = TimestepSpacing::Trailing;
    runThroughTheSeam("ddim_trailing4", ddim);
}

TEST(SamplerSeam, AnotherSeedDrawsOtherNoiseAndCancellingStopsAtTheStep) {
    const torch::Tensor alphas = fixture("alphas_cumprod");
    const torch::Tensor xT = fixture("lcm4.x_T");
    const Denoiser denoise = [&](const torch::Tensor& x, std::int64_t t, std::int64_t) {
        return gaussianEps(alphas, x, t);
    };
    const torch::Tensor seeded = run({SamplerKind::Lcm, 4, 46}, alphas, xT, denoise);
    EXPECT_FALSE(torch::allclose(run({SamplerKind::Lcm, 4, 47}, alphas, xT, denoise), seeded));
    EXPECT_TRUE(torch::equal(run({SamplerKind::Lcm, 4, 46}, alphas, xT, denoise), seeded));
    int calls = 0;
    const torch::Tensor stopped =
        run({SamplerKind::Lcm, 4, 46}, alphas, xT, denoise, [&](const StepInfo& info) {
            ++calls;
            return info.step < 1;
        });
    EXPECT_EQ(calls, 2);
    EXPECT_LE(relativeError(stopped, fixture("lcm4.1.x")), 1e-5);
}

TEST(SamplerSeam, RefusesTrailingSpacingWhereItDoesNotApplyAndTooManyLcmSteps) {
    const torch::Tensor alphas = fixture("alphas_cumprod");
    const torch::Tensor xT = fixture("lcm4.x_T");
    const Denoiser denoise = [](const torch::Tensor& x, std::int64_t, std::int64_t) { return x; };
    for (const SamplerKind kind : {SamplerKind::Lcm, SamplerKind::Tcd, SamplerKind::DpmPp2m}) {
        SamplerSettings settings{kind, 4, 1};
        settings.spacing = TimestepSpacing::Trailing;
        EXPECT_THROW(run(settings, alphas, xT, denoise), std::runtime_error) << nameOf(kind);
    }
    EXPECT_THROW(run({SamplerKind::Lcm, kConsistencyOriginalSteps + 1, 1}, alphas, xT, denoise),
                 std::runtime_error);
    EXPECT_STREQ(a1111SamplerName(SamplerKind::Lcm), "LCM");
    EXPECT_STREQ(a1111SamplerName(SamplerKind::Tcd), "TCD");
}

} // namespace
} // namespace deadiff::sample
