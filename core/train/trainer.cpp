#include "core/train/trainer.h"

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

// splitmix64: decorrelates (seed, phase, step) into one generator seed.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

std::uint64_t stepSeed(std::uint64_t seed, int phase, std::int64_t step) {
    return mix(mix(seed) ^
               mix(static_cast<std::uint64_t>(phase) << 40 ^ static_cast<std::uint64_t>(step)));
}

// Uniform double in [0, 1) from a 64-bit generator (no implementation-defined distributions).
double uniform(std::mt19937_64& rng) {
    return static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0);
}

// A fixed per-sample coin in [0, 1): which captions lose their style words.
double sampleCoin(std::uint64_t seed, std::uint64_t index) {
    return static_cast<double>(mix(mix(seed ^ 0x5EED) ^ index) >> 11) * (1.0 / 9007199254740992.0);
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
    config.autoDtype = "float32";

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
    if (config_.autoDtype.empty()) // a folder from before the field
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
        folder, config_, pipeline::modelTensors(text_, unet_, vae_, *references_, alphasCumprod_),
        baseFolder, half);
}

void DeadiffTrainer::saveModel(const std::string& folder, bool half) const {
    pipeline::writeModelFolder(
        folder, config_, pipeline::modelTensors(text_, unet_, vae_, *references_, alphasCumprod_),
        half);
    writeClipWordVocabulary(buildClipWordVocabulary(captionWords()),
                            (fs::path(folder) / config_.tokenizer).string());
}

std::vector<torch::Tensor> DeadiffTrainer::parameters(const std::string& phase) {
    std::vector<torch::Tensor> result;
    if (phase == "vae") {
        appendParameters(result, *vae_);
    } else if (phase == "unet") {
        appendParameters(result, *text_);
        for (const auto& item : unet_->named_parameters())
            if (!isImageProjection(item.key()))
                result.push_back(item.value());
    } else if (phase == "vision") {
        appendParameters(result,
                         *references_->blip(pipeline::ReferenceBranch::Style)->visual_encoder);
        appendParameters(result, *visionHeads_);
    } else if (phase == "deadiff") {
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
    } else {
        throw std::invalid_argument("unknown training phase '" + phase + "'");
    }
    return result;
}

torch::optim::AdamW& DeadiffTrainer::optimizer(const std::string& phase) {
    auto& slot = optimizers_[phase];
    if (!slot) {
        const double rate = phase == "vae"      ? options_.vaeLearningRate
                            : phase == "vision" ? options_.visionLearningRate
                                                : options_.learningRate;
        slot = std::make_unique<torch::optim::AdamW>(
            parameters(phase), torch::optim::AdamWOptions(rate).weight_decay(options_.weightDecay));
    }
    return *slot;
}

void DeadiffTrainer::setLearningRate(const std::string& phase, double learningRate) {
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

double DeadiffTrainer::finishStep(const std::string& phase, const torch::Tensor& loss) {
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
    return finishStep("vae", loss);
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
    optimizers_.erase("vae"); // its parameters were the old module's
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
    const torch::Tensor context = text_->forward(tokenize(texts));
    const torch::Tensor zeros =
        torch::zeros({latents.size(0), config_.unet.imageTokens, config_.unet.contextDim});
    const Noised noised = addNoise(latents);
    const nn::UNetContext contexts{zeros, context, zeros, context, 1.0};
    const torch::Tensor eps = unet_->forward(noised.noisy, noised.timesteps, contexts);
    return finishStep("unet", noiseLoss(eps, noised));
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
    const double loss = finishStep("deadiff", noiseLoss(eps, noised));
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
    return finishStep("vision", loss);
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

struct Progress {
    int stage = 1;
    std::string phase;
    std::int64_t step = 0;
};

Progress readProgress(const std::string& path) {
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(
            io::readBoundedTextFile(path, io::kMaxJsonFileBytes, "training progress file"));
        return {json.at("stage").get<int>(), json.at("phase").get<std::string>(),
                json.at("step").get<std::int64_t>()};
    } catch (const nlohmann::json::exception& error) {
        throw std::runtime_error(path + ": not a training progress file (" + error.what() +
                                 "); delete the checkpoint folder to start over");
    }
}

void writeProgress(const std::string& path, const Progress& progress, const TrainOptions& o) {
    const nlohmann::json json = {{"stage", progress.stage},
                                 {"phase", progress.phase},
                                 {"step", progress.step},
                                 {"seed", o.seed},
                                 {"batch", o.batch},
                                 {"steps", o.steps},
                                 {"vae_steps", o.vaeSteps},
                                 {"learning_rate", o.learningRate},
                                 {"task_weights", o.taskWeights}};
    const std::string text = json.dump(2) + "\n";
    io::AtomicFile file(path);
    file.write(text.data(), text.size());
    file.commit();
}

std::string optimizerPath(const fs::path& dir, const std::string& phase) {
    return (dir / ("optimizer-" + phase + ".pt")).string();
}

std::string averagePath(const fs::path& dir, const std::string& phase) {
    return (dir / ("ema-" + phase + ".pt")).string();
}

} // namespace

void train(const TrainOptions& options, const std::function<void(const TrainProgress&)>& report,
           const std::function<bool()>& stop) {
    if (options.stage != 1 && options.stage != 2)
        throw std::runtime_error("--stage must be 1 or 2, got " + std::to_string(options.stage));
    if (options.outDir.empty())
        throw std::runtime_error("no checkpoint folder given (--out)");
    if (options.batch < 1 || options.vaeBatch < 1)
        throw std::runtime_error("--batch and --vae-batch must be >= 1");
    const fs::path out(options.outDir);
    fs::create_directories(out);
    const fs::path modelDir = out / "model";
    const fs::path averageDir = out / "ema"; // the averaged weights: what ships and evaluates
    const std::string progressPath = (out / "progress.json").string();

    const pipeline::ModelConfig config = demoModelConfig();
    DeadiffTrainer trainer(config, (modelDir / config.tokenizer).string(), options.seed);
    trainer.setOptions(options);

    Progress state;
    state.stage = options.stage;
    const bool resuming = fs::exists(progressPath);
    if (resuming) {
        state = readProgress(progressPath);
        if (state.stage != options.stage)
            throw std::runtime_error(progressPath + " is a stage " + std::to_string(state.stage) +
                                     " run; use another --out folder for stage " +
                                     std::to_string(options.stage));
        // Export ships the averaged weights (else the last ones); no optimizer is involved.
        if (!options.exportDir.empty()) {
            trainer.loadWeights(fs::exists(averageDir / "model.json") ? averageDir.string()
                                                                      : modelDir.string());
            if (options.exportBase.empty())
                trainer.saveModel(options.exportDir, /*half=*/true);
            else
                trainer.saveOverlay(options.exportDir, options.exportBase, /*half=*/true);
            return;
        }
        trainer.loadWeights(modelDir.string());
        if (state.phase == "vision" && fs::exists(out / "vision-heads.pt"))
            torch::load(trainer.visionHeads(), (out / "vision-heads.pt").string());
        if (fs::exists(optimizerPath(out, state.phase))) {
            try {
                torch::load(trainer.optimizer(state.phase), optimizerPath(out, state.phase));
            } catch (const c10::Error&) {
                throw std::runtime_error(optimizerPath(out, state.phase) +
                                         " does not fit this trainer's " + state.phase +
                                         " phase (written by an older version?); start a new "
                                         "--out folder");
            }
        }
    } else if (!options.exportDir.empty()) {
        throw std::runtime_error(options.outDir + " holds no training run to export");
    } else if (options.stage == 2) {
        if (options.baseModel.empty())
            throw std::runtime_error("stage 2 needs the stage-1 model: --base FOLDER");
        trainer.loadWeights(options.baseModel);
        trainer.initialiseImageProjections();
        if (options.contentLayers)
            trainer.setContentLayers(*options.contentLayers);
        state.phase = options.visionSteps > 0 ? "vision" : "deadiff";
    } else {
        state.phase = options.vaeSteps > 0 ? "vae" : "unet";
    }
    // Stage 1 sets the schedule (also when resuming a run begun with another); stage 2 keeps
    // the base model's, loaded with its weights.
    if (options.stage == 1 && options.terminalSignal > 0)
        trainer.setAlphasCumprod(sample::rescaleTerminalSignal(
            sample::scaledLinearAlphasCumprod(sample::kTrainTimesteps,
                                              trainer.config().schedule.linearStart,
                                              trainer.config().schedule.linearEnd),
            options.terminalSignal));

    SyntheticDatasetConfig dataConfig;
    dataConfig.imageSize = trainer.config().defaultImageSize;
    dataConfig.seed = options.seed;
    dataConfig.taskWeights = options.taskWeights;
    dataConfig.textToImageIncludesHeldOut = !options.holdOutFromBase;
    const SyntheticDataset dataset(dataConfig);

    const auto started = Clock::now();
    auto lastSave = started;
    std::unique_ptr<ParameterAverage> weightAverage; // of the running phase, when it averages
    const auto startAverage = [&](const std::string& phase) {
        weightAverage.reset();
        if (!(options.emaDecay > 0) || (phase != "unet" && phase != "deadiff"))
            return;
        std::vector<torch::Tensor> trained;
        for (const auto& group : trainer.optimizer(phase).param_groups())
            for (const torch::Tensor& parameter : group.params())
                trained.push_back(parameter);
        weightAverage = std::make_unique<ParameterAverage>(std::move(trained));
        // A run started before averaging existed starts its average at the current weights.
        if (fs::exists(averagePath(out, phase)))
            weightAverage->load(averagePath(out, phase));
    };
    const auto save = [&] {
        trainer.saveModel(modelDir.string());
        const std::string path = optimizerPath(out, state.phase);
        torch::save(trainer.optimizer(state.phase), path + ".tmp");
        fs::rename(path + ".tmp", path);
        if (state.phase == "vision")
            torch::save(trainer.visionHeads(), (out / "vision-heads.pt").string());
        if (weightAverage) {
            weightAverage->withAverages([&] { trainer.saveModel(averageDir.string()); });
            weightAverage->save(averagePath(out, state.phase));
        }
        writeProgress(progressPath, state, options);
        lastSave = Clock::now();
    };
    const auto outOfTime = [&] {
        return options.maxMinutes > 0 &&
               std::chrono::duration<double>(Clock::now() - started).count() >
                   options.maxMinutes * 60.0;
    };
    const auto images = [&](std::uint64_t first, int count, std::vector<std::string>* captions) {
        std::vector<cv::Mat> rgb;
        for (int i = 0; i < count; ++i) {
            const SyntheticImage sample = dataset.textToImageSample(first + i);
            rgb.push_back(sample.rgb);
            // Some captions name the subject alone, so that "star" means a star in any style.
            if (captions != nullptr)
                captions->push_back(sampleCoin(options.seed, first + i) <
                                            options.subjectOnlyCaptions
                                        ? subjectCaption(sample.subject)
                                        : caption(sample.subject, sample.style));
        }
        return imagesToTensor(rgb);
    };

    // One phase's loop; returns false when stopped early (after saving).
    const auto runPhase = [&](const std::string& phase, std::int64_t total, double rate,
                              const std::function<double(std::int64_t)>& step) {
        double average = -1;
        auto stepStarted = Clock::now();
        double secondsPerStep = 0;
        while (state.step < total) {
            if ((stop && stop()) || outOfTime()) {
                save();
                return false;
            }
            const double warm =
                options.warmupSteps > 0
                    ? std::min(1.0, 0.01 + 0.99 * static_cast<double>(state.step) /
                                               static_cast<double>(options.warmupSteps))
                    : 1.0;
            trainer.setLearningRate(phase, rate * warm);
            const double loss = step(state.step);
            // The usual warm-up of the decay: a fresh phase's average follows the weights
            // closely at first instead of keeping the random start for a thousand steps.
            if (weightAverage)
                weightAverage->update(
                    std::min(options.emaDecay, static_cast<double>(1 + state.step) /
                                                   static_cast<double>(10 + state.step)));
            if (!std::isfinite(loss))
                throw std::runtime_error("the " + phase + " loss became " + std::to_string(loss) +
                                         " at step " + std::to_string(state.step) +
                                         "; resume from the last checkpoint with a lower "
                                         "--lr");
            ++state.step;
            average = average < 0 ? loss : 0.98 * average + 0.02 * loss;
            const auto now = Clock::now();
            const double seconds = std::chrono::duration<double>(now - stepStarted).count();
            secondsPerStep = secondsPerStep == 0 ? seconds : 0.9 * secondsPerStep + 0.1 * seconds;
            stepStarted = now;
            bool saved = false;
            if (std::chrono::duration<double>(now - lastSave).count() >= options.saveEverySeconds ||
                state.step == total) {
                save();
                saved = true;
            }
            if (report)
                report({options.stage, phase, state.step, total, loss, average, rate * warm,
                        secondsPerStep, saved});
        }
        return true;
    };

    const int batch = options.batch;
    if (state.phase == "vae") {
        const bool done =
            runPhase("vae", options.vaeSteps, options.vaeLearningRate, [&](std::int64_t s) {
                // The VAE is convolutional, so it learns from crops at a fraction of the cost;
                // the offset is a multiple of the latent factor (latent cells stay aligned).
                const auto first = static_cast<std::uint64_t>(s * options.vaeBatch);
                torch::Tensor batchImages = images(first, options.vaeBatch, nullptr);
                const std::uint64_t seed = stepSeed(options.seed, 0, s);
                const std::int64_t factor = trainer.config().latentFactor();
                const auto crop = static_cast<std::int64_t>(options.vaeCrop);
                const std::int64_t size = batchImages.size(2);
                if (crop > 0 && crop < size) {
                    const auto cells = static_cast<std::uint64_t>((size - crop) / factor + 1);
                    const auto offset = [&](std::uint64_t k) {
                        return static_cast<std::int64_t>(mix(seed + k) % cells) * factor;
                    };
                    batchImages = batchImages.narrow(2, offset(1), crop)
                                      .narrow(3, offset(2), crop)
                                      .contiguous();
                }
                return trainer.vaeStep(batchImages, seed);
            });
        if (!done)
            return;
        // Held-apart samples (a far index range) set the latent scale.
        trainer.calibrateLatentScale(images(std::uint64_t{1} << 40, 128, nullptr));
        state.phase = "unet";
        state.step = 0;
        save();
    }
    if (state.phase == "unet") {
        startAverage("unet");
        const bool done =
            runPhase("unet", options.steps, options.learningRate, [&](std::int64_t s) {
                std::vector<std::string> captions;
                const auto first = (std::uint64_t{1} << 41) + static_cast<std::uint64_t>(s * batch);
                const torch::Tensor batchImages = images(first, batch, &captions);
                return trainer.unetStep(batchImages, captions, stepSeed(options.seed, 1, s));
            });
        // The last step saved; a later run with more --steps continues the phase.
        (void)done;
    }
    if (state.phase == "vision") {
        const bool done = runPhase(
            "vision", options.visionSteps, options.visionLearningRate, [&](std::int64_t s) {
                const auto first = (std::uint64_t{1} << 42) + static_cast<std::uint64_t>(s * batch);
                std::vector<cv::Mat> rgb;
                std::vector<std::int64_t> subjects, styles;
                for (int i = 0; i < batch; ++i) {
                    const SyntheticImage sample = dataset.textToImageSample(first + i);
                    rgb.push_back(sample.rgb);
                    subjects.push_back(sample.subject);
                    styles.push_back(sample.style);
                }
                return trainer.visionStep(imagesToTensor(rgb), torch::tensor(subjects),
                                          torch::tensor(styles), stepSeed(options.seed, 3, s));
            });
        if (!done)
            return;
        trainer.shareVisionTower();
        state.phase = "deadiff";
        state.step = 0;
        save();
    }
    if (state.phase == "deadiff") {
        startAverage("deadiff");
        const bool done =
            runPhase("deadiff", options.steps, options.learningRate, [&](std::int64_t s) {
                const PairBatch pairs =
                    trainingPairs(dataset, static_cast<std::uint64_t>(s * batch), batch,
                                  options.subjectOnlyCaptions);
                return trainer.deadiffStep(pairs, stepSeed(options.seed, 2, s));
            });
        (void)done;
    }
}

} // namespace deadiff::train
