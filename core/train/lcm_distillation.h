// `deadiff train --lcm` (issue 22): latent consistency distillation (Luo et al. 2023, "LCM-LoRA")
// of a demo model into a LoRA on its UNet, so that 4 `--sampler lcm` steps at CFG 1 paint what
// 25 guided DDIM steps paint. As diffusers' train_lcm_distill_lora_sd_wds.py, per step:
//   - a DDIM solver grid of `solverSteps` timesteps t_n = (n + 1)·k − 1, k = T / solverSteps;
//     each sample draws n, and x_{t_n} is the target latent noised to t_n;
//   - the teacher (the UNet without the LoRA) runs once with the conditional and once with the
//     unconditional context; its guided x0 and ε give one DDIM step to t_{n−1} = t_n − k;
//   - the student (UNet + LoRA) maps x_{t_n} through LCM's boundary condition
//     f(x, t) = c_skip(t)·x + c_out(t)·x0(ε(x, t)); the target is the same function of the
//     teacher's x_{t_{n−1}} without gradients (LCM-LoRA uses the student itself, no EMA copy);
//   - the squared error of f and the target, averaged (the script's default "l2" loss), or with
//     `huberC` > 0 the pseudo-Huber loss √((f − target)² + c²) − c of the LCM paper.
// Conditioning is what `deadiff eval` and the studio give the model: a style reference through
// the style Q-Former (content tokens zero), a prompt naming the subject (and, for a share of the
// samples, the style too), and the official negative prompt with zero image tokens as the
// unconditional branch. The guidance scale of the teacher is fixed (the scale the model is
// used at, `teacherCfg`), as the student takes no scale input.
//
// Only the LoRA factors train; they are written as a kohya LoRA file (lora_unet_…lora_down/
// lora_up/alpha), read back by the same loader as any other LoRA. The DEADiff projections
// i_to_k / i_to_v are not targets.
#pragma once

#include "core/nn/lora.h"
#include "core/train/batch_tensors.h"
#include "core/train/distillation.h"
#include "core/train/trainer.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace deadiff::train {

struct LcmDistillOptions {
    std::string model; // the model folder to distil (teacher and the student's base)
    std::string out;   // the LoRA file to write (.safetensors; written atomically)
    std::int64_t steps = 1500;
    int batch = 8;
    int rank = 8;
    double learningRate = 1e-4; // AdamW on the LoRA factors (diffusers' LCM-LoRA default)
    double teacherCfg = 5.0;    // the guidance scale the model is used at (`deadiff eval`'s)
    int solverSteps = 50;       // the teacher's DDIM grid (diffusers: num_ddim_timesteps)
    double huberC = 0.0;        // > 0: pseudo-Huber loss with this c (the paper: 0.001)
    double subjectOnly = 0.7;   // share of prompts naming the subject alone (eval's prompts)
    std::uint64_t seed = 0;
    double maxMinutes = 0;         // save and stop when reached; 0: no limit
    double saveEverySeconds = 120; // the LoRA file is rewritten this often
};

// The LoRA factors and one distillation step, on a model already in `trainer` (its UNet, text
// encoder, VAE and reference encoder; nothing of it trains).
class LcmLoraDistiller {
public:
    LcmLoraDistiller(DeadiffTrainer& trainer, const std::string& tokenizerDir,
                     const LcmDistillOptions& options);
    ~LcmLoraDistiller();

    // One AdamW step on a batch of STRE pairs; the loss before the step. `noiseSeed` fixes the
    // noise and the solver indices.
    double step(const PairBatch& batch, std::uint64_t noiseSeed);

    // Puts the UNet's weights at base + weight·ΔW (0: the teacher's exact weights).
    void useLora(double weight);
    // The LoRA as a kohya file: lora_down [r, in(, kh, kw)], lora_up [out, r(, 1, 1)], alpha.
    void save(const std::string& path) const;
    // What a later run needs to continue exactly: the factors as they train and AdamW's moments
    // (files of `state`). loadState throws std::runtime_error naming its folder when they do
    // not fit.
    void saveState(const ResumableRun& state) const;
    void loadState(const ResumableRun& state);
    const std::vector<nn::LoraModule>& modules() const { return modules_; }

    // The UNet module names (our paths) a distillation LoRA changes: diffusers' LCM-LoRA
    // targets (attention projections, feed-forward, proj_in/out, ResBlock convolutions and
    // time projections, down/upsampler convolutions), never i_to_k / i_to_v.
    static bool isTarget(const std::string& weightKey);

private:
    struct Target;
    DeadiffTrainer& trainer_;
    LcmDistillOptions options_;
    std::vector<nn::LoraModule> modules_;
    std::vector<Target> targets_;
    std::unique_ptr<torch::optim::AdamW> optimizer_;
    torch::Tensor negativeContext_;
    std::unique_ptr<tokenize::ClipTokenizer> tokenizer_;
    int promptChunks_ = 1;
};

// Loads options.model, distils for options.steps (or options.maxMinutes) and writes options.out.
// Resumable as trainControlNet: each save keeps the run's state (ResumableRun) and the same
// options continue it.
// `report` after each step; `stop` returning true saves and ends early.
void distillLcmLora(const LcmDistillOptions& options,
                    const std::function<void(const DistillProgress&)>& report = {},
                    const std::function<bool()>& stop = {});

} // namespace deadiff::train
