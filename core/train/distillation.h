// What `deadiff train --lcm`, `--taesd` and `--controlnet` share: opening the model folder they
// the step bookkeeping of their loops (progress, moving average, when to stop).
#pragma once

#include "core/pipeline/model_config.h"
#include "core/train/trainer.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace deadiff::train {

struct DistillProgress {
    std::int64_t step = 0, total = 0;
    std::int64_t firstStep = 0; // where this session began (a resumed run's steps done before)
    double loss = 0, averageLoss = 0, secondsPerStep = 0;
    bool saved = false;
};

// The model folder's networks in a trainer (nothing of it trains), and its tokenizer folder.
struct DistillTeacher {
    pipeline::ModelConfig config;
    std::string tokenizerDir;
    std::unique_ptr<DeadiffTrainer> model;
};

inline DistillTeacher openDistillTeacher(const std::string& folder, std::uint64_t seed) {
    namespace fs = std::filesystem;
    const std::string jsonPath = pipeline::modelConfigPath(folder);
    if (jsonPath.empty() || !fs::exists(jsonPath))
        throw std::runtime_error(folder + " is not a model folder (no model.json)");
    DistillTeacher teacher;
    teacher.config = pipeline::readModelConfig(jsonPath);
    teacher.tokenizerDir = (fs::path(jsonPath).parent_path() / "tokenizer").string();
    teacher.model = std::make_unique<DeadiffTrainer>(teacher.config, teacher.tokenizerDir, seed);
    teacher.model->loadWeights(folder);
    return teacher;
}

// Step `s` (0-based) of `total` gave `loss`: updates `progress` (step, loss, its moving average,
// seconds per step since `started`) and returns whether this is the last step: the last of
// `total`, `maxMinutes` reached (0: no limit), or `stop` asking.
inline bool recordDistillStep(DistillProgress& progress, std::int64_t s, double loss,
                              std::chrono::steady_clock::time_point started, double maxMinutes,
                              const std::function<bool()>& stop) {
    progress.loss = loss;
    progress.step = s + 1;
    progress.averageLoss =
        s == progress.firstStep ? loss : 0.98 * progress.averageLoss + 0.02 * loss;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    progress.secondsPerStep = elapsed / static_cast<double>(s + 1 - progress.firstStep);
    return s + 1 == progress.total || (maxMinutes > 0 && elapsed >= 60 * maxMinutes) ||
           (stop && stop());
}

// The end of step `s` of a distillation loop: records `loss` (recordDistillStep), calls `save`
// when saveEverySeconds have passed since `lastSave` or this is the last step, then `report`.
// Returns whether the loop ends here.
inline bool finishDistillStep(DistillProgress& progress, std::int64_t s, double loss,
                              std::chrono::steady_clock::time_point started,
                              std::chrono::steady_clock::time_point& lastSave, double maxMinutes,
                              double saveEverySeconds, const std::function<void()>& save,
                              const std::function<void(const DistillProgress&)>& report,
                              const std::function<bool()>& stop) {
    const bool last = recordDistillStep(progress, s, loss, started, maxMinutes, stop);
    progress.saved =
        last ||
        std::chrono::duration<double>(std::chrono::steady_clock::now() - lastSave).count() >=
            saveEverySeconds;
    if (progress.saved) {
        save();
        lastSave = std::chrono::steady_clock::now();
    }
    if (report)
        report(progress);
    return last;
}

} // namespace deadiff::train
