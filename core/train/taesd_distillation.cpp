#include "core/train/taesd_distillation.h"

#include "core/io/safetensors.h"
#include "core/nn/state_dict.h"
#include "core/pipeline/model_config.h"
#include "core/train/batch_tensors.h"
#include "core/train/distillation.h"
#include "core/train/synthetic_dataset.h"
#include "core/train/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <stdexcept>

namespace deadiff::train {
namespace {

using Clock = std::chrono::steady_clock;

nn::TaesdConfig configFor(const nn::VaeConfig& vae, int channels) {
    nn::TaesdConfig config;
    config.latentChannels = vae.embedDim;
    config.channels = channels;
    config.upsamplings = static_cast<std::int64_t>(vae.chMult.size()) - 1;
    return config;
}

// Renders of every (subject, style), held-out combinations included: the decoder must decode
// whatever the UNet paints.
torch::Tensor renders(std::uint64_t seed, std::uint64_t first, int count, int size) {
    SyntheticDatasetConfig config;
    config.imageSize = size;
    config.seed = seed;
    config.textToImageIncludesHeldOut = true;
    const SyntheticDataset dataset(config);
    std::vector<cv::Mat> images;
    for (int i = 0; i < count; ++i)
        images.push_back(dataset.textToImageSample(first + static_cast<std::uint64_t>(i)).rgb);
    return imagesToTensor(images);
}

} // namespace

TaesdDistiller::TaesdDistiller(nn::AutoencoderKL vae, int channels, double learningRate,
                               std::uint64_t seed)
    : vae_(std::move(vae)) {
    if (channels < 4)
        throw std::invalid_argument("TAESD distillation: at least 4 channels");
    vae_->eval();
    for (torch::Tensor& parameter : vae_->parameters())
        parameter.set_requires_grad(false);
    torch::manual_seed(seed);
    decoder_ = nn::TaesdDecoder(configFor(vae_->config(), channels));
    optimizer_ = std::make_unique<torch::optim::Adam>(decoder_->parameters(),
                                                      torch::optim::AdamOptions(learningRate));
}

std::pair<torch::Tensor, torch::Tensor> TaesdDistiller::teacher(const torch::Tensor& images) {
    torch::NoGradGuard noGrad;
    const torch::Tensor latent = vae_->encode(images).scaledLatent;
    const torch::Tensor decoded = (vae_->decode(latent).clamp(-1, 1) + 1) / 2;
    return {latent, decoded};
}

double TaesdDistiller::step(const torch::Tensor& images) {
    const auto [latent, target] = teacher(images);
    const torch::Tensor loss = (decoder_->forward(latent) - target).abs().mean();
    optimizer_->zero_grad();
    loss.backward();
    optimizer_->step();
    return loss.item<double>();
}

double TaesdDistiller::psnrToVae(const torch::Tensor& images) {
    const auto [latent, target] = teacher(images);
    torch::NoGradGuard noGrad;
    const torch::Tensor mse =
        (decoder_->forward(latent).clamp(0, 1) - target).pow(2).mean({1, 2, 3}).clamp_min(1e-10);
    return (-10.0 * torch::log10(mse)).mean().item<double>();
}

void TaesdDistiller::save(const std::string& path) const {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [key, tensor] : nn::stateDictOf(*decoder_, ""))
        tensors.emplace_back(key, tensor.detach().to(torch::kFloat16));
    io::writeSafetensors(path, tensors,
                         {{"deadiff_taesd", "decoder fitted to the model's VAE (deadiff train "
                                            "--taesd); madebyollin/taesd layout"}});
}

void TaesdDistiller::saveState(const ResumableRun& state) const {
    saveStateFile(decoder_, state.file("decoder.pt"));
    saveStateFile(*optimizer_, state.file("optimizer.pt"));
}

void TaesdDistiller::loadState(const ResumableRun& state) {
    loadStateFile(decoder_, state.file("decoder.pt"), state.dir());
    loadStateFile(*optimizer_, state.file("optimizer.pt"), state.dir());
}

double distillTaesd(const TaesdDistillOptions& options,
                    const std::function<void(const DistillProgress&)>& report,
                    const std::function<bool()>& stop) {
    if (options.out.empty())
        throw std::invalid_argument("TAESD distillation: no output file given");
    DistillTeacher teacher = openDistillTeacher(options.model, options.seed);
    const pipeline::ModelConfig& config = teacher.config;
    TaesdDistiller distiller(teacher.model->vae(), options.channels, options.learningRate,
                             options.seed);
    const int size = static_cast<int>(config.reference.blip.vision.imageSize);
    const torch::Tensor unseen = renders(options.seed + 1, std::uint64_t{1} << 44, 64, size);

    const ResumableRun state(options.out,
                             {{"model", std::filesystem::weakly_canonical(options.model).string()},
                              {"channels", options.channels},
                              {"batch", options.batch},
                              {"learning_rate", options.learningRate},
                              {"seed", options.seed}});
    if (state.resumedAt() > 0)
        distiller.loadState(state);
    const auto started = Clock::now();
    const auto save = [&](std::int64_t stepsDone) {
        distiller.saveState(state);
        state.recordProgress(stepsDone, started);
        distiller.save(options.out);
    };
    DistillProgress progress;
    progress.total = options.steps;
    progress.firstStep = progress.step = state.resumedAt();
    for (std::int64_t s = state.resumedAt(); s < options.steps; ++s) {
        const torch::Tensor images = renders(
            options.seed, static_cast<std::uint64_t>(s) * options.batch, options.batch, size);
        const double loss = distiller.step(images);
        const bool last = recordDistillStep(progress, s, loss, started, options.maxMinutes, stop);
        progress.saved = last;
        if (last)
            save(s + 1);
        if (report)
            report(progress);
        if (last)
            break;
    }
    if (progress.step == state.resumedAt() && !std::filesystem::exists(options.out))
        save(state.resumedAt()); // nothing left to train: the file from the state
    return distiller.psnrToVae(unseen);
}

} // namespace deadiff::train
