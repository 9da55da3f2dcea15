// Training the bundled demo DEADiff (issue 9) on the synthetic paired data, in two stages:
//   stage 1, the base text-to-image model: phase "vae" (a small KL autoencoder, reconstruction +
//            a small KL term), then phase "unet" (text encoder + UNet, eps-MSE on frozen VAE
//            latents, zero image tokens, captions dropped 10 % of the time for guidance);
//   stage 2, DEADiff (architecture spec §8): only the DEADiff parts train (both Q-Formers and
//            their query tokens and vision towers, both ProjLayers, every attn2.i_to_k/i_to_v,
//            the latter initialised from to_k/to_v); the text encoder, VAE and the rest of the
//            UNet are frozen. Tasks STRE : SERE : reconstruction drawn 1:1:1 per sample, image
//            context dropped with probability 0.15 for STRE and SERE.
// The paper freezes a pre-trained CLIP ViT. There is no small pre-trained image encoder, so
// stage 2 first pre-trains one (phase "vision": the ViT names the subject and the style of a
// render, the words a CLIP caption would carry), copies it into both branches and freezes it.
//
// The UNet and DEADiff phases keep an exponential moving average of the trained weights (what
// `ema/` holds and what ships, as for SD's EMA weights) and weight the eps loss by Min-SNR-5
// (Hang et al. 2023): low-noise steps, which only polish texture, get less weight, so subject
// shapes and the reference's style are learnt in fewer steps.
//
// Everything is resumable: a checkpoint folder holds the model folder as shipped (`model/`,
// Pipeline::load reads it), the optimizer state and `progress.json`; data and noise of step s
// depend only on (seed, s), so a resumed run continues exactly where it stopped.
#pragma once

#include "core/common/enum_names.h"
#include "core/nn/clip_text.h"
#include "core/nn/unet.h"
#include "core/nn/vae.h"
#include "core/pipeline/model_config.h"
#include "core/pipeline/reference_encoder.h"
#include "core/tokenize/clip_tokenizer.h"
#include "core/train/batch_tensors.h"
#include "core/train/synthetic_dataset.h"

#include <torch/torch.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace deadiff::train {

// The phases of a training run, in order: stage 1 runs Vae then Unet, stage 2 Vision then
// Deadiff. Each has its own optimizer (and checkpointed optimizer state).
enum class TrainerPhase { Vae, Unet, Vision, Deadiff };

constexpr auto enumNames(TrainerPhase) {
    return std::array{EnumName<TrainerPhase>{TrainerPhase::Vae, "vae"},
                      EnumName<TrainerPhase>{TrainerPhase::Unet, "unet"},
                      EnumName<TrainerPhase>{TrainerPhase::Vision, "vision"},
                      EnumName<TrainerPhase>{TrainerPhase::Deadiff, "deadiff"}};
}

// The demo model's sizes: the real topology (4 UNet levels, 2 res blocks, attention at 4/2/1,
// so the same 16 spatial transformers and content layers 4..8) at 32 channels and a context
// width of 64, a KL-f4 VAE
// (64 px images -> 16x16x4 latents), 8 query tokens over a 64 px, patch-8 vision tower, and a
// Q-Former vocabulary of five ids ([PAD] [CLS] [SEP] style content): the Q-Former only ever
// reads "style" or "content", so bert-base's 30523 rows would be 2 MB of dead weight.
pipeline::ModelConfig demoModelConfig();

// Gives `reference` the five-id Q-Former vocabulary of small models ([PAD] [CLS] [SEP] style
// content): the vocabulary size and the "[CLS] style [SEP]" / "[CLS] content [SEP]" ids.
void useCompactQFormerVocabulary(pipeline::ReferenceEncoderConfig& reference);

struct TrainOptions {
    int stage = 1;      // 1: base text-to-image model, 2: DEADiff parts
    std::string outDir; // checkpoint folder (created); resumed when it holds progress.json
    // Stage 2: the stage-1 model folder to start from. Stage 1: a model folder to fine-tune
    // (issue 20's second demo base): its UNet trains from its weights, without the VAE phase;
    // the text encoder, VAE and DEADiff parts stay as they are, so DEADiff parts trained on the
    // original base keep the text features they were trained with.
    std::string baseModel;
    // Stage 1: the look of the renders the UNet learns (a fine-tune's new look).
    BaseLook look = BaseLook::Plain;
    std::int64_t vaeSteps = 1000;
    std::int64_t steps = 1500; // stage 1: UNet phase steps; stage 2: steps
    int batch = 16;
    int vaeBatch = 8;
    int vaeCrop = 32; // px; the VAE phase trains on random crops (0: whole images)
    double learningRate = 2e-4;
    double vaeLearningRate = 5e-4;
    std::int64_t warmupSteps = 100; // linear warm-up from 1e-2 x (official: 1e-6 x over 10k)
    double weightDecay = 0.01;      // AdamW, PyTorch's default as the official optimizer
    double klWeight = 1e-4;
    double textDropProbability = 0.1;
    // Share of captions reduced to the subject's name (stage 1: any sample; stage 2: STRE
    // samples), so that a prompt without style words still works and takes the reference's
    // style.
    double subjectOnlyCaptions = 0.3;
    // STRE, SERE, reconstruction odds and their image-context drop probabilities (spec §8).
    std::array<double, 3> taskWeights{1.0, 1.0, 1.0};
    std::array<double, 3> dropProbability{0.15, 0.15, 0.0};
    std::uint64_t seed = 0;
    // Stage 1: √ᾱ of the noisiest step after rescaling SD's schedule (sample::
    // rescaleTerminalSignal; 0 keeps SD's 0.068). The schedule is written into the model folder
    // (alphas_cumprod), so inference and stage 2 use the same one. Off by default: switching a
    // running stage 1 to 0.005 lowered the text-named style score for 2200 steps
    // (docs/demo-model.md), and the shipped model uses SD's schedule.
    double terminalSignal = 0.0;
    // Offset noise (Guttenberg 2023): the training noise gets a per-(image, channel) constant
    // of this spread. At 16x16 latents SD's noisiest step still shows each channel's mean to
    // within 1/16, so a model learns to read the background colour from the starting noise
    // instead of from the prompt or reference; the offset hides it. Inference is unchanged.
    double offsetNoise = 0.0;
    // Stage 2: steps of the vision tower's pre-training (phase "vision", before "deadiff").
    std::int64_t visionSteps = 5000;
    double visionLearningRate = 1e-3;
    double emaDecay = 0.999; // 0: no averaging
    double snrGamma = 5.0;   // Min-SNR-gamma loss weights; 0: plain eps-MSE
    // Stage 1 never renders the held-out combinations either (the stricter protocol: the base
    // model must compose them itself). Default: only stage 2's pairs exclude them.
    bool holdOutFromBase = false;
    double saveEverySeconds = 120; // a killed run loses at most this much
    double maxMinutes = 0;         // stop (after saving) when reached; 0: no limit
    // Instead of training: write the checkpoint's model with float16 weights to this folder
    // (what ships in resources/demo-model) and return.
    std::string exportDir;
    // With exportDir: write an overlay of this model folder instead (only the tensors that
    // differ, pipeline::writeModelOverlay): how the ablation models ship beside the demo model.
    std::string exportBase;
    // Stage 2, fresh start only: replaces unet.content_layers (ablation "without DCM": empty).
    std::optional<std::vector<std::int64_t>> contentLayers;
};

// Stage 1 from a finished model: only its UNet trains (TrainOptions::baseModel).
inline bool finetunesBase(const TrainOptions& options) {
    return options.stage == 1 && !options.baseModel.empty();
}

struct TrainProgress {
    int stage = 1;
    TrainerPhase phase = TrainerPhase::Vae;
    std::int64_t step = 0;  // steps done in this phase
    std::int64_t total = 0; // steps of this phase
    double loss = 0;
    double averageLoss = 0; // exponential moving average
    double learningRate = 0;
    double secondsPerStep = 0;
    bool saved = false; // a checkpoint was written after this step
};

// The networks and one optimisation step of each phase. Used by `train()` and by tests on a
// tiny config and a fixed batch.
class DeadiffTrainer {
public:
    // Fresh random networks of `config` (from torch::manual_seed(seed)); `tokenizerDir` holds
    // the word-level vocabulary (written there when absent).
    DeadiffTrainer(const pipeline::ModelConfig& config, const std::string& tokenizerDir,
                   std::uint64_t seed = 0);

    // Replaces every weight with a model folder's (a checkpoint, or stage 1's result).
    void loadWeights(const std::string& modelFolder);
    // Writes the model folder (model.json, model.safetensors, tokenizer/) as Pipeline::load
    // reads it.
    void saveModel(const std::string& folder, bool half = false) const;
    // The same as an overlay of the model folder `baseFolder` (pipeline::writeModelOverlay).
    void saveOverlay(const std::string& folder, const std::string& baseFolder,
                     bool half = false) const;

    // One AdamW step of each phase on a batch; returns the loss before the step. `noiseSeed`
    // fixes the sampled noise, timesteps and drops (tests pass the same one every step).
    double vaeStep(const torch::Tensor& images, std::uint64_t noiseSeed);
    double unetStep(const torch::Tensor& images, const std::vector<std::string>& captions,
                    std::uint64_t noiseSeed);
    double deadiffStep(const PairBatch& batch, std::uint64_t noiseSeed);
    // The vision tower's pre-training (style branch's tower, with two linear heads that are
    // not part of the model): cross-entropy on the subject and style ids [B] of `images`.
    double visionStep(const torch::Tensor& images, const torch::Tensor& subjects,
                      const torch::Tensor& styles, std::uint64_t noiseSeed);
    // After the vision phase: the content branch gets the style branch's tower.
    void shareVisionTower();
    // The heads of visionStep (saved with a checkpoint of the vision phase).
    torch::nn::Sequential& visionHeads() { return visionHeads_; }

    // Stage 2's start: i_to_k / i_to_v copied from attn2.to_k / to_v (blip_diffusion.py:162-169).
    void initialiseImageProjections();
    // Stage 2 ablations: which spatial transformers read the content context (the real
    // routing is 4..8; empty = every layer reads the style branch, i.e. one Q-Former and no
    // disentangled conditioning). Rebuilds the UNet with the same weights; before training.
    void setContentLayers(const std::vector<std::int64_t>& layers);
    // After the VAE phase: sets the latent scale factor to 1/std of the latents of `images`
    // (as SD's 0.18215 was chosen), so the UNet sees unit-variance latents.
    void calibrateLatentScale(const torch::Tensor& images);

    // The optimizer of a phase, created on first use.
    torch::optim::AdamW& optimizer(TrainerPhase phase);
    void setLearningRate(TrainerPhase phase, double learningRate);
    // Loss options (defaults as TrainOptions).
    void setOptions(const TrainOptions& options) { options_ = options; }

    const pipeline::ModelConfig& config() const { return config_; }
    nn::ClipTextModel& text() { return text_; }
    nn::UNetModel& unet() { return unet_; }
    nn::AutoencoderKL& vae() { return vae_; }
    pipeline::ReferenceEncoder& references() { return *references_; }
    const torch::Tensor& alphasCumprod() const { return alphasCumprod_; }
    // The model's schedule from now on (validated as a checkpoint's; saved with the weights).
    void setAlphasCumprod(const torch::Tensor& alphasCumprod);

    // Token ids [B, 77] of captions through the model's tokenizer.
    torch::Tensor tokenize(const std::vector<std::string>& captions) const;

private:
    std::vector<torch::Tensor> parameters(TrainerPhase phase);
    // x_t and the eps target for clean latents, with timesteps drawn uniformly.
    struct Noised {
        torch::Tensor noisy, noise, timesteps;
    };
    Noised addNoise(const torch::Tensor& latents) const;
    double finishStep(TrainerPhase phase, const torch::Tensor& loss);
    // eps-MSE per sample, weighted by Min-SNR-gamma when options_.snrGamma > 0.
    torch::Tensor noiseLoss(const torch::Tensor& eps, const Noised& noised) const;
    // Stage 2 keeps the pre-trained vision towers fixed, as the paper keeps CLIP's.
    bool visionTowerFrozen() const { return options_.visionSteps > 0; }

    pipeline::ModelConfig config_;
    std::string tokenizerDir_;
    TrainOptions options_;
    std::unique_ptr<tokenize::ClipTokenizer> tokenizer_;
    nn::ClipTextModel text_{nullptr};
    nn::UNetModel unet_{nullptr};
    nn::AutoencoderKL vae_{nullptr};
    std::unique_ptr<pipeline::ReferenceEncoder> references_;
    torch::nn::Sequential visionHeads_{nullptr}; // [subject logits | style logits]
    torch::Tensor alphasCumprod_;
    std::map<TrainerPhase, std::unique_ptr<torch::optim::AdamW>> optimizers_;
};

// Gaussian noise shaped like `latents`, plus `offset` x N(0, 1) constant over each image's
// channel (TrainOptions::offsetNoise; 0: plain noise).
torch::Tensor trainingNoise(const torch::Tensor& latents, double offset);

// Min-SNR-gamma weights of the eps loss (Hang et al. 2023) for `timesteps`:
// min(SNR, gamma) / SNR with SNR = abar / (1 - abar).
torch::Tensor minSnrWeights(const torch::Tensor& alphasCumprod, const torch::Tensor& timesteps,
                            double gamma);

// Runs or resumes a stage until its steps are done, `stop()` returns true, or maxMinutes
// pass; checkpoints every saveEverySeconds and at the end. Throws std::runtime_error naming
// the file or option at fault (e.g. stage 2 without a stage-1 model).
void train(const TrainOptions& options, const std::function<void(const TrainProgress&)>& progress,
           const std::function<bool()>& stop = {});

} // namespace deadiff::train
