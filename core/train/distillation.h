// What `deadiff train --lcm`, `--taesd` and `--controlnet` share: opening the model folder they
// the step bookkeeping of their loops (progress, moving average, when to stop).
#pragma once

#include "core/io/atomic_file.h"
#include "core/io/bounded_file.h"
#include "core/pipeline/model_config.h"
#include "core/train/trainer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

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

// torch::save to `path` through a temporary beside it, so a crash never leaves half a file.
template <typename Value> void saveStateFile(const Value& value, const std::string& path) {
    torch::save(value, path + ".tmp");
    std::filesystem::rename(path + ".tmp", path);
}

// torch::load of a file saveStateFile wrote; std::runtime_error naming `dir` when it does not fit.
template <typename Value>
void loadStateFile(Value& value, const std::string& path, const std::string& dir) {
    try {
        torch::load(value, path);
    } catch (const c10::Error&) {
        throw std::runtime_error(dir + " holds the state of another run (another model, size or "
                                       "version); delete it to start over");
    }
}

// Where the resumable state of a run writing `out` is kept: `out` + ".train" (a folder).
inline std::string trainingStateDir(const std::string& out) {
    return out + ".train";
}

// The resumable state of a run writing `out` (trainingStateDir): progress.json (steps done, seconds
// spent and `record`, the options that must not change) beside the files the run keeps there
// (its weights as they train, the optimizer's moments, ...).
class ResumableRun {
public:
    // Reads progress.json when it is there. Throws std::runtime_error when it is broken or was
    // written with other options (naming the first that differs).
    ResumableRun(const std::string& out, nlohmann::json record)
        : dir_(trainingStateDir(out))
        , record_(std::move(record)) {
        const std::string path = progressPath();
        if (!std::filesystem::exists(path))
            return;
        try {
            const nlohmann::json saved = nlohmann::json::parse(
                io::readBoundedTextFile(path, io::kMaxJsonFileBytes, "training progress file"));
            for (const auto& [key, value] : record_.items())
                if (saved.at(key) != value)
                    throw std::runtime_error(path + ": this run was begun with " + key + " " +
                                             saved.at(key).dump() + ", not " + value.dump() +
                                             "; resume it with the same options, or delete " +
                                             dir_ + " to start over");
            resumedAt_ = saved.at("step").get<std::int64_t>();
            secondsBefore_ = saved.at("seconds").get<double>();
        } catch (const nlohmann::json::exception& error) {
            throw std::runtime_error(path + ": not a training progress file (" + error.what() +
                                     "); delete " + dir_ + " to start over");
        }
    }

    const std::string& dir() const { return dir_; }
    // A file of the state; the folder is created.
    std::string file(const std::string& name) const {
        std::filesystem::create_directories(dir_);
        return (std::filesystem::path(dir_) / name).string();
    }
    std::int64_t resumedAt() const { return resumedAt_; }
    double secondsBefore() const { return secondsBefore_; }

    // Writes progress.json atomically, after the run's own files: `stepsDone`, and the seconds
    // since `started` plus those of earlier sessions.
    void recordProgress(std::int64_t stepsDone,
                        std::chrono::steady_clock::time_point started) const {
        nlohmann::json progress = record_;
        progress["step"] = stepsDone;
        progress["seconds"] =
            secondsBefore_ +
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const std::string text = progress.dump(2) + "\n";
        io::AtomicFile written(file("progress.json"));
        written.write(text.data(), text.size());
        written.commit();
    }

private:
    std::string progressPath() const {
        return (std::filesystem::path(dir_) / "progress.json").string();
    }

    std::string dir_;
    nlohmann::json record_;
    std::int64_t resumedAt_ = 0;
    double secondsBefore_ = 0;
};

} // namespace deadiff::train
