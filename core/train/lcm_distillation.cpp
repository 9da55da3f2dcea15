#include "core/train/lcm_distillation.h"

#include "core/image/clip_preprocess.h"
#include "core/io/safetensors.h"
#include "core/pipeline/model_config.h"
#include "core/pipeline/request.h"
#include "core/pipeline/text_conditioning.h"
#include "core/sample/consistency.h"
#include "core/tokenize/prompt_weights.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace deadiff::train {
namespace {

using Clock = std::chrono::steady_clock;

// diffusers' LCM-LoRA target modules (train_lcm_distill_lora_sd_wds.py) in our module names.
constexpr const char* kTargetSuffixes[] = {".attn1.to_q.weight",
                                           ".attn1.to_k.weight",
                                           ".attn1.to_v.weight",
                                           ".attn1.to_out.0.weight",
                                           ".attn2.to_q.weight",
                                           ".attn2.to_k.weight",
                                           ".attn2.to_v.weight",
                                           ".attn2.to_out.0.weight",
                                           ".ff.net.0.proj.weight",
                                           ".ff.net.2.weight",
                                           ".proj_in.weight",
                                           ".proj_out.weight",
                                           ".in_layers.2.weight",
                                           ".out_layers.3.weight",
                                           ".emb_layers.1.weight",
                                           ".skip_connection.weight",
                                           ".op.weight",
                                           ".conv.weight"};

bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// [B] float32 per-sample values of f(t) for the timesteps `t` [B] (int64).
torch::Tensor perSample(const torch::Tensor& timesteps, double (*f)(std::int64_t)) {
    std::vector<float> values;
    for (std::int64_t i = 0; i < timesteps.size(0); ++i)
        values.push_back(static_cast<float>(f(timesteps[i].item<std::int64_t>())));
    return torch::tensor(values).view({-1, 1, 1, 1});
}

double skipOf(std::int64_t t) {
    return sample::lcmBoundaryScalings(t).skip;
}
double outOf(std::int64_t t) {
    return sample::lcmBoundaryScalings(t).out;
}

} // namespace

// A Linear or Conv2d weight of the UNet that the LoRA changes: its module (whose `weight` member
// forward() reads) and the registered parameter, which stays the base weight.
struct LcmLoraDistiller::Target {
    torch::nn::LinearImpl* linear = nullptr;
    torch::nn::Conv2dImpl* conv = nullptr;
    torch::Tensor base;
    void set(const torch::Tensor& weight) const {
        if (linear != nullptr)
            linear->weight = weight;
        else
            conv->weight = weight;
    }
};

bool LcmLoraDistiller::isTarget(const std::string& weightKey) {
    if (weightKey.find(".i_to_k.") != std::string::npos ||
        weightKey.find(".i_to_v.") != std::string::npos)
        return false;
    for (const char* suffix : kTargetSuffixes)
        if (endsWith(weightKey, suffix))
            return true;
    return false;
}

LcmLoraDistiller::LcmLoraDistiller(DeadiffTrainer& trainer, const std::string& tokenizerDir,
                                   const LcmDistillOptions& options)
    : trainer_(trainer)
    , options_(options)
    , tokenizer_(
          std::make_unique<tokenize::ClipTokenizer>(tokenize::ClipTokenizer::load(tokenizerDir))) {
    if (options.rank < 1 || options.solverSteps < 2 || options.batch < 1 || options.teacherCfg < 1)
        throw std::invalid_argument("LCM distillation: rank, batch >= 1, solver steps >= 2 and a "
                                    "teacher guidance scale >= 1 are needed");
    promptChunks_ = trainer.config().promptChunks;
    // Nothing of the model trains, and it runs as at inference.
    trainer_.unet()->eval();
    trainer_.text()->eval();
    trainer_.vae()->eval();
    for (torch::Tensor& parameter : trainer_.unet()->parameters())
        parameter.set_requires_grad(false);
    for (torch::Tensor& parameter : trainer_.text()->parameters())
        parameter.set_requires_grad(false);
    for (torch::Tensor& parameter : trainer_.vae()->parameters())
        parameter.set_requires_grad(false);
    for (const auto branch :
         {pipeline::ReferenceBranch::Style, pipeline::ReferenceBranch::Content}) {
        for (torch::Tensor& parameter : trainer_.references().blip(branch)->parameters())
            parameter.set_requires_grad(false);
        for (torch::Tensor& parameter : trainer_.references().proj(branch)->parameters())
            parameter.set_requires_grad(false);
    }

    std::map<std::string, std::pair<torch::nn::LinearImpl*, torch::nn::Conv2dImpl*>> layers;
    for (const auto& item : trainer_.unet()->named_modules("", false)) {
        const std::string key = std::string(nn::kUNetPrefix) + item.key() + ".weight";
        if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(item.value().get()))
            layers[key] = {linear, nullptr};
        else if (auto* conv = dynamic_cast<torch::nn::Conv2dImpl*>(item.value().get()))
            layers[key] = {nullptr, conv};
    }
    torch::manual_seed(options.seed);
    const nn::LoraTargetNames names(*trainer_.unet());
    std::vector<torch::Tensor> factors;
    for (const nn::LoraTarget& target : names.targets()) {
        if (target.textEncoder || !isTarget(target.weightKey))
            continue;
        const auto layer = layers.find(target.weightKey);
        if (layer == layers.end())
            throw std::logic_error("LCM distillation: no layer for " + target.weightKey);
        Target live;
        live.linear = layer->second.first;
        live.conv = layer->second.second;
        live.base = live.linear != nullptr ? live.linear->weight : live.conv->weight;
        const std::int64_t out = target.shape[0], in = target.shape[1];
        const std::int64_t rank = std::min<std::int64_t>(options.rank, std::min(in, out));
        nn::LoraModule module;
        module.target = target;
        module.alpha = static_cast<double>(rank);
        // PEFT's initialisation: down as nn.Linear's (Kaiming uniform, a = √5), up zero, so the
        // student starts as the teacher.
        std::vector<std::int64_t> downShape = {rank, in}, upShape = {out, rank};
        if (target.shape.size() == 4) {
            downShape.insert(downShape.end(), {target.shape[2], target.shape[3]});
            upShape.insert(upShape.end(), {1, 1});
        }
        std::int64_t fanIn = in;
        for (std::size_t d = 2; d < downShape.size(); ++d)
            fanIn *= downShape[d];
        const double bound = 1.0 / std::sqrt(static_cast<double>(fanIn));
        module.down = (torch::rand(downShape) * 2 - 1).mul_(bound).set_requires_grad(true);
        module.up = torch::zeros(upShape).set_requires_grad(true);
        factors.push_back(module.down);
        factors.push_back(module.up);
        modules_.push_back(std::move(module));
        targets_.push_back(live);
    }
    if (modules_.empty())
        throw std::runtime_error("LCM distillation: the UNet has no LoRA target layer");
    optimizer_ = std::make_unique<torch::optim::AdamW>(
        factors, torch::optim::AdamWOptions(options.learningRate).weight_decay(1e-2));

    torch::NoGradGuard noGrad;
    const tokenize::WeightedPrompt negative = tokenize::weightPrompt(
        *tokenizer_, kOfficialNegativePrompt, tokenize::chunkOptionsFor(promptChunks_));
    negativeContext_ = pipeline::encodeWeightedPrompt(trainer_.text(), negative);
}

LcmLoraDistiller::~LcmLoraDistiller() {
    for (const Target& target : targets_)
        target.set(target.base);
}

void LcmLoraDistiller::useLora(double weight) {
    for (std::size_t i = 0; i < targets_.size(); ++i) {
        const Target& target = targets_[i];
        if (weight == 0.0)
            target.set(target.base);
        else
            target.set(target.base + nn::loraDelta(modules_[i], weight).to(target.base.dtype()));
    }
}

double LcmLoraDistiller::step(const PairBatch& batch, std::uint64_t noiseSeed) {
    torch::manual_seed(noiseSeed);
    const std::int64_t size = batch.targets.size(0);
    const torch::Tensor& abar = trainer_.alphasCumprod();
    const std::int64_t trainSteps = abar.size(0);
    const std::int64_t stride = trainSteps / options_.solverSteps;

    torch::Tensor latents, condition, xStart, tStart, tPrevious, target;
    nn::UNetContext conditional, unconditional;
    {
        torch::NoGradGuard noGrad;
        latents = trainer_.vae()->encode(batch.targets).scaledLatent;
        std::vector<torch::Tensor> texts;
        for (const std::string& text : batch.texts)
            texts.push_back(pipeline::encodeWeightedPrompt(
                trainer_.text(), tokenize::weightPrompt(*tokenizer_, text,
                                                        tokenize::chunkOptionsFor(promptChunks_))));
        const torch::Tensor text = torch::cat(texts, 0);
        const torch::Tensor ids =
            trainer_.references().textIds(pipeline::ReferenceBranch::Style).expand({size, -1});
        auto& references = trainer_.references();
        const torch::Tensor style =
            references.proj(pipeline::ReferenceBranch::Style)
                ->forward(references.blip(pipeline::ReferenceBranch::Style)
                              ->forward(image::clipNormalize(batch.references), ids));
        const torch::Tensor zeros = torch::zeros_like(style);
        const torch::Tensor negative = negativeContext_.expand({size, -1, -1});
        conditional = {style, text, zeros, text, 1.0};
        unconditional = {zeros, negative, zeros, negative, 1.0};

        // The solver grid t_n = (n + 1)·k − 1 and one step back (0 below the first).
        const torch::Tensor index = torch::randint(0, options_.solverSteps, {size}, torch::kInt64);
        tStart = (index + 1) * stride - 1;
        tPrevious = (tStart - stride).clamp_min(0);
        const torch::Tensor aStart = abar.index_select(0, tStart).view({size, 1, 1, 1});
        const torch::Tensor aPrevious = abar.index_select(0, tPrevious).view({size, 1, 1, 1});
        const torch::Tensor noise = torch::randn_like(latents);
        xStart = aStart.sqrt() * latents + (1 - aStart).sqrt() * noise;

        // The teacher's guided DDIM step to t_{n-1}.
        useLora(0.0);
        // One call for both halves when the texts have the same length (as the pipeline does).
        torch::Tensor epsUncond, epsCond;
        if (unconditional.styleText.size(1) == conditional.styleText.size(1)) {
            const torch::Tensor eps =
                trainer_.unet()->forward(torch::cat({xStart, xStart}), torch::cat({tStart, tStart}),
                                         nn::UNetContext::concat(unconditional, conditional));
            epsUncond = eps.narrow(0, 0, size);
            epsCond = eps.narrow(0, size, size);
        } else {
            epsUncond = trainer_.unet()->forward(xStart, tStart, unconditional);
            epsCond = trainer_.unet()->forward(xStart, tStart, conditional);
        }
        const auto x0Of = [&](const torch::Tensor& x, const torch::Tensor& e,
                              const torch::Tensor& a) {
            return (x - (1 - a).sqrt() * e) / a.sqrt();
        };
        const double w = options_.teacherCfg - 1.0; // diffusers' w: x0_c + w·(x0_c − x0_u)
        const torch::Tensor x0Cond = x0Of(xStart, epsCond, aStart);
        const torch::Tensor x0Uncond = x0Of(xStart, epsUncond, aStart);
        const torch::Tensor x0Guided = x0Cond + w * (x0Cond - x0Uncond);
        const torch::Tensor epsGuided = epsCond + w * (epsCond - epsUncond);
        const torch::Tensor xPrevious =
            aPrevious.sqrt() * x0Guided + (1 - aPrevious).sqrt() * epsGuided;

        // The target: the student's own consistency function at t_{n-1}, without gradients.
        useLora(1.0);
        const torch::Tensor epsTarget = trainer_.unet()->forward(xPrevious, tPrevious, conditional);
        target = perSample(tPrevious, skipOf) * xPrevious +
                 perSample(tPrevious, outOf) * x0Of(xPrevious, epsTarget, aPrevious);
    }

    // The student at t_n, with gradients into the LoRA factors.
    useLora(1.0);
    const torch::Tensor aStart = abar.index_select(0, tStart).view({size, 1, 1, 1});
    const torch::Tensor eps = trainer_.unet()->forward(xStart, tStart, conditional);
    const torch::Tensor x0 = (xStart - (1 - aStart).sqrt() * eps) / aStart.sqrt();
    const torch::Tensor prediction =
        perSample(tStart, skipOf) * xStart + perSample(tStart, outOf) * x0;
    const torch::Tensor loss =
        options_.huberC > 0 ? ((prediction - target).pow(2) + options_.huberC * options_.huberC)
                                  .sqrt()
                                  .sub(options_.huberC)
                                  .mean()
                            : torch::mse_loss(prediction, target);
    optimizer_->zero_grad();
    loss.backward();
    optimizer_->step();
    useLora(0.0); // drops the graph that holds the old factors
    return loss.item<double>();
}

void LcmLoraDistiller::save(const std::string& path) const {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const nn::LoraModule& module : modules_) {
        const std::string& name = module.target.kohyaName;
        tensors.emplace_back(name + ".lora_down.weight", module.down.detach().to(torch::kFloat16));
        tensors.emplace_back(name + ".lora_up.weight", module.up.detach().to(torch::kFloat16));
        tensors.emplace_back(name + ".alpha", torch::tensor(static_cast<float>(module.alpha)));
    }
    io::writeSafetensors(
        path, tensors,
        {{"ss_network_module", "networks.lora"},
         {"ss_network_dim", std::to_string(options_.rank)},
         {"ss_network_alpha", std::to_string(options_.rank)},
         {"deadiff_lcm",
          "latent consistency distillation (deadiff train --lcm): teacher guidance scale " +
              std::to_string(options_.teacherCfg) + ", DDIM solver of " +
              std::to_string(options_.solverSteps) + " steps; use --sampler lcm --cfg 1"}});
}

namespace {

std::vector<torch::Tensor> factorsOf(const std::vector<nn::LoraModule>& modules) {
    std::vector<torch::Tensor> factors;
    for (const nn::LoraModule& module : modules)
        for (const torch::Tensor& factor : {module.down, module.up, module.mid})
            if (factor.defined())
                factors.push_back(factor);
    return factors;
}

} // namespace

void LcmLoraDistiller::saveState(const ResumableRun& state) const {
    saveStateFile(factorsOf(modules_), state.file("lora.pt"));
    saveStateFile(*optimizer_, state.file("optimizer.pt"));
}

void LcmLoraDistiller::loadState(const ResumableRun& state) {
    const std::string& dir = state.dir();
    std::vector<torch::Tensor> saved;
    loadStateFile(saved, state.file("lora.pt"), dir);
    std::vector<torch::Tensor> factors = factorsOf(modules_);
    if (saved.size() != factors.size())
        throw std::runtime_error(dir + " holds the state of another LoRA (" +
                                 std::to_string(saved.size()) + " tensors, this one has " +
                                 std::to_string(factors.size()) + "); delete it to start over");
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < factors.size(); ++i) {
        if (!saved[i].sizes().equals(factors[i].sizes()))
            throw std::runtime_error(dir + " holds the state of another LoRA (other ranks or "
                                           "layers); delete it to start over");
        factors[i].copy_(saved[i]);
    }
    loadStateFile(*optimizer_, state.file("optimizer.pt"), dir);
}

void distillLcmLora(const LcmDistillOptions& options,
                    const std::function<void(const DistillProgress&)>& report,
                    const std::function<bool()>& stop) {
    if (options.out.empty())
        throw std::invalid_argument("LCM distillation: no output file given");
    DistillTeacher teacher = openDistillTeacher(options.model, options.seed);
    const pipeline::ModelConfig& config = teacher.config;
    LcmLoraDistiller distiller(*teacher.model, teacher.tokenizerDir, options);

    SyntheticDatasetConfig dataConfig;
    dataConfig.imageSize = static_cast<int>(config.reference.blip.vision.imageSize);
    dataConfig.seed = options.seed;
    const SyntheticDataset dataset(dataConfig);
    std::mt19937_64 coins(options.seed ^ 0x1C3ull);
    std::uniform_real_distribution<double> coin(0.0, 1.0);

    const ResumableRun state(options.out,
                             {{"model", std::filesystem::weakly_canonical(options.model).string()},
                              {"rank", options.rank},
                              {"batch", options.batch},
                              {"learning_rate", options.learningRate},
                              {"teacher_cfg", options.teacherCfg},
                              {"solver_steps", options.solverSteps},
                              {"huber_c", options.huberC},
                              {"subject_only", options.subjectOnly},
                              {"seed", options.seed}});
    if (state.resumedAt() > 0) {
        distiller.loadState(state);
        // The caption coins of the steps done, drawn again: one per sample.
        for (std::int64_t drawn = 0; drawn < state.resumedAt() * options.batch; ++drawn)
            coin(coins);
    }
    const auto started = Clock::now();
    auto lastSave = started;
    const auto save = [&](std::int64_t stepsDone) {
        distiller.saveState(state);
        state.recordProgress(stepsDone, started);
        distiller.save(options.out);
    };
    DistillProgress progress;
    progress.total = options.steps;
    progress.firstStep = progress.step = state.resumedAt();
    for (std::int64_t s = state.resumedAt(); s < options.steps; ++s) {
        std::vector<cv::Mat> references, targets;
        PairBatch batch;
        for (int i = 0; i < options.batch; ++i) {
            const std::uint64_t index =
                (std::uint64_t{1} << 43) + static_cast<std::uint64_t>(s) * options.batch + i;
            const TrainingPair pair = dataset.trainingPair(index, PairTask::StyleReference);
            references.push_back(pair.reference.rgb);
            targets.push_back(pair.target.rgb);
            batch.texts.push_back(coin(coins) < options.subjectOnly
                                      ? subjectCaption(pair.target.subject)
                                      : pair.text);
        }
        batch.references = imagesToTensor(references);
        batch.targets = imagesToTensor(targets);
        const double loss =
            distiller.step(batch, options.seed * 1000003ull + static_cast<std::uint64_t>(s));
        if (finishDistillStep(
                progress, s, loss, started, lastSave, options.maxMinutes, options.saveEverySeconds,
                [&] { save(s + 1); }, report, stop))
            break;
    }
    if (progress.step == state.resumedAt() && !std::filesystem::exists(options.out))
        save(state.resumedAt()); // nothing left to train: the file from the state
}

} // namespace deadiff::train
