#include "core/train/controlnet_training.h"

#include "core/common/enum_names.h"
#include "core/common/splitmix.h"
#include "core/image/clip_preprocess.h"
#include "core/io/safetensors.h"
#include "core/pipeline/reference_encoder.h"
#include "core/train/batch_tensors.h"
#include "core/train/parameter_average.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <thread>

namespace deadiff::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using control::ControlType;

// A (subject, style) pair that is not held out.
std::pair<int, int> trainingCombination(SplitMixRng& draws) {
    for (;;) {
        const int subject = draws.index(subjectCount());
        const int style = draws.index(styleCount());
        if (!isHeldOut(subject, style))
            return {subject, style};
    }
}

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

} // namespace

bool isTrainableControlType(ControlType type) {
    return type == ControlType::Canny || type == ControlType::Depth;
}

cv::Mat layoutHint(ControlType type, int subject, int size, const SubjectPlacement& placement) {
    cv::Mat grey;
    if (type == ControlType::Canny) {
        grey = renderSubjectEdges(subject, size, placement);
    } else if (type == ControlType::Depth) {
        renderSubjectDepth(subject, size, placement).convertTo(grey, CV_8UC1, 255.0);
    } else {
        throw std::invalid_argument(std::string("the renderer makes no ") + nameOf(type) +
                                    " hints; demo ControlNets are canny or depth");
    }
    cv::Mat rgb;
    cv::cvtColor(grey, rgb, cv::COLOR_GRAY2RGB);
    return rgb;
}

nn::ControlNetConfig controlNetConfigFor(const nn::UNetConfig& unet, std::int64_t latentFactor) {
    if (latentFactor < 1 || (latentFactor & (latentFactor - 1)) != 0 || latentFactor > 8)
        throw std::invalid_argument("a ControlNet's hint encoder halves the image 0 to 3 times; "
                                    "latent factor " +
                                    std::to_string(latentFactor) + " is not one of 1, 2, 4, 8");
    nn::ControlNetConfig config;
    config.unet = unet;
    config.unet.imageCrossAttention = false;
    const std::vector<std::int64_t> sdWidths{16, 32, 96, 256};
    std::size_t stages = 1;
    while ((std::int64_t{1} << (stages - 1)) < latentFactor)
        ++stages;
    config.hintWidths.assign(sdWidths.begin(), sdWidths.begin() + static_cast<long>(stages));
    return config;
}

nn::ControlNetModel controlNetFromUNet(nn::UNetModel& unet, std::int64_t latentFactor) {
    nn::ControlNetModel net(controlNetConfigFor(unet->config(), latentFactor));
    const nn::TensorMap encoder = nn::stateDictOf(*unet, "");
    torch::NoGradGuard noGrad;
    const std::string lastHintConv =
        "input_hint_block." + std::to_string(net->input_hint_block->size() - 1) + ".";
    for (auto& item : net->named_parameters()) {
        const std::string& name = item.key();
        if (startsWith(name, "zero_convs.") || startsWith(name, "middle_block_out.") ||
            startsWith(name, lastHintConv)) {
            item.value().zero_();
            continue;
        }
        if (startsWith(name, "input_hint_block."))
            continue; // random, as cldm.py's
        const auto source = encoder.find(name);
        if (source == encoder.end() || !source->second.sizes().equals(item.value().sizes()))
            throw std::logic_error("ControlNet from UNet: no UNet weight of the same shape for " +
                                   name);
        item.value().copy_(source->second);
    }
    return net;
}

void saveControlNet(nn::ControlNetModel& net, ControlType type, const std::string& path,
                    bool half) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [key, tensor] : nn::stateDictOf(*net, "control_model."))
        tensors.emplace_back(key, half ? tensor.to(torch::kFloat16) : tensor.contiguous());
    io::writeSafetensors(path, tensors,
                         {{"deadiff_controlnet", nameOf(type)},
                          {"description", std::string("demo ") + nameOf(type) +
                                              " ControlNet (deadiff train --controlnet)"}});
}

ControlBatch controlBatch(const ControlNetTrainOptions& options, int imageSize, int referenceSize,
                          std::int64_t step) {
    ControlBatch batch;
    std::vector<cv::Mat> targets, references, hints;
    for (int i = 0; i < options.batch; ++i) {
        // The draws of sample i of step s depend on (seed, s, i) alone.
        SplitMixRng draws(
            combineSeeds(options.seed, static_cast<std::uint64_t>(step) *
                                               static_cast<std::uint64_t>(options.batch) +
                                           static_cast<std::uint64_t>(i)));
        const auto [subject, style] = trainingCombination(draws);
        const std::uint64_t renderSeed = draws.next();
        const SubjectPlacement placement = draws.uniform() < options.priorPlacements
                                               ? jitteredPlacement(subject, renderSeed)
                                               : freePlacement(subject, renderSeed);
        targets.push_back(renderSubject(subject, style, imageSize, renderSeed, placement).rgb);
        hints.push_back(layoutHint(options.type, subject, imageSize, placement));
        // The reference: the same style on another subject (STRE), at its usual place.
        int other = subject;
        while (other == subject || isHeldOut(other, style))
            other = draws.index(subjectCount());
        references.push_back(renderSubject(other, style, referenceSize, draws.next()).rgb);
        batch.rendered.emplace_back(subject, style);
        const double roll = draws.uniform();
        const bool unconditional = roll < options.unconditional;
        const bool dropReference =
            unconditional || roll < options.unconditional + options.referenceDrop;
        batch.useReference.push_back(dropReference ? 0.0f : 1.0f);
        batch.pairs.texts.push_back(unconditional ? std::string()
                                    : draws.uniform() < options.subjectOnly
                                        ? subjectCaption(subject)
                                        : caption(subject, style));
        batch.pairs.tasks.push_back(PairTask::StyleReference);
        batch.pairs.qformerModes.push_back("style");
    }
    batch.pairs.targets = imagesToTensor(targets);
    batch.pairs.references = imagesToTensor(references);
    batch.hints = imagesToTensor(hints).add(1.0).div(2.0); // back to [0, 1]
    return batch;
}

ControlNetTrainer::ControlNetTrainer(DeadiffTrainer& model, const ControlNetTrainOptions& options)
    : model_(model)
    , options_(options) {
    if (!isTrainableControlType(options.type))
        throw std::invalid_argument(std::string("--controlnet ") + nameOf(options.type) +
                                    ": the renderer makes exact hints for canny and depth only");
    model_.unet()->eval();
    model_.text()->eval();
    model_.vae()->eval();
    for (torch::Tensor& parameter : model_.unet()->parameters())
        parameter.set_requires_grad(false);
    torch::manual_seed(options.seed);
    net_ = controlNetFromUNet(model_.unet(), model_.config().latentFactor());
    optimizer_ = std::make_unique<torch::optim::AdamW>(
        net_->parameters(), torch::optim::AdamWOptions(options.learningRate).weight_decay(1e-2));
    if (options.emaDecay > 0)
        average_ = std::make_unique<ParameterAverage>(net_->parameters());
    if (options.workers < 1)
        throw std::invalid_argument("ControlNet training needs at least one worker");
    for (int w = 1; w < options.workers; ++w)
        replicas_.push_back(controlNetFromUNet(model_.unet(), model_.config().latentFactor()));
    syncReplicas();
}

ControlNetTrainer::~ControlNetTrainer() = default;

// What a step draws before any worker starts, so that the split changes nothing.
struct ControlNetTrainer::StepDraws {
    torch::Tensor tokens, timesteps, noise, useReference;
};

double ControlNetTrainer::accumulate(nn::ControlNetModel& net, const ControlBatch& batch,
                                     const StepDraws& draws, std::int64_t begin, std::int64_t end) {
    using pipeline::ReferenceBranch;
    const std::int64_t batchSize = batch.pairs.targets.size(0), size = end - begin;
    const auto part = [&](const torch::Tensor& whole) { return whole.slice(0, begin, end); };
    torch::Tensor latents, text, style;
    {
        torch::NoGradGuard noGrad;
        latents = model_.vae()->encode(part(batch.pairs.targets)).scaledLatent;
        text = model_.text()->forward(part(draws.tokens));
        pipeline::ReferenceEncoder& references = model_.references();
        const torch::Tensor ids = references.textIds(ReferenceBranch::Style).expand({size, -1});
        style =
            references.proj(ReferenceBranch::Style)
                ->forward(references.blip(ReferenceBranch::Style)
                              ->forward(image::clipNormalize(part(batch.pairs.references)), ids)) *
            part(draws.useReference).view({size, 1, 1});
    }
    const nn::UNetContext contexts{style, text, torch::zeros_like(style), text, 1.0};
    const torch::Tensor& abarAll = model_.alphasCumprod();
    const torch::Tensor timesteps = part(draws.timesteps), noise = part(draws.noise);
    const torch::Tensor abar = abarAll.index_select(0, timesteps).view({size, 1, 1, 1});
    const torch::Tensor noisy = abar.sqrt() * latents + (1.0 - abar).sqrt() * noise;

    const std::vector<torch::Tensor> residuals =
        net->forward(noisy, part(batch.hints), timesteps, text);
    const torch::Tensor eps = model_.unet()->forward(noisy, timesteps, contexts, residuals);
    torch::Tensor perSample = (eps - noise).pow(2).mean({1, 2, 3});
    if (options_.snrGamma > 0)
        perSample = perSample * minSnrWeights(abarAll, timesteps, options_.snrGamma);
    const torch::Tensor loss = perSample.sum() / static_cast<double>(batchSize);
    loss.backward();
    return loss.item<double>();
}

double ControlNetTrainer::computeGradients(const ControlBatch& batch, std::uint64_t noiseSeed) {
    const torch::Tensor& targets = batch.pairs.targets;
    const std::int64_t size = targets.size(0), factor = model_.config().latentFactor();
    StepDraws draws;
    draws.tokens = model_.tokenize(batch.pairs.texts);
    torch::manual_seed(noiseSeed);
    draws.timesteps = torch::randint(0, model_.alphasCumprod().size(0), {size}, torch::kInt64);
    draws.noise = torch::randn({size, model_.config().latentChannels(), targets.size(2) / factor,
                                targets.size(3) / factor});
    draws.useReference = torch::tensor(batch.useReference);

    optimizer_->zero_grad();
    const std::int64_t workers =
        std::min<std::int64_t>(size, 1 + static_cast<std::int64_t>(replicas_.size()));
    const auto bound = [&](std::int64_t w) { return size * w / workers; };
    std::vector<double> losses(static_cast<std::size_t>(workers), 0.0);
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(workers));
    std::vector<std::thread> threads;
    for (std::int64_t w = 1; w < workers; ++w) {
        nn::ControlNetModel& replica = replicas_[static_cast<std::size_t>(w - 1)];
        for (torch::Tensor& parameter : replica->parameters())
            if (parameter.grad().defined())
                parameter.mutable_grad().zero_();
        threads.emplace_back([&, w] {
            try {
                losses[static_cast<std::size_t>(w)] =
                    accumulate(replica, batch, draws, bound(w), bound(w + 1));
            } catch (...) {
                errors[static_cast<std::size_t>(w)] = std::current_exception();
            }
        });
    }
    try {
        losses[0] = accumulate(net_, batch, draws, 0, bound(1));
    } catch (...) {
        errors[0] = std::current_exception();
    }
    for (std::thread& thread : threads)
        thread.join();
    for (const std::exception_ptr& error : errors)
        if (error)
            std::rethrow_exception(error);
    // The replicas' gradients into the network the optimizer steps, in worker order.
    torch::NoGradGuard noGrad;
    const std::vector<torch::Tensor> parameters = net_->parameters();
    for (std::int64_t w = 1; w < workers; ++w) {
        const std::vector<torch::Tensor> theirs =
            replicas_[static_cast<std::size_t>(w - 1)]->parameters();
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            if (!theirs[i].grad().defined())
                continue;
            torch::Tensor parameter = parameters[i];
            if (parameter.grad().defined())
                parameter.mutable_grad().add_(theirs[i].grad());
            else
                parameter.mutable_grad() = theirs[i].grad().clone();
        }
    }
    double loss = 0;
    for (const double part : losses)
        loss += part;
    return loss;
}

double ControlNetTrainer::step(const ControlBatch& batch, std::uint64_t noiseSeed) {
    const double loss = computeGradients(batch, noiseSeed);
    torch::nn::utils::clip_grad_norm_(net_->parameters(), 1.0);
    optimizer_->step();
    if (average_)
        average_->update(std::min(options_.emaDecay, (1.0 + static_cast<double>(steps_)) /
                                                         (10.0 + static_cast<double>(steps_))));
    ++steps_;
    syncReplicas();
    return loss;
}

void ControlNetTrainer::syncReplicas() {
    torch::NoGradGuard noGrad;
    const std::vector<torch::Tensor> parameters = net_->parameters();
    for (nn::ControlNetModel& replica : replicas_) {
        std::vector<torch::Tensor> theirs = replica->parameters();
        for (std::size_t i = 0; i < parameters.size(); ++i)
            theirs[i].copy_(parameters[i]);
    }
}

void ControlNetTrainer::save(const std::string& path) {
    if (average_)
        average_->withAverages([&] { saveControlNet(net_, options_.type, path, true); });
    else
        saveControlNet(net_, options_.type, path, true);
}

void ControlNetTrainer::saveState(const ResumableRun& state) {
    saveStateFile(net_, state.file("controlnet.pt"));
    saveStateFile(*optimizer_, state.file("optimizer.pt"));
    if (average_)
        average_->save(state.file("ema.pt"));
}

void ControlNetTrainer::loadState(const ResumableRun& state, std::int64_t stepsDone) {
    loadStateFile(net_, state.file("controlnet.pt"), state.dir());
    loadStateFile(*optimizer_, state.file("optimizer.pt"), state.dir());
    if (average_)
        average_->load(state.file("ema.pt"));
    steps_ = stepsDone;
    syncReplicas();
}

namespace {

// What the state's progress.json records: where the run stands, and the options that must not
// change when it resumes.
nlohmann::json runRecord(const ControlNetTrainOptions& options) {
    return {{"kind", nameOf(options.type)},
            {"model", fs::weakly_canonical(options.model).string()},
            {"seed", options.seed},
            {"batch", options.batch},
            {"learning_rate", options.learningRate}};
}

} // namespace

ControlNetRun trainControlNet(const ControlNetTrainOptions& options,
                              const std::function<void(const DistillProgress&)>& report,
                              const std::function<bool()>& stop) {
    if (options.out.empty())
        throw std::invalid_argument("ControlNet training: no output file given");
    if (options.batch < 1 || options.steps < 1 || !(options.learningRate > 0))
        throw std::invalid_argument("ControlNet training: steps, batch >= 1 and a learning rate "
                                    "> 0 are needed");
    const ResumableRun state(options.out, runRecord(options));
    ControlNetRun run;
    run.resumedAt = run.steps = state.resumedAt();
    run.seconds = state.secondsBefore();
    DistillTeacher model = openDistillTeacher(options.model, options.seed);
    ControlNetTrainer trainer(*model.model, options);
    if (run.resumedAt > 0)
        trainer.loadState(state, run.resumedAt);
    const int imageSize = static_cast<int>(model.config.defaultImageSize);
    const auto referenceSize = static_cast<int>(model.config.reference.blip.vision.imageSize);
    const auto started = Clock::now();
    auto lastSave = started;
    const auto save = [&](std::int64_t stepsDone) {
        trainer.saveState(state);
        state.recordProgress(stepsDone, started);
        trainer.save(options.out);
    };
    DistillProgress progress;
    progress.total = options.steps;
    progress.firstStep = progress.step = run.resumedAt;
    for (std::int64_t s = run.resumedAt; s < options.steps; ++s) {
        const ControlBatch batch = controlBatch(options, imageSize, referenceSize, s);
        // Warm-up over the first 100 steps, as the model's own training.
        const double warm = std::min(1.0, 0.01 + 0.99 * static_cast<double>(s) / 100.0);
        for (auto& group : trainer.optimizer().param_groups())
            static_cast<torch::optim::AdamWOptions&>(group.options())
                .lr(options.learningRate * warm);
        const double loss =
            trainer.step(batch, options.seed * 1000003ULL + static_cast<std::uint64_t>(s));
        if (!std::isfinite(loss))
            throw std::runtime_error("the ControlNet loss became " + std::to_string(loss) +
                                     " at step " + std::to_string(s) + "; try a lower --lr");
        if (finishDistillStep(
                progress, s, loss, started, lastSave, options.maxMinutes, options.saveEverySeconds,
                [&] { save(s + 1); }, report, stop))
            break;
    }
    if (progress.step == run.resumedAt && !fs::exists(options.out))
        save(run.resumedAt); // nothing left to train: the file from the state
    run.steps = progress.step;
    run.seconds += std::chrono::duration<double>(Clock::now() - started).count();
    return run;
}

} // namespace deadiff::train
