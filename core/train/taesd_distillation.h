// `deadiff train --taesd` (issue 22): a TAESD-layout decoder (nn::TaesdDecoder, what
// `--decoder taesd` and the studio's live previews load as `taesd_decoder.safetensors`) fitted
// to a model's own KL VAE decoder. As madebyollin/taesd's decoder was distilled from SD's VAE:
// the input is the UNet-space latent of an image (the VAE encoder's posterior mean times the
// scale factor), the target is what the VAE decodes from it, mapped to [0, 1]. The loss is the
// mean absolute error (no adversarial or perceptual term: the demo images are flat colours and
// textures the L1 fit reproduces). The VAE does not train.
#pragma once

#include "core/nn/taesd.h"
#include "core/nn/vae.h"
#include "core/train/distillation.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace deadiff::train {

struct TaesdDistillOptions {
    std::string model; // the model folder whose VAE is the teacher
    std::string out;   // the decoder file to write (taesd_decoder.safetensors; atomic)
    std::int64_t steps = 3000;
    int batch = 16;
    int channels = 32; // TAESD's width (upstream: 64, for SD's 512 px images)
    double learningRate = 1e-3;
    std::uint64_t seed = 0;
    double maxMinutes = 0;
};

class TaesdDistiller {
public:
    // A fresh decoder (seeded) for `vae`'s latents: latent channels and upsamplings from the VAE.
    TaesdDistiller(nn::AutoencoderKL vae, int channels, double learningRate, std::uint64_t seed);

    // One Adam step on images [B, 3, H, W] in [-1, 1]; the loss before the step.
    double step(const torch::Tensor& images);
    // The mean PSNR (dB, images in [0, 1]) of the decoder's images against the VAE's, for the
    // latents of `images`.
    double psnrToVae(const torch::Tensor& images);

    nn::TaesdDecoder& decoder() { return decoder_; }
    // The decoder's tensors in float16 under the upstream keys ("1.weight", ...).
    void save(const std::string& path) const;
    // What a later run needs to continue exactly: the decoder as it trains and Adam's moments
    // (files of `state`). loadState throws std::runtime_error naming its folder when they do
    // not fit.
    void saveState(const ResumableRun& state) const;
    void loadState(const ResumableRun& state);

private:
    // The UNet-space latents of `images` and the VAE's decode of them in [0, 1].
    std::pair<torch::Tensor, torch::Tensor> teacher(const torch::Tensor& images);

    nn::AutoencoderKL vae_;
    nn::TaesdDecoder decoder_{nullptr};
    std::unique_ptr<torch::optim::Adam> optimizer_;
};

// Loads options.model's VAE, fits a decoder on renders of the synthetic dataset (every subject
// and style) and writes options.out; returns the PSNR to the VAE on 64 renders the fit never
// saw. Resumable as trainControlNet: a stopped run keeps its state (ResumableRun) and the same
// options continue it.
double distillTaesd(const TaesdDistillOptions& options,
                    const std::function<void(const DistillProgress&)>& report = {},
                    const std::function<bool()>& stop = {});

} // namespace deadiff::train
