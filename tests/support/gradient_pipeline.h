// A Pipeline test double for the GUI, batch and CLI tests: no model, just gradients. It walks
// `steps` sampler steps with a sleep each, reports StepInfo with a preview, honours cancellation
// before every step and can be told to fail. A shared probe lets tests see what happened on the
// worker thread. Qt-free (tests/ui/gradient_pipeline.h adds the GUI worker's factory).
#pragma once

#include "core/image/image_io.h"
#include "core/pipeline/pipeline.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace deadiff::testing {

struct GradientProbe {
    std::atomic<int> stepsCompleted{0};
    std::atomic<int> generateCalls{0};
    std::atomic<int> loads{0};
    std::atomic<bool> sawCancel{false};
    std::thread::id generateThread;
    std::atomic<int> stepMillis{20};
    // Non-empty: generate() throws std::runtime_error with this message.
    std::string failWith;
    // Decode the style references as the real pipeline does (an unreadable one throws),
    // counting the decodes.
    bool readReferences = false;
    std::atomic<int> referenceDecodes{0};
    // The options of the last load (tests/ui/gradient_pipeline.h's factory), under `mutex`.
    std::mutex mutex;
    LoadOptions lastLoad;
};

// Model paths containing this stand for a plain SD 1.5 model (no reference images).
inline constexpr const char* kPlainModelMarker = "plain";

// A procedural "sunset over hills" (so screenshots show something picture-like), blended with
// fixed noise: `clarity` 0 is pure noise, 1 the clean picture, like a denoising run.
inline cv::Mat gradientImage(int width, int height, double clarity, std::uint64_t seed = 0) {
    cv::Mat image(height, width, CV_8UC3);
    cv::Mat noise(height, width, CV_8UC3);
    cv::RNG rng(seed * 2654435761ULL + 1);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 256);
    const double hue = static_cast<double>(seed % 97) / 97.0;
    for (int y = 0; y < height; ++y) {
        auto* row = image.ptr<cv::Vec3b>(y);
        const auto* noiseRow = noise.ptr<cv::Vec3b>(y);
        for (int x = 0; x < width; ++x) {
            const double u = static_cast<double>(x) / std::max(1, width - 1);
            const double v = static_cast<double>(y) / std::max(1, height - 1);
            double r = 250 - 120 * v, g = 150 - 90 * v + 40 * hue, b = 90 + 110 * v;
            const double sun = std::hypot(u - 0.62, v - 0.42);
            if (sun < 0.12) {
                r = 255;
                g = 225;
                b = 150;
            }
            const double ridge =
                0.62 + 0.06 * std::sin(9.0 * u + 6.0 * hue) + 0.03 * std::sin(23 * u);
            if (v > ridge) {
                r = 60 - 30 * v;
                g = 40 + 20 * hue;
                b = 70 + 10 * v;
            }
            const double c = std::clamp(clarity, 0.0, 1.0);
            const auto mixed = [&](double clean, int channel) {
                return static_cast<uchar>(
                    std::clamp(c * clean + (1 - c) * noiseRow[x][channel], 0.0, 255.0));
            };
            row[x] = cv::Vec3b(mixed(r, 0), mixed(g, 1), mixed(b, 2));
        }
    }
    return image;
}

class GradientPipeline : public Pipeline {
public:
    // `dtype`: what the "model" computes in (Auto: float32, as on a CPU without bfloat16);
    // `nativeSide`: the size it says it was trained at.
    GradientPipeline(std::string path, std::shared_ptr<GradientProbe> probe,
                     ComputeDtype dtype = ComputeDtype::Auto, int nativeSide = 512)
        : probe_(std::move(probe)) {
        facts_.modelPath = std::move(path);
        facts_.autoDtype = ComputeDtype::Float32; // as the demo model says
        facts_.computeDtype = resolveComputeDtype(dtype, facts_.autoDtype);
        facts_.nativeImageSize = nativeSide;
        facts_.referenceImages = facts_.modelPath.find(kPlainModelMarker) == std::string::npos;
    }
    // As loaded with `options`: base and VAE recorded like the real pipeline's.
    GradientPipeline(const LoadOptions& options, std::shared_ptr<GradientProbe> probe,
                     int nativeSide = 512)
        : GradientPipeline(options.model, std::move(probe), options.dtype, nativeSide) {
        facts_.base = options.base;
        facts_.baseEma = options.baseEma;
        facts_.vae = options.vae;
        facts_.loras = options.loras;
        for (const LoraChoice& lora : options.loras) // as nn::describeLora starts its line
            facts_.loraNotes.push_back(std::filesystem::path(lora.path).stem().string() +
                                       ": merged by the double");
    }

    const ModelFacts& facts() const override { return facts_; }

    GenerationResult generate(const GenerationRequest& asked,
                              GenerationObserver* observer) override {
        ++probe_->generateCalls;
        probe_->generateThread = std::this_thread::get_id();
        validate(asked);
        if (!facts_.referenceImages && !asked.styles.empty())
            throw RequestError("styles", "needs a DEADiff model");
        const GenerationRequest request = resolveRequest(asked, facts_);
        if (observer)
            observer->onStarted(request);
        if (observer)
            observer->onStage("Encoding prompt");
        if (!probe_->failWith.empty())
            throw std::runtime_error(probe_->failWith);
        if (probe_->readReferences)
            for (const StyleReference& style : request.styles) {
                image::readImageRgb(style.path); // throws naming the file
                ++probe_->referenceDecodes;
            }
        const auto start = std::chrono::steady_clock::now();
        auto last = start;
        for (int step = 0; step < request.steps; ++step) {
            if (observer && observer->cancelled()) {
                probe_->sawCancel = true;
                throw CancelledError();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(probe_->stepMillis.load()));
            const auto now = std::chrono::steady_clock::now();
            StepInfo info;
            info.step = step;
            info.totalSteps = request.steps;
            info.timestep = 999 - step * (1000 / request.steps);
            info.elapsedSeconds = std::chrono::duration<double>(now - start).count();
            info.stepSeconds = std::chrono::duration<double>(now - last).count();
            info.noiseLevel = 14.6 * (1.0 - static_cast<double>(step) / request.steps);
            info.change = 1.0 / (1.0 + step);
            const int every = observer ? observer->fullDecodeEvery() : 0;
            info.previewIsFullDecode = every > 0 && (step + 1) % every == 0;
            if (observer && observer->wantsPreviews())
                info.previews.push_back(gradientImage(request.width / 2, request.height / 2,
                                                      static_cast<double>(step + 1) / request.steps,
                                                      request.seed.value_or(0)));
            last = now;
            ++probe_->stepsCompleted;
            if (observer)
                observer->onStep(info);
        }
        if (observer)
            observer->onStage("Decoding image");
        GenerationResult result;
        result.request = request;
        for (int i = 0; i < request.batch; ++i)
            result.images.push_back(
                gradientImage(request.width, request.height, 1.0, request.seed.value_or(0) + i));
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return result;
    }

private:
    ModelFacts facts_;
    std::shared_ptr<GradientProbe> probe_;
};

} // namespace deadiff::testing
