// `deadiff train --controlnet TYPE` (issue 21): a ControlNet for a demo model, trained on the
// procedural renderer's exact layouts. As lllyasviel's ControlNet training (cldm.py, tutorial
// "train your own ControlNet"), per step:
//   - the ControlNet starts as a copy of the model's UNet encoder (time_embed, input_blocks,
//     middle_block; plain cross-attention, no image keys), its zero convolutions and the last
//     conv of the hint encoder at zero, so it begins by changing nothing;
//   - a batch of renders at free placements (anywhere, any size: freePlacement), each with the
//     hint of its layout (renderSubjectEdges for canny, renderSubjectDepth for depth);
//   - the model's UNet, frozen, denoises the noised latents with the ControlNet's residuals added,
//     conditioned as `deadiff eval` and the studio condition it: a style reference of the same
//     style on another subject through the style Q-Former (dropped for a share of samples, so
//     that text alone works too), a prompt naming the subject (and for a share the style), and
//     for a tenth of the samples no prompt and no reference (the unconditional branch of
//     guidance also gets the residuals at inference); the ControlNet reads the text alone;
//   - eps-MSE weighted by Min-SNR-5 (as the model's own training), AdamW on the ControlNet only;
//     an exponential moving average of its weights is what gets written.
// The held-out (subject, style) combinations of `deadiff eval` are never rendered.
#pragma once

#include "core/control/control_type.h"
#include "core/nn/controlnet.h"
#include "core/train/distillation.h"
#include "core/train/synthetic_dataset.h"
#include "core/train/trainer.h"

#include <opencv2/core/mat.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace deadiff::train {

class ParameterAverage;

// The kinds the renderer can make exact hints for.
bool isTrainableControlType(control::ControlType type);

// The hint a `type` ControlNet reads for a subject at `placement`: CV_8UC3, the outline in white
// on black (canny) or the depth map in grey (depth), as the matching preprocessors make them
// from pictures. Throws std::invalid_argument for other kinds.
cv::Mat layoutHint(control::ControlType type, int subject, int size,
                   const SubjectPlacement& placement);

// A ControlNet for a UNet of `unet` whose latents are 1/`latentFactor` of the image: its encoder
// with plain cross-attention, and a hint encoder of SD's widths (16, 32, 96, 256), as many as
// halve the image to the latent (three for a factor of 4).
nn::ControlNetConfig controlNetConfigFor(const nn::UNetConfig& unet, std::int64_t latentFactor);

// A fresh ControlNet for `unet`: its encoder's weights copied, the zero convolutions and the
// hint encoder's last conv zero (the rest of the hint encoder random from the current seed).
nn::ControlNetModel controlNetFromUNet(nn::UNetModel& unet, std::int64_t latentFactor);

// Writes it as a ControlNet v1.1 file (`control_model.*` keys, float16 with `half`) that
// `--control` reads; the metadata names the kind.
void saveControlNet(nn::ControlNetModel& net, control::ControlType type, const std::string& path,
                    bool half);

struct ControlNetTrainOptions {
    std::string model; // the model folder the ControlNet is for (nothing of it trains)
    std::string out;   // the ControlNet file to write (.safetensors; written atomically)
    control::ControlType type = control::ControlType::Canny;
    std::int64_t steps = 3000;
    int batch = 16;
    double learningRate = 1e-4;
    double referenceDrop = 0.3;    // share of samples with the reference dropped (text alone)
    double unconditional = 0.1;    // share with neither prompt nor reference
    double subjectOnly = 0.7;      // share of prompts naming the subject alone (eval's prompts)
    double priorPlacements = 0.15; // share of samples at the renders' own placements
    double emaDecay = 0.999;       // 0: write the last weights
    double snrGamma = 5.0;
    std::uint64_t seed = 0;
    double maxMinutes = 0;         // save and stop when reached; 0: no limit
    double saveEverySeconds = 120; // the output file is rewritten this often
    // Threads that each take an equal share of a step's batch (data parallel: their gradients
    // are summed before the one optimizer step). 2 uses both cores of a 2-core machine, where
    // a second intra-op thread gives these small networks nothing. The result does not depend
    // on it beyond float rounding: noise and timesteps are drawn for the whole batch first.
    int workers = 1;
};

// One batch: the renders, their references, prompts and hints.
struct ControlBatch {
    PairBatch pairs;                           // targets, references (style branch), texts
    torch::Tensor hints;                       // [B, 3, H, W] in [0, 1]
    std::vector<float> useReference;           // per sample, 1 or 0
    std::vector<std::pair<int, int>> rendered; // (subject, style) of each target
};

// The batch of step `step`: a pure function of (options.seed, step). Targets and hints are
// imageSize px, references referenceSize px (the vision tower's input).
ControlBatch controlBatch(const ControlNetTrainOptions& options, int imageSize, int referenceSize,
                          std::int64_t step);

// The ControlNet and one training step, on a model already in `model` (nothing of it trains).
class ControlNetTrainer {
public:
    ControlNetTrainer(DeadiffTrainer& model, const ControlNetTrainOptions& options);
    ~ControlNetTrainer();

    // One AdamW step; the loss before it. `noiseSeed` fixes noise and timesteps.
    double step(const ControlBatch& batch, std::uint64_t noiseSeed);
    // The first half of step: the batch's loss with its gradients in controlNet(), no update.
    double computeGradients(const ControlBatch& batch, std::uint64_t noiseSeed);
    nn::ControlNetModel& controlNet() { return net_; }
    torch::optim::AdamW& optimizer() { return *optimizer_; }
    // Writes the averaged weights (the last ones without averaging), float16.
    void save(const std::string& path);
    // Everything a later run needs to continue exactly where this one is: the weights as they
    // train, their average and the optimizer's moments (files of `state`).
    void saveState(const ResumableRun& state);
    // The state saveState wrote after `stepsDone` steps. Throws std::runtime_error naming its
    // folder when its files do not fit this ControlNet.
    void loadState(const ResumableRun& state, std::int64_t stepsDone);
    std::int64_t stepsDone() const { return steps_; }

private:
    struct StepDraws;
    // Samples [begin, end) of the batch through `net`: their share of the batch's mean loss,
    // its gradients added to `net`'s.
    double accumulate(nn::ControlNetModel& net, const ControlBatch& batch, const StepDraws& draws,
                      std::int64_t begin, std::int64_t end);
    // The replicas take the network's current weights.
    void syncReplicas();

    DeadiffTrainer& model_;
    ControlNetTrainOptions options_;
    nn::ControlNetModel net_{nullptr};
    std::vector<nn::ControlNetModel> replicas_; // one per worker after the first
    std::unique_ptr<torch::optim::AdamW> optimizer_;
    std::unique_ptr<ParameterAverage> average_;
    std::int64_t steps_ = 0;
};

struct ControlNetRun {
    std::int64_t steps = 0;     // done, over every session of the run
    std::int64_t resumedAt = 0; // steps done before this session (0: a fresh run)
    double seconds = 0;         // spent training, over every session
};

// Loads options.model, trains for options.steps (or options.maxMinutes) and writes options.out.
// `report` after each step; `stop` returning true saves and ends early. Resumable: each save
// also writes the run's state (ResumableRun), and a run whose state is there continues
// from it, exactly as if it had not stopped; its options must be the same (kind, model, seed,
// batch, learning rate), else std::runtime_error says which differs.
ControlNetRun trainControlNet(const ControlNetTrainOptions& options,
                              const std::function<void(const DistillProgress&)>& report = {},
                              const std::function<bool()>& stop = {});

} // namespace deadiff::train
