#include "core/train/trainer.h"

#include "core/common/splitmix.h"

#include "core/image/clip_preprocess.h"
#include "core/io/atomic_file.h"
#include "core/io/bounded_file.h"
#include "core/io/safetensors.h"
#include "core/io/weight_file.h"
#include "core/pipeline/request.h"
#include "core/sample/schedule.h"
#include "core/train/parameter_average.h"
#include "core/train/word_vocabulary.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <stdexcept>

namespace deadiff::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

using nn::kUNetPrefix;

bool isImageProjection(const std::string& name) {
    return name.find("attn2.i_to_k.") != std::string::npos ||
           name.find("attn2.i_to_v.") != std::string::npos;
}

void appendParameters(std::vector<torch::Tensor>& out, const torch::nn::Module& module) {
    for (const torch::Tensor& parameter : module.parameters())
        out.push_back(parameter);
}

std::uint64_t stepSeed(std::uint64_t seed, int phase, std::int64_t step) {
    return splitmix64(splitmix64(seed) ^ splitmix64(static_cast<std::uint64_t>(phase) << 40 ^
                                                    static_cast<std::uint64_t>(step)));
}

// Uniform double in [0, 1) from a 64-bit generator (no implementation-defined distributions).
double uniform(std::mt19937_64& rng) {
    return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}

// A fixed per-sample coin in [0, 1): which captions lose their style words.
double sampleCoin(std::uint64_t seed, std::uint64_t index) {
    return static_cast<double>(splitmix64(splitmix64(seed ^ 0x5EED) ^ index) >> 11) *
           (1.0 / 9007199254740992.0);
}

// pairBatch(), with the STRE caption reduced to the subject alone for a share of samples: the
// style must then come from the reference, as when a user prompts "a star" with a style image.
PairBatch trainingPairs(const SyntheticDataset& dataset, std::uint64_t first, int size,
                        double subjectOnly) {
    PairBatch batch;
    std::vector<cv::Mat> references, targets;
    for (int i = 0; i < size; ++i) {
        const std::uint64_t index = first + static_cast<std::uint64_t>(i);
        TrainingPair pair = dataset.trainingPair(index);
        if (pair.task == PairTask::StyleReference &&
            sampleCoin(dataset.config().seed, index) < subjectOnly)
            pair.text = subjectCaption(pair.target.subject);
        references.push_back(pair.reference.rgb);
        targets.push_back(pair.target.rgb);
        batch.texts.push_back(pair.text);
        batch.qformerModes.push_back(pair.qformerMode);
        batch.tasks.push_back(pair.task);
    }
    batch.references = imagesToTensor(references);
    batch.targets = imagesToTensor(targets);
    return batch;
}

// The trainer only ever sees the synthetic dataset's captions: its model can paint exactly those
// subjects and styles, and every exported folder says so (the studio's model card).
pipeline::ModelConfig withDatasetCard(pipeline::ModelConfig config) {
    config.card = {subjectNames(), styleNames(), captionWords()};
    return config;
}

} // namespace

pipeline::ModelConfig demoModelConfig() {
    pipeline::ModelConfig config;
    config.defaultImageSize = 64;
    constexpr std::int64_t width = 64;

    config.text.vocabSize =
        static_cast<std::int64_t>(buildClipWordVocabulary(captionWords()).tokens.size());
    config.text.width = width;
    config.text.layers = 2;
    config.text.heads = 4;
    config.text.mlpWidth = 4 * width;

    // 32 channels at the latent resolution: the UNet's cost grows with channels squared, and
    // each stage must train within an hour on two CPU cores.
    config.unet.modelChannels = 32;
    config.unet.channelMult = {1, 2, 2, 2};
    config.unet.numHeads = 2;
    config.unet.contextDim = width;
    config.unet.imageTokens = 8;

    config.vae.ch = 32;
    config.vae.chMult = {1, 2, 2};
    config.vae.numResBlocks = 1;
    config.vae.scaleFactor = 1.0; // calibrated after the VAE phase
    // At 64 px speed does not matter, and bfloat16 changes these small networks' images (every
    // evaluation number is measured in float32), so "auto" means float32 for them.
    config.autoDtype = ComputeDtype::Float32;
    // Trained on captions cut after 75 tokens (most words outside its small vocabulary become
    // letters: the default negative prompt is 176 tokens): it reads one chunk, as trained.
    config.promptChunks = 1;

    nn::Blip2QFormerConfig& blip = config.reference.blip;
    blip.vision.imageSize = 64;
    blip.vision.patchSize = 8;
    blip.vision.width = width;
    blip.vision.layers = 2;
    blip.vision.heads = 4;
    blip.vision.mlpWidth = 4 * width;
    blip.qformer.hidden = width;
    blip.qformer.layers = 2;
    blip.qformer.heads = 4;
    blip.qformer.intermediate = 4 * width;
    blip.qformer.maxPositions = 8;
    blip.qformer.encoderWidth = width;
    blip.queryTokens = 8;
    config.reference.proj.width = width;
    config.reference.proj.hidden = 4 * width;
    useCompactQFormerVocabulary(config.reference);
    return config;
}

void useCompactQFormerVocabulary(pipeline::ReferenceEncoderConfig& reference) {
    reference.blip.qformer.vocabSize = 5; // [PAD] [CLS] [SEP] style content
    reference.styleTextIds = {1, 3, 2};
    reference.contentTextIds = {1, 4, 2};
}

DeadiffTrainer::DeadiffTrainer(const pipeline::ModelConfig& config, const std::string& tokenizerDir,
                               std::uint64_t seed)
    : config_(config)
    , tokenizerDir_(tokenizerDir) {
    if (!fs::exists(fs::path(tokenizerDir) / "vocab.json"))
        writeClipWordVocabulary(buildClipWordVocabulary(captionWords()), tokenizerDir);
    tokenizer_ =
        std::make_unique<tokenize::ClipTokenizer>(tokenize::ClipTokenizer::load(tokenizerDir));
    if (static_cast<std::int64_t>(tokenizer_->vocabSize()) > config_.text.vocabSize)
        throw std::runtime_error(tokenizerDir + ": the vocabulary has more tokens than the text "
                                                "encoder's vocab_size");
    torch::manual_seed(seed);
    text_ = nn::ClipTextModel(config_.text);
    unet_ = nn::UNetModel(config_.unet);
    vae_ = nn::AutoencoderKL(config_.vae);
    references_ = std::make_unique<pipeline::ReferenceEncoder>(config_.reference);
    const std::int64_t visionWidth = config_.reference.blip.vision.width;
    visionHeads_ = torch::nn::Sequential(
        torch::nn::LayerNorm(torch::nn::LayerNormOptions({visionWidth})),
        torch::nn::Linear(visionWidth, static_cast<std::int64_t>(subjectCount() + styleCount())));
    alphasCumprod_ = sample::scaledLinearAlphasCumprod(
        sample::kTrainTimesteps, config_.schedule.linearStart, config_.schedule.linearEnd);
}

void DeadiffTrainer::loadWeights(const std::string& modelFolder) {
    if (!optimizers_.empty())
        throw std::logic_error("loadWeights after an optimizer was created");
    const std::string jsonPath = pipeline::modelConfigPath(modelFolder);
    if (jsonPath.empty() || !fs::exists(jsonPath))
        throw std::runtime_error(modelFolder + " is not a model folder (no model.json)");
    config_ = pipeline::readModelConfig(jsonPath);
    if (config_.autoDtype == ComputeDtype::Auto) // a folder from before the field
        config_.autoDtype = demoModelConfig().autoDtype;
    const pipeline::ModelWeights weights = pipeline::openModelWeights(jsonPath, config_);
    const nn::TensorMap& tensors = weights.tensors;
    nn::LoadOptions copy;
    copy.shareMemory = false; // trained in place: never alias the mapped file
    text_ = nn::ClipTextModel(config_.text);
    nn::loadStateDict(*text_, tensors, nn::kClipTextPrefix, copy);
    unet_ = nn::UNetModel(config_.unet);
    nn::loadStateDict(*unet_, tensors, kUNetPrefix, copy);
    vae_ = nn::AutoencoderKL(config_.vae);
    nn::loadStateDict(*vae_, tensors, nn::kVaePrefix, copy);
    references_ = std::make_unique<pipeline::ReferenceEncoder>(config_.reference);
    alphasCumprod_ = pipeline::modelAlphasCumprod(tensors, config_);
    using pipeline::ReferenceBranch;
    nn::loadStateDict(*references_->blip(ReferenceBranch::Style), tensors, nn::kStyleBlipPrefix,
                      copy);
    nn::loadStateDict(*references_->blip(ReferenceBranch::Content), tensors, nn::kContentBlipPrefix,
                      copy);
    nn::loadStateDict(*references_->proj(ReferenceBranch::Style), tensors, nn::kStyleProjPrefix,
                      copy);
    nn::loadStateDict(*references_->proj(ReferenceBranch::Content), tensors, nn::kContentProjPrefix,
                      copy);
}

void DeadiffTrainer::setAlphasCumprod(const torch::Tensor& alphasCumprod) {
    alphasCumprod_ = sample::alphasCumprodOrDefault(alphasCumprod);
}

void DeadiffTrainer::saveOverlay(const std::string& folder, const std::string& baseFolder,
                                 bool half) const {
    pipeline::writeModelOverlay(
        folder, withDatasetCard(config_),
        pipeline::modelTensors(text_, unet_, vae_, *references_, alphasCumprod_), baseFolder, half);
}

void DeadiffTrainer::saveModel(const std::string& folder, bool half) const {
    pipeline::writeModelFolder(
        folder, withDatasetCard(config_),
        pipeline::modelTensors(text_, unet_, vae_, *references_, alphasCumprod_), half);
    writeClipWordVocabulary(buildClipWordVocabulary(captionWords()),
                            (fs::path(folder) / config_.tokenizer).string());
}

std::vector<torch::Tensor> DeadiffTrainer::parameters(TrainerPhase phase) {
    std::vector<torch::Tensor> result;
    switch (phase) {
    case TrainerPhase::Vae:
        appendParameters(result, *vae_);
        break;
    case TrainerPhase::Unet:
        if (!finetunesBase(options_))
            appendParameters(result, *text_);
        for (const auto& item : unet_->named_parameters())
            if (!isImageProjection(item.key()))
                result.push_back(item.value());
        break;
    case TrainerPhase::Vision:
        appendParameters(result,
                         *references_->blip(pipeline::ReferenceBranch::Style)->visual_encoder);
        appendParameters(result, *visionHeads_);
        break;
    case TrainerPhase::Deadiff: {
        using pipeline::ReferenceBranch;
        for (const ReferenceBranch branch : {ReferenceBranch::Style, ReferenceBranch::Content}) {
            for (const auto& item : references_->blip(branch)->named_parameters())
                if (!visionTowerFrozen() || item.key().rfind("visual_encoder.", 0) != 0)
                    result.push_back(item.value());
            appendParameters(result, *references_->proj(branch));
        }
        for (const auto& item : unet_->named_parameters())
            if (isImageProjection(item.key()))
                result.push_back(item.value());
        break;
    }
    }
    return result;
}

torch::optim::AdamW& DeadiffTrainer::optimizer(TrainerPhase phase) {
    auto& slot = optimizers_[phase];
    if (!slot) {
        const double rate = phase == TrainerPhase::Vae      ? options_.vaeLearningRate
                            : phase == TrainerPhase::Vision ? options_.visionLearningRate
                                                            : options_.learningRate;
        slot = std::make_unique<torch::optim::AdamW>(
            parameters(phase), torch::optim::AdamWOptions(rate).weight_decay(options_.weightDecay));
    }
    return *slot;
}

void DeadiffTrainer::setLearningRate(TrainerPhase phase, double learningRate) {
    for (auto& group : optimizer(phase).param_groups())
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(learningRate);
}

torch::Tensor DeadiffTrainer::tokenize(const std::vector<std::string>& captions) const {
    std::vector<std::int64_t> ids;
    for (const std::string& caption : captions) {
        const tokenize::ClipEncoding encoding = tokenizer_->encode(caption);
        ids.insert(ids.end(), encoding.ids.begin(), encoding.ids.end());
    }
    return torch::tensor(ids, torch::kInt64)
        .view(
            {static_cast<std::int64_t>(captions.size()), tokenize::ClipTokenizer::kContextLength});
}

DeadiffTrainer::Noised DeadiffTrainer::addNoise(const torch::Tensor& latents) const {
    const std::int64_t batch = latents.size(0);
    Noised result;
    result.timesteps = torch::randint(0, alphasCumprod_.size(0), {batch}, torch::kInt64);
    result.noise = trainingNoise(latents, options_.offsetNoise);
    const torch::Tensor abar =
        alphasCumprod_.index_select(0, result.timesteps).view({batch, 1, 1, 1});
    result.noisy = abar.sqrt() * latents + (1.0 - abar).sqrt() * result.noise;
    return result;
}

torch::Tensor trainingNoise(const torch::Tensor& latents, double offset) {
    torch::Tensor noise = torch::randn_like(latents);
    if (offset > 0)
        noise = noise +
                offset * torch::randn({latents.size(0), latents.size(1), 1, 1}, latents.options());
    return noise;
}

torch::Tensor minSnrWeights(const torch::Tensor& alphasCumprod, const torch::Tensor& timesteps,
                            double gamma) {
    const torch::Tensor abar = alphasCumprod.index_select(0, timesteps);
    const torch::Tensor snr = abar / (1.0 - abar);
    return snr.clamp_max(gamma) / snr;
}

torch::Tensor DeadiffTrainer::noiseLoss(const torch::Tensor& eps, const Noised& noised) const {
    if (!(options_.snrGamma > 0))
        return torch::mse_loss(eps, noised.noise);
    const torch::Tensor perSample = (eps - noised.noise).pow(2).mean({1, 2, 3});
    return (perSample * minSnrWeights(alphasCumprod_, noised.timesteps, options_.snrGamma)).mean();
}

double DeadiffTrainer::finishStep(TrainerPhase phase, const torch::Tensor& loss) {
    torch::optim::AdamW& adam = optimizer(phase);
    adam.zero_grad();
    loss.backward();
    std::vector<torch::Tensor> trained;
    for (const auto& group : adam.param_groups())
        for (const torch::Tensor& parameter : group.params())
            trained.push_back(parameter);
    torch::nn::utils::clip_grad_norm_(trained, 1.0);
    adam.step();
    return loss.item<double>();
}

double DeadiffTrainer::vaeStep(const torch::Tensor& images, std::uint64_t noiseSeed) {
    torch::manual_seed(noiseSeed);
    vae_->train();
    const nn::VaeEncoding posterior = vae_->encode(images);
    const torch::Tensor z =
        posterior.mean + (0.5 * posterior.logvar).exp() * torch::randn_like(posterior.mean);
    const torch::Tensor reconstruction = vae_->decode(z * config_.vae.scaleFactor);
    const torch::Tensor error = reconstruction - images;
    const torch::Tensor kl =
        0.5 * (posterior.mean.pow(2) + posterior.logvar.exp() - 1.0 - posterior.logvar).mean();
    const torch::Tensor loss = error.abs().mean() + error.pow(2).mean() + options_.klWeight * kl;
    return finishStep(TrainerPhase::Vae, loss);
}

void DeadiffTrainer::calibrateLatentScale(const torch::Tensor& images) {
    double deviation = 1.0;
    {
        torch::NoGradGuard noGrad;
        deviation = vae_->encode(images).mean.std().item<double>();
    }
    if (!(deviation > 0) || !std::isfinite(deviation))
        throw std::runtime_error("calibrateLatentScale: the VAE latents have no spread");
    const nn::TensorMap weights = nn::stateDictOf(*vae_, "");
    config_.vae.scaleFactor = 1.0 / deviation;
    vae_ = nn::AutoencoderKL(config_.vae);
    nn::LoadOptions copy;
    copy.shareMemory = false;
    nn::loadStateDict(*vae_, weights, "", copy);
    optimizers_.erase(TrainerPhase::Vae); // its parameters were the old module's
}

double DeadiffTrainer::unetStep(const torch::Tensor& images,
                                const std::vector<std::string>& captions, std::uint64_t noiseSeed) {
    torch::manual_seed(noiseSeed);
    std::mt19937_64 rng(noiseSeed);
    torch::Tensor latents;
    {
        torch::NoGradGuard noGrad;
        latents = vae_->encode(images).scaledLatent;
    }
    // Captions dropped for classifier-free guidance: half to "", half to the default negative
    // prompt, which is what inference feeds the unconditional branch.
    std::vector<std::string> texts = captions;
    for (std::string& text : texts) {
        const double u = uniform(rng);
        if (u < options_.textDropProbability)
            text = u < options_.textDropProbability / 2 ? std::string() : kOfficialNegativePrompt;
    }
    torch::Tensor context;
    {
        // A fine-tune keeps the text encoder: no gradients through it (time, memory).
        std::optional<torch::NoGradGuard> frozen;
        if (finetunesBase(options_))
            frozen.emplace();
        context = text_->forward(tokenize(texts));
    }
    const torch::Tensor zeros =
        torch::zeros({latents.size(0), config_.unet.imageTokens, config_.unet.contextDim});
    const Noised noised = addNoise(latents);
    const nn::UNetContext contexts{zeros, context, zeros, context, 1.0};
    const torch::Tensor eps = unet_->forward(noised.noisy, noised.timesteps, contexts);
    return finishStep(TrainerPhase::Unet, noiseLoss(eps, noised));
}

void DeadiffTrainer::initialiseImageProjections() {
    torch::NoGradGuard noGrad;
    std::map<std::string, torch::Tensor> byName;
    for (const auto& item : unet_->named_parameters())
        byName.emplace(item.key(), item.value());
    int copied = 0;
    for (auto& [name, parameter] : byName) {
        if (!isImageProjection(name))
            continue;
        std::string source = name;
        source.replace(source.find("i_to_"), 5, "to_");
        parameter.copy_(byName.at(source));
        ++copied;
    }
    if (copied == 0)
        throw std::runtime_error("the UNet has no attn2.i_to_k / i_to_v to initialise");
}

void DeadiffTrainer::setContentLayers(const std::vector<std::int64_t>& layers) {
    if (!optimizers_.empty())
        throw std::logic_error("setContentLayers after an optimizer was created");
    for (const std::int64_t layer : layers)
        if (layer < 0 || layer >= unet_->transformerCount())
            throw std::runtime_error(
                "content layer " + std::to_string(layer) + " does not exist (the UNet has " +
                std::to_string(unet_->transformerCount()) + " spatial transformers)");
    const nn::TensorMap weights = nn::stateDictOf(*unet_, "");
    config_.unet.contentLayers = layers;
    unet_ = nn::UNetModel(config_.unet);
    nn::LoadOptions copy;
    copy.shareMemory = false;
    nn::loadStateDict(*unet_, weights, "", copy);
}

double DeadiffTrainer::deadiffStep(const PairBatch& batch, std::uint64_t noiseSeed) {
    using pipeline::ReferenceBranch;
    torch::manual_seed(noiseSeed);
    std::mt19937_64 rng(noiseSeed);
    const std::int64_t size = batch.references.size(0);
    const std::int64_t visionSize = config_.reference.blip.vision.imageSize;
    if (batch.references.size(2) != visionSize || batch.references.size(3) != visionSize)
        throw std::runtime_error("deadiffStep: references are " +
                                 std::to_string(batch.references.size(2)) +
                                 " px but the vision tower reads " + std::to_string(visionSize));
    // Frozen parts: text encoder, VAE (no gradients at all) and the UNet except i_to_k/i_to_v.
    torch::Tensor latents, text;
    {
        torch::NoGradGuard noGrad;
        latents = vae_->encode(batch.targets).scaledLatent;
        text = text_->forward(tokenize(batch.texts));
    }
    for (const auto& item : unet_->named_parameters())
        item.value().set_requires_grad(isImageProjection(item.key()));
    const bool frozenTowers = visionTowerFrozen();
    const auto setTowersTrainable = [&](bool trainable) {
        for (const auto branch : {ReferenceBranch::Style, ReferenceBranch::Content})
            for (torch::Tensor& parameter : references_->blip(branch)->visual_encoder->parameters())
                parameter.set_requires_grad(trainable);
    };
    if (frozenTowers)
        setTowersTrainable(false);

    // Which branch each sample's task feeds (spec §8), and the 15 % image-context drops.
    std::vector<float> useStyle, useContent;
    for (std::int64_t i = 0; i < size; ++i) {
        const PairTask task = batch.tasks[static_cast<std::size_t>(i)];
        const bool dropped = uniform(rng) < options_.dropProbability[static_cast<int>(task)];
        useStyle.push_back(!dropped && task != PairTask::SemanticReference ? 1.0f : 0.0f);
        useContent.push_back(!dropped && task != PairTask::StyleReference ? 1.0f : 0.0f);
    }
    const torch::Tensor clipInput = image::clipNormalize(batch.references);
    const auto branchContext = [&](ReferenceBranch branch, const std::vector<float>& use) {
        const torch::Tensor ids = references_->textIds(branch).expand({size, -1});
        const torch::Tensor embedding =
            references_->proj(branch)->forward(references_->blip(branch)->forward(clipInput, ids));
        return embedding * torch::tensor(use).view({size, 1, 1});
    };
    const nn::UNetContext contexts{branchContext(ReferenceBranch::Style, useStyle), text,
                                   branchContext(ReferenceBranch::Content, useContent), text, 1.0};
    const Noised noised = addNoise(latents);
    const torch::Tensor eps = unet_->forward(noised.noisy, noised.timesteps, contexts);
    const double loss = finishStep(TrainerPhase::Deadiff, noiseLoss(eps, noised));
    for (const auto& item : unet_->named_parameters())
        item.value().set_requires_grad(true);
    if (frozenTowers)
        setTowersTrainable(true);
    return loss;
}

double DeadiffTrainer::visionStep(const torch::Tensor& images, const torch::Tensor& subjects,
                                  const torch::Tensor& styles, std::uint64_t noiseSeed) {
    torch::manual_seed(noiseSeed);
    nn::ClipVisionModel& tower =
        references_->blip(pipeline::ReferenceBranch::Style)->visual_encoder;
    const torch::Tensor tokens = tower->forward(image::clipNormalize(images));
    const torch::Tensor logits = visionHeads_->forward(tokens.mean(1));
    const auto subjectsKnown = static_cast<std::int64_t>(subjectCount());
    const torch::Tensor loss =
        torch::cross_entropy_loss(logits.narrow(1, 0, subjectsKnown), subjects) +
        torch::cross_entropy_loss(logits.narrow(1, subjectsKnown, logits.size(1) - subjectsKnown),
                                  styles);
    return finishStep(TrainerPhase::Vision, loss);
}

void DeadiffTrainer::shareVisionTower() {
    using pipeline::ReferenceBranch;
    const nn::TensorMap weights =
        nn::stateDictOf(*references_->blip(ReferenceBranch::Style)->visual_encoder, "");
    nn::LoadOptions copy;
    copy.shareMemory = false;
    nn::loadStateDict(*references_->blip(ReferenceBranch::Content)->visual_encoder, weights, "",
                      copy);
}

namespace {

// What progress.json records: where a run stands.
struct Progress {
    int stage = 1;
    TrainerPhase phase = TrainerPhase::Vae;
    std::int64_t step = 0;
    // Stage 1 from a finished model (TrainOptions::baseModel) and the renders' look: a resumed
    // run must be given the same, or it would train other parameters on other images.
    bool fineTune = false;
    BaseLook look = BaseLook::Plain;
};

Progress readProgress(const std::string& path) {
    const auto broken = [&](const std::string& why) {
        return std::runtime_error(path + ": not a training progress file (" + why +
                                  "); delete the checkpoint folder to start over");
    };
    try {
        const nlohmann::json json = nlohmann::json::parse(
            io::readBoundedTextFile(path, io::kMaxJsonFileBytes, "training progress file"));
        const std::string phase = json.at("phase").get<std::string>();
        const std::optional<TrainerPhase> parsed = enumFromName<TrainerPhase>(phase);
        if (!parsed)
            throw broken("unknown phase '" + phase + "'");
        Progress progress{json.at("stage").get<int>(), *parsed,
                          json.at("step").get<std::int64_t>()};
        // Runs from before fine-tuning existed have neither key: plain renders, from scratch.
        progress.fineTune = json.value("fine_tune", false);
        const std::string look = json.value("look", std::string(nameOf(BaseLook::Plain)));
        const std::optional<BaseLook> parsedLook = enumFromName<BaseLook>(look);
        if (!parsedLook)
            throw broken("unknown look '" + look + "'");
        progress.look = *parsedLook;
        return progress;
    } catch (const nlohmann::json::exception& error) {
        throw broken(error.what());
    }
}

void writeProgress(const std::string& path, const Progress& progress, const TrainOptions& o) {
    const nlohmann::json json = {{"stage", progress.stage},
                                 {"phase", nameOf(progress.phase)},
                                 {"step", progress.step},
                                 {"seed", o.seed},
                                 {"batch", o.batch},
                                 {"steps", o.steps},
                                 {"vae_steps", o.vaeSteps},
                                 {"learning_rate", o.learningRate},
                                 {"task_weights", o.taskWeights},
                                 {"fine_tune", finetunesBase(o)},
                                 {"base_model", o.baseModel},
                                 {"look", nameOf(o.look)}};
    const std::string text = json.dump(2) + "\n";
    io::AtomicFile file(path);
    file.write(text.data(), text.size());
    file.commit();
}

void checkOptions(const TrainOptions& options) {
    if (options.stage != 1 && options.stage != 2)
        throw std::runtime_error("--stage must be 1 or 2, got " + std::to_string(options.stage));
    if (options.outDir.empty())
        throw std::runtime_error("no checkpoint folder given (--out)");
    if (options.batch < 1 || options.vaeBatch < 1)
        throw std::runtime_error("--batch and --vae-batch must be >= 1");
    if (options.stage != 1 && options.look != BaseLook::Plain)
        throw std::runtime_error("--look is for stage 1: the look of the base model's renders");
}

// One run of train(): a checkpoint folder, resumed or fresh, driven phase by phase.
class TrainingRun {
public:
    TrainingRun(const TrainOptions& options,
                const std::function<void(const TrainProgress&)>& report,
                const std::function<bool()>& stop)
        : options_(options)
        , report_(report)
        , stop_(stop)
        , out_(options.outDir)
        , modelDir_(out_ / "model")
        , averageDir_(out_ / "ema") // the averaged weights: what ships and evaluates
        , progressPath_((out_ / "progress.json").string())
        , config_(demoModelConfig())
        , trainer_(config_, (modelDir_ / config_.tokenizer).string(), options.seed) {
        trainer_.setOptions(options);
        state_.stage = options.stage;
    }

    void run() {
        if (fs::exists(progressPath_)) {
            if (!options_.exportDir.empty())
                return exportModel();
            resume();
        } else if (!options_.exportDir.empty()) {
            throw std::runtime_error(options_.outDir + " holds no training run to export");
        } else {
            start();
        }
        applySchedule();
        makeDataset();
        started_ = lastSave_ = Clock::now();
        if (state_.phase == TrainerPhase::Vae && !vaePhase())
            return;
        if (state_.phase == TrainerPhase::Unet)
            unetPhase();
        if (state_.phase == TrainerPhase::Vision && !visionPhase())
            return;
        if (state_.phase == TrainerPhase::Deadiff)
            deadiffPhase();
    }

private:
    std::string optimizerPath(TrainerPhase phase) const {
        return (out_ / ("optimizer-" + std::string(nameOf(phase)) + ".pt")).string();
    }
    std::string averagePath(TrainerPhase phase) const {
        return (out_ / ("ema-" + std::string(nameOf(phase)) + ".pt")).string();
    }
    std::string visionHeadsPath() const { return (out_ / "vision-heads.pt").string(); }

    // Export ships the averaged weights (else the last ones); no optimizer is involved.
    void exportModel() {
        checkStage(readProgress(progressPath_));
        trainer_.loadWeights(fs::exists(averageDir_ / "model.json") ? averageDir_.string()
                                                                    : modelDir_.string());
        if (options_.exportBase.empty())
            trainer_.saveModel(options_.exportDir, /*half=*/true);
        else
            trainer_.saveOverlay(options_.exportDir, options_.exportBase, /*half=*/true);
    }

    void checkStage(const Progress& recorded) const {
        if (recorded.stage != options_.stage)
            throw std::runtime_error(
                progressPath_ + " is a stage " + std::to_string(recorded.stage) +
                " run; use another --out folder for stage " + std::to_string(options_.stage));
    }

    void resume() {
        state_ = readProgress(progressPath_);
        checkStage(state_);
        if (options_.stage == 1 &&
            (state_.fineTune != finetunesBase(options_) || state_.look != options_.look))
            throw std::runtime_error(
                progressPath_ + " is a stage-1 run " +
                (state_.fineTune ? "fine-tuning a finished model (--base)" : "from scratch") +
                " on " + nameOf(state_.look) + " renders (--look " + nameOf(state_.look) +
                "); resume it with the same options, or use another --out folder");
        trainer_.loadWeights(modelDir_.string());
        if (state_.phase == TrainerPhase::Vision && fs::exists(visionHeadsPath()))
            torch::load(trainer_.visionHeads(), visionHeadsPath());
        const std::string optimizerFile = optimizerPath(state_.phase);
        if (!fs::exists(optimizerFile))
            return;
        try {
            torch::load(trainer_.optimizer(state_.phase), optimizerFile);
        } catch (const c10::Error&) {
            throw std::runtime_error(optimizerFile + " does not fit this trainer's " +
                                     nameOf(state_.phase) +
                                     " phase (written by an older version?); start a new --out "
                                     "folder");
        }
    }

    void start() {
        if (options_.stage == 2) {
            if (options_.baseModel.empty())
                throw std::runtime_error("stage 2 needs the stage-1 model: --base FOLDER");
            trainer_.loadWeights(options_.baseModel);
            trainer_.initialiseImageProjections();
            if (options_.contentLayers)
                trainer_.setContentLayers(*options_.contentLayers);
            state_.phase = options_.visionSteps > 0 ? TrainerPhase::Vision : TrainerPhase::Deadiff;
        } else if (!options_.baseModel.empty()) { // a fine-tune of a finished base
            trainer_.loadWeights(options_.baseModel);
            state_.phase = TrainerPhase::Unet;
        } else {
            state_.phase = options_.vaeSteps > 0 ? TrainerPhase::Vae : TrainerPhase::Unet;
        }
    }

    // Stage 1 sets the schedule (also when resuming a run begun with another); stage 2 keeps
    // the base model's, loaded with its weights.
    void applySchedule() {
        if (options_.stage != 1 || !(options_.terminalSignal > 0))
            return;
        const pipeline::ScheduleConfig& schedule = trainer_.config().schedule;
        trainer_.setAlphasCumprod(sample::rescaleTerminalSignal(
            sample::scaledLinearAlphasCumprod(sample::kTrainTimesteps, schedule.linearStart,
                                              schedule.linearEnd),
            options_.terminalSignal));
    }

    void makeDataset() {
        SyntheticDatasetConfig config;
        config.imageSize = trainer_.config().defaultImageSize;
        config.seed = options_.seed;
        config.taskWeights = options_.taskWeights;
        config.textToImageIncludesHeldOut = !options_.holdOutFromBase;
        config.look = options_.look;
        dataset_ = std::make_unique<SyntheticDataset>(config);
    }

    // The running phase's weight average, when it averages.
    void startAverage(TrainerPhase phase) {
        weightAverage_.reset();
        const bool averaged = phase == TrainerPhase::Unet || phase == TrainerPhase::Deadiff;
        if (!(options_.emaDecay > 0) || !averaged)
            return;
        std::vector<torch::Tensor> trained;
        for (const auto& group : trainer_.optimizer(phase).param_groups())
            for (const torch::Tensor& parameter : group.params())
                trained.push_back(parameter);
        weightAverage_ = std::make_unique<ParameterAverage>(std::move(trained));
        // A run started before averaging existed starts its average at the current weights.
        if (fs::exists(averagePath(phase)))
            weightAverage_->load(averagePath(phase));
    }

    void save() {
        trainer_.saveModel(modelDir_.string());
        const std::string path = optimizerPath(state_.phase);
        torch::save(trainer_.optimizer(state_.phase), path + ".tmp");
        fs::rename(path + ".tmp", path);
        if (state_.phase == TrainerPhase::Vision)
            torch::save(trainer_.visionHeads(), visionHeadsPath());
        if (weightAverage_) {
            weightAverage_->withAverages([&] { trainer_.saveModel(averageDir_.string()); });
            weightAverage_->save(averagePath(state_.phase));
        }
        writeProgress(progressPath_, state_, options_);
        lastSave_ = Clock::now();
    }

    // The next phase starts at step 0, checkpointed.
    void advanceTo(TrainerPhase phase) {
        state_.phase = phase;
        state_.step = 0;
        save();
    }

    bool outOfTime() const {
        return options_.maxMinutes > 0 &&
               std::chrono::duration<double>(Clock::now() - started_).count() >
                   options_.maxMinutes * 60.0;
    }

    double warmUp() const {
        if (options_.warmupSteps <= 0)
            return 1.0;
        return std::min(1.0, 0.01 + 0.99 * static_cast<double>(state_.step) /
                                        static_cast<double>(options_.warmupSteps));
    }

    // Text-to-image renders `first`.. of the dataset; with `captions`, their captions too.
    torch::Tensor images(std::uint64_t first, int count, std::vector<std::string>* captions) const {
        std::vector<cv::Mat> rgb;
        for (int i = 0; i < count; ++i) {
            const SyntheticImage sample = dataset_->textToImageSample(first + i);
            rgb.push_back(sample.rgb);
            // Some captions name the subject alone, so that "star" means a star in any style.
            if (captions != nullptr)
                captions->push_back(sampleCoin(options_.seed, first + i) <
                                            options_.subjectOnlyCaptions
                                        ? subjectCaption(sample.subject)
                                        : caption(sample.subject, sample.style));
        }
        return imagesToTensor(rgb);
    }

    // One phase's loop from the current step to `total`; false when stopped early (after
    // saving).
    bool runPhase(TrainerPhase phase, std::int64_t total, double rate,
                  const std::function<double(std::int64_t)>& step) {
        double average = -1;
        auto stepStarted = Clock::now();
        double secondsPerStep = 0;
        while (state_.step < total) {
            if ((stop_ && stop_()) || outOfTime()) {
                save();
                return false;
            }
            const double learningRate = rate * warmUp();
            trainer_.setLearningRate(phase, learningRate);
            const double loss = step(state_.step);
            // The usual warm-up of the decay: a fresh phase's average follows the weights
            // closely at first instead of keeping the random start for a thousand steps.
            if (weightAverage_)
                weightAverage_->update(
                    std::min(options_.emaDecay, static_cast<double>(1 + state_.step) /
                                                    static_cast<double>(10 + state_.step)));
            if (!std::isfinite(loss))
                throw std::runtime_error("the " + std::string(nameOf(phase)) + " loss became " +
                                         std::to_string(loss) + " at step " +
                                         std::to_string(state_.step) +
                                         "; resume from the last checkpoint with a lower --lr");
            ++state_.step;
            average = average < 0 ? loss : 0.98 * average + 0.02 * loss;
            const auto now = Clock::now();
            const double seconds = std::chrono::duration<double>(now - stepStarted).count();
            secondsPerStep = secondsPerStep == 0 ? seconds : 0.9 * secondsPerStep + 0.1 * seconds;
            stepStarted = now;
            const bool saving = std::chrono::duration<double>(now - lastSave_).count() >=
                                    options_.saveEverySeconds ||
                                state_.step == total;
            if (saving)
                save();
            if (report_)
                report_({options_.stage, phase, state_.step, total, loss, average, learningRate,
                         secondsPerStep, saving});
        }
        return true;
    }

    // The VAE is convolutional, so it learns from crops at a fraction of the cost; the offset
    // is a multiple of the latent factor (latent cells stay aligned).
    double vaeStep(std::int64_t step) {
        const auto first = static_cast<std::uint64_t>(step * options_.vaeBatch);
        torch::Tensor batchImages = images(first, options_.vaeBatch, nullptr);
        const std::uint64_t seed = stepSeed(options_.seed, 0, step);
        const std::int64_t factor = trainer_.config().latentFactor();
        const auto crop = static_cast<std::int64_t>(options_.vaeCrop);
        const std::int64_t size = batchImages.size(2);
        if (crop > 0 && crop < size) {
            const auto cells = static_cast<std::uint64_t>((size - crop) / factor + 1);
            const auto offset = [&](std::uint64_t k) {
                return static_cast<std::int64_t>(splitmix64(seed + k) % cells) * factor;
            };
            batchImages =
                batchImages.narrow(2, offset(1), crop).narrow(3, offset(2), crop).contiguous();
        }
        return trainer_.vaeStep(batchImages, seed);
    }

    bool vaePhase() {
        if (!runPhase(TrainerPhase::Vae, options_.vaeSteps, options_.vaeLearningRate,
                      [&](std::int64_t step) { return vaeStep(step); }))
            return false;
        // Held-apart samples (a far index range) set the latent scale.
        trainer_.calibrateLatentScale(images(std::uint64_t{1} << 40, 128, nullptr));
        advanceTo(TrainerPhase::Unet);
        return true;
    }

    // The last step saves; a later run with more --steps continues the phase.
    void unetPhase() {
        startAverage(TrainerPhase::Unet);
        runPhase(TrainerPhase::Unet, options_.steps, options_.learningRate, [&](std::int64_t s) {
            std::vector<std::string> captions;
            const auto first =
                (std::uint64_t{1} << 41) + static_cast<std::uint64_t>(s * options_.batch);
            const torch::Tensor batchImages = images(first, options_.batch, &captions);
            return trainer_.unetStep(batchImages, captions, stepSeed(options_.seed, 1, s));
        });
    }

    double visionStep(std::int64_t step) {
        const auto first =
            (std::uint64_t{1} << 42) + static_cast<std::uint64_t>(step * options_.batch);
        std::vector<cv::Mat> rgb;
        std::vector<std::int64_t> subjects, styles;
        for (int i = 0; i < options_.batch; ++i) {
            const SyntheticImage sample = dataset_->textToImageSample(first + i);
            rgb.push_back(sample.rgb);
            subjects.push_back(sample.subject);
            styles.push_back(sample.style);
        }
        return trainer_.visionStep(imagesToTensor(rgb), torch::tensor(subjects),
                                   torch::tensor(styles), stepSeed(options_.seed, 3, step));
    }

    bool visionPhase() {
        if (!runPhase(TrainerPhase::Vision, options_.visionSteps, options_.visionLearningRate,
                      [&](std::int64_t step) { return visionStep(step); }))
            return false;
        trainer_.shareVisionTower();
        advanceTo(TrainerPhase::Deadiff);
        return true;
    }

    void deadiffPhase() {
        startAverage(TrainerPhase::Deadiff);
        runPhase(TrainerPhase::Deadiff, options_.steps, options_.learningRate, [&](std::int64_t s) {
            const PairBatch pairs =
                trainingPairs(*dataset_, static_cast<std::uint64_t>(s * options_.batch),
                              options_.batch, options_.subjectOnlyCaptions);
            return trainer_.deadiffStep(pairs, stepSeed(options_.seed, 2, s));
        });
    }

    const TrainOptions& options_;
    const std::function<void(const TrainProgress&)>& report_;
    const std::function<bool()>& stop_;
    const fs::path out_, modelDir_, averageDir_;
    const std::string progressPath_;
    const pipeline::ModelConfig config_;
    DeadiffTrainer trainer_;
    Progress state_;
    std::unique_ptr<SyntheticDataset> dataset_;
    std::unique_ptr<ParameterAverage> weightAverage_; // of the running phase, when it averages
    Clock::time_point started_, lastSave_;
};

} // namespace

void train(const TrainOptions& options, const std::function<void(const TrainProgress&)>& report,
           const std::function<bool()>& stop) {
    checkOptions(options);
    fs::create_directories(options.outDir);
    TrainingRun(options, report, stop).run();
}

} // namespace deadiff::train
