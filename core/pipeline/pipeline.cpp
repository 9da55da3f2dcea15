#include "core/pipeline/pipeline.h"

#include "core/control/hint.h"
#include "core/image/clip_preprocess.h"
#include "core/image/image_io.h"
#include "core/image/tensor_image.h"
#include "core/io/mapped_file.h"
#include "core/io/safetensors.h"
#include "core/io/weight_file.h"
#include "core/models/models_folder.h"
#include "core/nn/clip_text.h"
#include "core/nn/controlnet.h"
#include "core/nn/layers.h"
#include "core/nn/lora.h"
#include "core/nn/state_dict.h"
#include "core/nn/taesd.h"
#include "core/nn/unet.h"
#include "core/nn/vae.h"
#include "core/pipeline/conditioning.h"
#include "core/pipeline/control_stack.h"
#include "core/pipeline/init_image.h"
#include "core/pipeline/model_config.h"
#include "core/pipeline/model_files.h"
#include "core/pipeline/model_parts.h"
#include "core/pipeline/prompt_loras.h"
#include "core/pipeline/reference_encoder.h"
#include "core/pipeline/text_conditioning.h"
#include "core/runtime/system_info.h"
#include "core/sample/guidance.h"
#include "core/sample/preview.h"
#include "core/sample/sampler.h"
#include "core/sample/schedule.h"
#include "core/tokenize/clip_tokenizer.h"
#include "core/tokenize/prompt_weights.h"
#include "core/tokenize/vocab_location.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>

namespace deadiff {

bool LoadOptions::operator==(const LoadOptions& o) const {
    return model == o.model && dtype == o.dtype && base == o.base && baseEma == o.baseEma &&
           vae == o.vae && vocabDir == o.vocabDir && threads == o.threads && loras == o.loras;
}

LoadOptions loadOptionsFor(const GenerationRequest& request, const std::string& fallbackModel) {
    LoadOptions options;
    options.model = request.model.empty() ? fallbackModel : request.model;
    options.dtype = request.dtype;
    options.loras = request.loras;
    options.base = request.base;
    options.baseEma = request.baseEma;
    options.vae = request.vae;
    return options;
}

GenerationRequest resolveRequest(const GenerationRequest& request, const ModelFacts& facts) {
    GenerationRequest resolved = request;
    if (!resolved.seed) {
        // The official app draws from [0, 2^32 - 1] when the seed is -1.
        std::random_device entropy;
        resolved.seed = static_cast<std::uint64_t>(entropy());
    }
    resolved.mode = effectiveMode(resolved);
    resolved.model = facts.modelPath;
    resolved.base = facts.base;
    resolved.baseEma = facts.baseEma;
    resolved.vae = facts.vae;
    resolved.dtype = facts.computeDtype;
    resolved.loras = facts.loras;
    resolved.modelHash = pipeline::modelFileHash(resolved.model);
    resolved.baseHash = pipeline::modelFileHash(resolved.base);
    resolved.vaeHash = pipeline::modelFileHash(resolved.vae);
    for (LoraChoice& lora : resolved.loras)
        lora.hash = pipeline::loraFileHash(lora.path);
    return resolved;
}

void applyNativeSize(GenerationRequest& request, const ModelFacts& facts, bool widthGiven,
                     bool heightGiven) {
    if (!widthGiven)
        request.width = heightGiven ? request.height : facts.nativeImageSize;
    if (!heightGiven)
        request.height = widthGiven ? request.width : facts.nativeImageSize;
}

ReloadScope reloadScope(const Pipeline* pipeline, const LoadOptions& wanted) {
    if (pipeline == nullptr)
        return ReloadScope::All;
    const ModelFacts& loaded = pipeline->facts();
    if (wanted.model != loaded.modelPath ||
        resolveComputeDtype(wanted.dtype, loaded.autoDtype) != loaded.computeDtype ||
        wanted.loras != loaded.loras)
        return ReloadScope::All;
    if (wanted.base != loaded.base || wanted.baseEma != loaded.baseEma || wanted.vae != loaded.vae)
        return ReloadScope::Parts;
    return ReloadScope::None;
}

bool needsReload(const Pipeline* pipeline, const LoadOptions& wanted) {
    return reloadScope(pipeline, wanted) != ReloadScope::None;
}

PipelineLoader defaultPipelineLoader() {
    return [](const LoadOptions& options, const LoadProgress& progress) {
        return Pipeline::load(options, progress);
    };
}

bool ensureLoaded(std::unique_ptr<Pipeline>& pipeline, const LoadOptions& wanted,
                  const PipelineLoader& loader, const LoadProgress& progress) {
    const ReloadScope scope = reloadScope(pipeline.get(), wanted);
    if (scope == ReloadScope::None)
        return false;
    try {
        if (scope == ReloadScope::Parts && pipeline->reloadParts(wanted, progress))
            return true;
    } catch (...) {
        // Refused before anything changed: the pipeline still serves what it served.
        // Half switched (reloadScope says All): unusable.
        if (reloadScope(pipeline.get(), wanted) == ReloadScope::All)
            pipeline.reset();
        throw;
    }
    pipeline.reset();
    pipeline = loader(wanted, progress);
    if (!pipeline)
        throw std::runtime_error("the loader returned no model");
    return true;
}

namespace {

using Clock = std::chrono::steady_clock;

using nn::kUNetPrefix;
using nn::kVaePrefix;

torch::ScalarType scalarType(ComputeDtype dtype) {
    return dtype == ComputeDtype::BFloat16 ? torch::kBFloat16 : torch::kFloat;
}

class DeadiffPipeline final : public Pipeline {
public:
    DeadiffPipeline(const LoadOptions& options, const LoadProgress& progress) {
        torch::NoGradGuard noGrad;
        if (options.threads > 0)
            configureThreads(options.threads);
        const auto report = [&](const char* what, double fraction) {
            if (progress)
                progress(what, fraction);
        };
        report("checkpoint", 0.0);
        // A model folder (or its model.json) says its sizes, weights file and tokenizer; a
        // checkpoint file is the real-size model with the default vocabulary.
        const pipeline::ModelParts parts = pipeline::assembleModel(options);
        config_ = parts.config;
        const std::string configPath = pipeline::modelConfigPath(options.model);
        if (!configPath.empty()) {
            facts_.autoDtype = config_.autoDtype;
            facts_.promptChunks = config_.promptChunks;
            facts_.nativeImageSize = config_.defaultImageSize;
        }
        facts_.modelPath = options.model;
        facts_.computeDtype = resolveComputeDtype(options.dtype, facts_.autoDtype);
        facts_.latentFactor = static_cast<int>(config_.latentFactor());
        computeDtype_ = scalarType(facts_.computeDtype);
        recordSources(options, parts);

        report("text encoder", 0.05);
        loadTextEncoder(parts);
        if (parts.referenceImages) {
            report("reference encoders", 0.25);
            {
                const nn::WeightsFromFile fromFile; // load() sets every parameter, or throws
                references_ = std::make_unique<pipeline::ReferenceEncoder>(config_.reference);
            }
            references_->load(parts.tensors);
        }
        report("UNet", 0.6);
        loadUNet(parts);
        report("VAE", 0.85);
        loadVae(parts);
        // The modules' random initial weights (replaced by the checkpoint's) and the float32
        // copies of the conversions are free now: without this the allocator would keep them
        // (3.5 GiB for the UNet alone) resident for the life of the pipeline.
        releaseFreeMemory();

        if (!options.loras.empty()) {
            report("LoRAs", 0.95);
            mergeLoras(options.loras);
        }
        // The DEADiff model's schedule (a base's stored buffers are SD 1.5's too, and are not
        // among the parts it supplies).
        alphasCumprod_ = modelAlphasCumprod(parts.tensors, config_);
        report("ready", 1.0);
    }

    bool reloadParts(const LoadOptions& wanted, const LoadProgress& progress) override {
        if (reloadScope(this, wanted) != ReloadScope::Parts ||
            wanted.vocabDir != options_.vocabDir || wanted.threads != options_.threads)
            return false;
        torch::NoGradGuard noGrad;
        const bool newBase = wanted.base != facts_.base || wanted.baseEma != facts_.baseEma;
        if (newBase && !options_.loras.empty())
            return false; // the LoRAs are merged into the old base's weights: load anew
        const auto report = [&](const char* what, double fraction) {
            if (progress)
                progress(what, fraction);
        };
        report("checkpoint", 0.0);
        // Everything that can be refused is refused while the loaded networks still serve the
        // old choice: the files, their layout, every tensor's shape.
        const pipeline::ModelParts parts = pipeline::assembleModel(wanted);
        if (parts.referenceImages != facts_.referenceImages)
            return false; // another kind of model: build it anew
        checkFits(*vae_, parts, kVaePrefix);
        if (newBase) {
            checkFits(*text_, parts, nn::kClipTextPrefix);
            checkFits(*unet_, parts, kUNetPrefix);
        }
        // The old networks go first: two copies of the weights would not fit beside each other.
        vae_ = nullptr;
        if (newBase) {
            text_ = nullptr;
            unet_ = nullptr;
        }
        releaseFreeMemory();
        try {
            if (newBase) {
                report("text encoder", 0.1);
                loadTextEncoder(parts);
                report("UNet", 0.4);
                loadUNet(parts);
            }
            report("VAE", 0.85);
            loadVae(parts);
        } catch (...) {
            facts_.modelPath.clear(); // half switched: reloadScope() now asks for a new load
            throw;
        }
        releaseFreeMemory();
        recordSources(wanted, parts);
        report("ready", 1.0);
        return true;
    }

    const ModelFacts& facts() const override { return facts_; }
    EncoderRuns encoderRuns() const override {
        return {textRuns_, references_ ? references_->towerRuns() : 0};
    }

    GenerationResult generate(const GenerationRequest& request,
                              GenerationObserver* observer) override {
        validate(request);
        checkCapabilities(request);
        checkDecoder(request);
        checkPromptLoras(request);
        const GenerationRequest resolved = resolveRequest(request, facts_);
        if (observer != nullptr)
            observer->onStarted(resolved);
        const auto started = Clock::now();
        torch::NoGradGuard noGrad;
        const auto checkCancel = [&] {
            if (observer != nullptr && observer->cancelled())
                throw CancelledError();
        };
        const auto stage = [&](const char* text) {
            checkCancel();
            if (observer != nullptr)
                observer->onStage(text);
        };

        stage("Encoding prompt");
        // `<lora:…>` tags name LoRAs (merged at load time), not text for the encoder.
        const torch::Tensor promptContext =
            encodeText(pipeline::withoutPromptLoras(resolved.prompt), "prompt");
        const torch::Tensor negativeContext =
            encodeText(resolved.negativePrompt, "negative_prompt");

        stage("Encoding references");
        const pipeline::ReferenceContexts images = encodeReferences(resolved);

        const std::int64_t batch = resolved.batch;
        const nn::UNetContext conditional =
            conditionalContext(promptContext, images, batch, resolved.imageWeight);
        const nn::UNetContext unconditional =
            unconditionalContext(negativeContext, images, batch, resolved.imageWeight);
        pipeline::ScheduledContexts contexts =
            scheduledContexts(resolved, unconditional, conditional);

        std::vector<cv::Mat> hintsUsed;
        const pipeline::ControlStack controls = prepareControls(resolved, stage, hintsUsed);

        std::optional<pipeline::StartImage> start;
        if (!resolved.init.empty()) {
            stage("Encoding start image");
            start = pipeline::prepareStartImage(resolved);
        }

        // The official code's noise on CPU: one draw of the whole batch right after seeding.
        torch::manual_seed(*resolved.seed);
        const std::int64_t factor = config_.latentFactor();
        const torch::Tensor noise = torch::randn(
            {batch, config_.latentChannels(), resolved.height / factor, resolved.width / factor});

        sample::SamplerSettings sampler;
        sampler.kind = resolved.sampler;
        sampler.steps = resolved.steps;
        sampler.seed = *resolved.seed;
        sampler.spacing = resolved.timestepSpacing;
        if (start)
            sampler.init = startLatent(*start, resolved.strength);
        const auto totalSteps = static_cast<int>(sample::plannedSteps(sampler, alphasCumprod_));
        contexts.setImageWindow([&](std::int64_t step) {
            return referencesActAt(resolved, static_cast<int>(step), totalSteps);
        });

        // DeepCache: one cache per UNet call of a step (the k-th call of every step evaluates
        // the same rows), refreshed every cacheInterval-th step.
        std::vector<nn::UNetDeepCache> deepCaches;
        std::int64_t cacheStep = -1;
        std::size_t callInStep = 0;
        const auto model = [&](const torch::Tensor& rowsX, std::int64_t t, std::int64_t step,
                               bool withUnconditional) {
            if (step != cacheStep) {
                cacheStep = step;
                callInStep = 0;
            }
            return contexts.evaluate(
                rowsX, step, withUnconditional,
                [&](const torch::Tensor& x, const nn::UNetContext& projected) {
                    const torch::Tensor timesteps = torch::full({x.size(0)}, t, torch::kInt64);
                    nn::UNetDeepCache* cache = nullptr;
                    if (resolved.cacheInterval > 1) {
                        if (deepCaches.size() <= callInStep)
                            deepCaches.resize(callInStep + 1);
                        cache = &deepCaches[callInStep++];
                        cache->reuse = step % resolved.cacheInterval != 0;
                    }
                    // ControlLDM gives the ControlNet the plain text context the UNet reads
                    // ([NEG; prompt] under CFG), never DEADiff's image tokens.
                    return unet_->forward(x, timesteps, projected,
                                          controls.residuals(x, timesteps, projected.styleText,
                                                             static_cast<int>(step), totalSteps),
                                          nullptr, cache);
                });
        };
        const sample::Denoiser denoise = sample::classifierFreeGuidance(model, resolved.cfg);

        stage("Sampling");
        const auto samplingStarted = Clock::now();
        auto stepStarted = samplingStarted;
        torch::Tensor previousX0;
        bool stopped = false;
        const auto report = [&](const sample::StepInfo& info) {
            const auto now = Clock::now();
            if (observer != nullptr) {
                StepInfo step;
                step.step = static_cast<int>(info.step);
                step.totalSteps = static_cast<int>(info.total);
                step.timestep = static_cast<int>(info.timestep);
                step.elapsedSeconds = std::chrono::duration<double>(now - samplingStarted).count();
                step.stepSeconds = std::chrono::duration<double>(now - stepStarted).count();
                step.noiseLevel = info.sigma;
                if (previousX0.defined())
                    step.change = ((info.predictedX0 - previousX0).norm() /
                                   info.predictedX0.norm().clamp_min(1e-12))
                                      .item<double>();
                if (observer->wantsPreviews()) {
                    const int every = observer->fullDecodeEvery();
                    const bool full = every > 0 && ((info.step + 1) % every == 0);
                    step.previews =
                        full ? decode(info.predictedX0) : cheapPreview(info.predictedX0);
                    step.previewIsFullDecode = full;
                }
                observer->onStep(step);
                if (observer->cancelled()) {
                    stopped = true;
                    return false;
                }
            }
            previousX0 = info.predictedX0;
            stepStarted = Clock::now();
            return true;
        };
        const torch::Tensor latent = sample::run(sampler, alphasCumprod_, noise, denoise, report);
        if (stopped)
            throw CancelledError();

        stage("Decoding image");
        GenerationResult result;
        result.request = resolved;
        result.images = resolved.decoder == DecoderKind::Taesd
                            ? image::tensorBatchToRgb(taesd()->forward(latent.to(torch::kFloat)),
                                                      image::PixelRange::ZeroToOne)
                            : decode(latent);
        if (start)
            result.images = start->pasteBack(result.images);
        result.hints = std::move(hintsUsed);
        result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        return result;
    }

    std::vector<ContextStats> encode(const GenerationRequest& request,
                                     const std::string& savePath) override {
        validate(request);
        checkCapabilities(request);
        const GenerationRequest resolved = resolveRequest(request, facts_);
        torch::NoGradGuard noGrad;
        const pipeline::ReferenceContexts images = encodeReferences(resolved);
        std::vector<std::pair<std::string, torch::Tensor>> contexts = {
            {"text", encodeText(pipeline::withoutPromptLoras(resolved.prompt), "prompt")},
            {"negative_text", encodeText(resolved.negativePrompt, "negative_prompt")}};
        if (facts_.referenceImages) { // a plain SD model has no image contexts at all
            contexts.emplace_back("style", images.style);
            contexts.emplace_back("content", images.content);
        }
        std::vector<ContextStats> stats;
        for (const auto& [name, tensor] : contexts) {
            const torch::Tensor values = tensor.to(torch::kDouble);
            stats.push_back({name, tensor.sizes().vec(), values.mean().item<double>(),
                             values.std().item<double>()});
        }
        if (!savePath.empty()) {
            std::vector<std::pair<std::string, torch::Tensor>> contiguous;
            for (const auto& [name, tensor] : contexts)
                contiguous.emplace_back(name, tensor.to(torch::kFloat).contiguous());
            io::writeSafetensors(savePath, contiguous,
                                 {{"prompt", resolved.prompt}, {"mode", nameOf(*resolved.mode)}});
        }
        return stats;
    }

private:
    // Merges the LoRAs into the loaded weights for good: a change of LoRAs is a reload
    // (needsReload), so no copy of the base weights is kept.
    void mergeLoras(const std::vector<LoraChoice>& choices) {
        const nn::LoraTargetNames names(*unet_, text_.get());
        std::vector<nn::WeightedLora> loras;
        for (const LoraChoice& choice : choices) {
            auto file = std::make_shared<const nn::LoraFile>(nn::readLoraFile(choice.path, names));
            facts_.loraNotes.push_back(nn::describeLora(*file));
            loras.push_back({std::move(file), choice.weight});
        }
        std::map<std::string, torch::Tensor> parameters = nn::parametersByKey(*unet_, kUNetPrefix);
        parameters.merge(nn::parametersByKey(*text_, nn::kClipTextPrefix));
        nn::LoraMerger(std::move(parameters)).apply(loras);
        facts_.loras = choices;
    }

    // What was loaded from where: facts for front ends and the request as run.
    void recordSources(const LoadOptions& options, const pipeline::ModelParts& parts) {
        options_ = options;
        facts_.base = options.base;
        facts_.baseEma = options.baseEma;
        facts_.vae = options.vae;
        facts_.referenceImages = parts.referenceImages;
        facts_.notes = parts.notes;
        textEncoderSource_ = parts.textEncoderSource;
    }

    // nn::loadStateDict, naming the files the tensors came from.
    static void loadWeights(torch::nn::Module& module, const pipeline::ModelParts& parts,
                            const std::string& prefix, const nn::LoadOptions& options = {}) {
        try {
            nn::loadStateDict(module, parts.tensors, prefix, options);
        } catch (const std::runtime_error& error) {
            throw std::runtime_error(parts.sources + ": " + error.what());
        }
    }

    // Whether `parts` would load into `module` (same errors as loading), changing nothing.
    static void checkFits(torch::nn::Module& module, const pipeline::ModelParts& parts,
                          const std::string& prefix) {
        nn::LoadOptions check;
        check.checkOnly = true;
        loadWeights(module, parts, prefix, check);
    }

    // A network about to be loaded: not randomly initialised first (loadWeights sets every
    // parameter or throws, and a failed load leaves the pipeline unusable anyway).
    template <typename Network, typename Config>
    static Network builtForLoading(const Config& config, torch::ScalarType dtype = torch::kFloat) {
        const nn::WeightsFromFile fromFile(dtype);
        return Network(config);
    }

    // The tokenizer belongs to the text encoder: a base model folder brings its own vocabulary.
    void loadTextEncoder(const pipeline::ModelParts& parts) {
        const std::string vocab =
            parts.tokenizerDir.empty() ? tokenize::defaultVocabDir() : parts.tokenizerDir;
        facts_.vocabulary = vocab;
        tokenizer_ =
            std::make_unique<tokenize::ClipTokenizer>(tokenize::ClipTokenizer::load(vocab));
        if (static_cast<std::int64_t>(tokenizer_->vocabSize()) > config_.text.vocabSize)
            throw std::runtime_error(
                tokenizer_->source() + " holds " + std::to_string(tokenizer_->vocabSize()) +
                " tokens but the text encoder has only " + std::to_string(config_.text.vocabSize));
        text_ = builtForLoading<nn::ClipTextModel>(config_.text);
        loadWeights(*text_, parts, nn::kClipTextPrefix);
        text_->eval();
        pipeline::releaseCopiedPages(parts, *text_, nn::kClipTextPrefix);
    }

    void loadUNet(const pipeline::ModelParts& parts) {
        unet_ = builtForLoading<nn::UNetModel>(config_.unet, computeDtype_);
        loadWeights(*unet_, parts, kUNetPrefix);
        unet_->eval();
        if (computeDtype_ != torch::kFloat)
            unet_->to(computeDtype_);
        pipeline::releaseCopiedPages(parts, *unet_, kUNetPrefix);
    }

    void loadVae(const pipeline::ModelParts& parts) {
        vae_ = builtForLoading<nn::AutoencoderKL>(config_.vae, computeDtype_);
        loadWeights(*vae_, parts, kVaePrefix);
        vae_->eval();
        if (computeDtype_ != torch::kFloat)
            vae_->to(computeDtype_);
        pipeline::releaseCopiedPages(parts, *vae_, kVaePrefix);
    }

    // [1, 77·chunks, width]: A1111's emphasis and 75-token chunks (text_conditioning.h). Cached
    // per text encoder (its source file), so switching the base back and forth reuses them and
    // never mixes encoders.
    torch::Tensor encodeText(const std::string& prompt, const char* field) {
        const std::string key = textEncoderSource_ + '\n' + prompt;
        const auto cached = textCache_.find(key);
        if (cached != textCache_.end())
            return cached->second;
        tokenize::WeightedPrompt weighted;
        try {
            weighted = tokenize::weightPrompt(*tokenizer_, prompt,
                                              tokenize::chunkOptionsFor(facts_.promptChunks));
        } catch (const tokenize::PromptSyntaxError& error) {
            throw RequestError(field, error.what());
        }
        const torch::Tensor context = pipeline::encodeWeightedPrompt(text_, weighted);
        ++textRuns_;
        if (textCache_.size() > 64)
            textCache_.clear();
        textCache_.emplace(key, context);
        return context;
    }

    torch::Tensor clipInputOf(const std::string& path) const {
        return image::clipInputFromRgb(image::readImageRgb(path),
                                       static_cast<int>(config_.reference.blip.vision.imageSize));
    }

    // A plain SD 1.5 model takes no reference images: a request with any is refused, naming
    // the field, instead of silently painting from text alone.
    void checkCapabilities(const GenerationRequest& request) const {
        if (facts_.referenceImages)
            return;
        const char* why = "needs a DEADiff model: the loaded model is plain Stable Diffusion 1.5 "
                          "(text only)";
        if (!request.styles.empty())
            throw RequestError("styles", why);
        if (!request.content.empty())
            throw RequestError("content", why);
        if (request.mode && *request.mode != ReferenceMode::None)
            throw RequestError("mode", std::string("'") + nameOf(*request.mode) + "' " + why);
    }

    // The TAESD decoder for `--decoder taesd` and the live previews: the model folder's
    // taesd_decoder.safetensors, else the models folder's taesd/ one (pipeline::taesdDecoderPath),
    // loaded once. Null when there is none; throws std::runtime_error naming the file when it is
    // not a TAESD decoder for this model's latents.
    nn::TaesdDecoder taesd() {
        if (!taesdError_.empty())
            throw std::runtime_error(taesdError_);
        if (taesdLookedUp_)
            return taesd_;
        taesdLookedUp_ = true;
        const std::string path = pipeline::taesdDecoderPath(facts_.modelPath);
        if (path.empty())
            return taesd_;
        try {
            taesd_ = loadTaesd(path);
        } catch (const std::exception& error) {
            taesdError_ = error.what(); // the same answer on every later use
            throw;
        }
        return taesd_;
    }

    nn::TaesdDecoder loadTaesd(const std::string& path) const {
        const io::WeightFile file = io::WeightFile::open(path);
        const nn::TensorMap tensors = nn::tensorsOf(file);
        const auto first = tensors.find("1.weight"); // latent -> channels, the first conv
        if (first == tensors.end() || first->second.dim() != 4)
            throw std::runtime_error(path +
                                     " is not a TAESD decoder (no \"1.weight\" convolution)");
        nn::TaesdConfig config;
        config.channels = first->second.size(0);
        config.latentChannels = first->second.size(1);
        config.upsamplings = 0;
        for (std::int64_t factor = config_.latentFactor(); factor > 1; factor /= 2)
            ++config.upsamplings;
        nn::TaesdDecoder decoder(config);
        nn::LoadOptions copy;
        copy.shareMemory = false; // small: its own memory, so the file may close
        try {
            nn::loadStateDict(*decoder, tensors, "", copy);
        } catch (const std::exception& error) {
            throw std::runtime_error(path +
                                     " is not a TAESD decoder for this model: " + error.what());
        }
        decoder->eval();
        return decoder;
    }

    // LoRAs merge when the model loads: a `<lora:…>` tag naming one that is not loaded would
    // silently do nothing, so it is a request error (the CLI adds the prompt's LoRAs to the
    // load options; addPromptLoras).
    void checkPromptLoras(const GenerationRequest& request) const {
        GenerationRequest loaded;
        loaded.prompt = request.prompt;
        loaded.model = facts_.modelPath;
        loaded.loras = facts_.loras;
        pipeline::addPromptLoras(loaded, models::modelsRoot());
        if (loaded.loras.size() != facts_.loras.size())
            throw RequestError("prompt", "names a LoRA that is not loaded: " +
                                             loaded.loras[facts_.loras.size()].path +
                                             " (LoRAs load with the model: --lora, a batch "
                                             "template's loras)");
    }

    // `--decoder taesd` without a TAESD file is a request error, found before any work.
    void checkDecoder(const GenerationRequest& request) {
        if (request.decoder != DecoderKind::Taesd)
            return;
        nn::TaesdDecoder decoder{nullptr};
        try {
            decoder = taesd();
        } catch (const std::exception& error) {
            throw RequestError("decoder", std::string("taesd: ") + error.what());
        }
        if (!decoder)
            throw RequestError("decoder",
                               "taesd needs taesd_decoder.safetensors (madebyollin/taesd) in the "
                               "models folder's taesd/ or in the model's folder");
    }

    // The live preview of a step: through TAESD when there is one (a broken file falls back, once
    // refused, to the linear map), else the linear latent -> RGB map.
    std::vector<cv::Mat> cheapPreview(const torch::Tensor& predictedX0) {
        nn::TaesdDecoder decoder{nullptr};
        try {
            decoder = taesd();
        } catch (const std::exception&) {
        }
        if (decoder)
            return image::tensorBatchToRgb(decoder->forward(predictedX0.to(torch::kFloat)),
                                           image::PixelRange::ZeroToOne);
        return image::tensorBatchToRgb(sample::latentPreview(predictedX0, config_.latentFactor()),
                                       image::PixelRange::ZeroToOne);
    }

    // The UNet's contexts for the prompt rows: image tokens from the references (none for a
    // plain SD model), the prompt's text in both branches.
    nn::UNetContext conditionalContext(const torch::Tensor& prompt,
                                       const pipeline::ReferenceContexts& images,
                                       std::int64_t batch, double imageWeight) const {
        const auto rows = [batch](const torch::Tensor& t) {
            return t.defined() ? t.expand({batch, -1, -1}) : t;
        };
        return {rows(images.style), rows(prompt), rows(images.content), rows(prompt), imageWeight};
    }

    // The official unconditional branch: zero image tokens in both branches, negative text.
    nn::UNetContext unconditionalContext(const torch::Tensor& negative,
                                         const pipeline::ReferenceContexts& images,
                                         std::int64_t batch, double imageWeight) const {
        const torch::Tensor text = negative.expand({batch, -1, -1});
        torch::Tensor zeros;
        if (images.style.defined())
            zeros = torch::zeros({batch, images.style.size(1), images.style.size(2)});
        return {zeros, text, zeros, text, imageWeight};
    }

    pipeline::ReferenceContexts encodeReferences(const GenerationRequest& request) {
        if (!references_)
            return {};
        const std::vector<double> weights = normalizedStyleWeights(request);
        std::vector<pipeline::WeightedReference> styles;
        for (std::size_t i = 0; i < request.styles.size(); ++i)
            styles.push_back({clipInputOf(request.styles[i].path), weights[i]});
        std::optional<torch::Tensor> content;
        if (!request.content.empty())
            content = clipInputOf(request.content);
        return references_->contexts(effectiveMode(request), styles, content, 1);
    }

    // The contexts of a generation with the request's per-layer image weights; the window of
    // steps in which the images act is set once the sampler's step count is known.
    pipeline::ScheduledContexts scheduledContexts(const GenerationRequest& request,
                                                  nn::UNetContext unconditional,
                                                  nn::UNetContext conditional) const {
        const std::vector<double> weights = layerImageWeights(
            request, static_cast<int>(unet_->transformerCount()), config_.unet.contentLayers);
        unconditional.layerImageWeights = weights;
        conditional.layerImageWeights = weights;
        return pipeline::ScheduledContexts(unet_, std::move(unconditional), std::move(conditional));
    }

    // Image-to-image: the start image through the VAE encoder (the posterior mean, as the
    // official code's encode_first_stage + get_first_stage_encoding gives it without sampling, so
    // a seed changes only the added noise), and the inpainting mask at latent size.
    sample::InitLatent startLatent(const pipeline::StartImage& start, double strength) {
        sample::InitLatent init;
        const torch::Tensor pixels =
            image::rgbToTensor(start.workImage(), image::PixelRange::MinusOneToOne);
        init.latent = vae_->encode(pixels).scaledLatent.to(torch::kFloat);
        init.strength = strength;
        const cv::Mat mask = start.workMask();
        if (!mask.empty()) {
            const cv::Mat cells = pipeline::latentMask(mask, static_cast<int>(init.latent.size(3)),
                                                       static_cast<int>(init.latent.size(2)));
            init.repaint = torch::from_blob(const_cast<float*>(cells.ptr<float>()),
                                            {1, 1, cells.rows, cells.cols}, torch::kFloat)
                               .clone();
        }
        return init;
    }

    // The request's ControlNets with their hints (made at the image size, the same for every
    // row: both CFG halves, every image of the batch). A unit at strength 0 is not even loaded;
    // the others act on the steps of their windows only (ControlStack), so outside them the
    // result is exactly the plain pipeline's. `hintsUsed` receives every unit's hint as an
    // 8-bit picture, in request order. ControlNets no longer used are unloaded.
    template <typename Stage>
    pipeline::ControlStack prepareControls(const GenerationRequest& request, const Stage& stage,
                                           std::vector<cv::Mat>& hintsUsed) {
        pipeline::ControlStack stack;
        std::set<std::string> wanted;
        for (const control::ControlUnit& unit : request.controls) {
            stage("Preparing ControlNet hint");
            const cv::Mat hint = hints_.make(unit, request.width, request.height);
            hintsUsed.push_back(control::hintToRgb8(hint));
            if (unit.scale == 0.0)
                continue;
            stage("Loading ControlNet");
            wanted.insert(unit.model);
            stack.add(controlNet(unit.model), hintTensor(hint), unit);
        }
        for (auto it = controlNets_.begin(); it != controlNets_.end();)
            it = wanted.count(it->first) ? std::next(it) : controlNets_.erase(it);
        return stack;
    }

    // [1, 3, H, W] in the compute dtype from a CV_32FC3 hint.
    torch::Tensor hintTensor(const cv::Mat& hint) const {
        const cv::Mat continuous = hint.isContinuous() ? hint : hint.clone();
        // A copy: the tensor must not alias the Mat, which goes out of scope.
        return torch::from_blob(const_cast<float*>(continuous.ptr<float>()),
                                {1, continuous.rows, continuous.cols, 3}, torch::kFloat)
            .permute({0, 3, 1, 2})
            .to(computeDtype_, /*non_blocking=*/false, /*copy=*/true)
            .contiguous();
    }

    // The ControlNets stay loaded (by path) between generations, in the compute dtype; each is
    // sized from its file and refused, naming both sizes, when it does not fit this model.
    nn::ControlNetModel controlNet(const std::string& path) {
        const auto loaded = controlNets_.find(path);
        if (loaded != controlNets_.end())
            return loaded->second;
        const io::WeightFile file = io::WeightFile::open(path);
        nn::ControlNetModel control =
            nn::loadControlNetFor(nn::tensorsOf(file), config_.unet, config_.latentFactor(), path);
        if (computeDtype_ != torch::kFloat)
            control->to(computeDtype_);
        controlNets_.emplace(path, control);
        releaseFreeMemory(); // its random initial and float32 weights (see the constructor)
        return control;
    }

    std::vector<cv::Mat> decode(const torch::Tensor& latent) {
        const torch::Tensor pixels = vae_->decode(latent).to(torch::kFloat);
        return image::tensorBatchToRgb(pixels, image::PixelRange::MinusOneToOne);
    }

    ModelFacts facts_;
    LoadOptions options_;           // as loaded (reloadParts keeps what it does not change)
    std::string textEncoderSource_; // the text cache's key (ModelParts::textEncoderSource)
    torch::ScalarType computeDtype_ = torch::kFloat; // facts_.computeDtype as LibTorch names it
    pipeline::ModelConfig config_; // the real sizes unless a model folder says otherwise
    std::unique_ptr<tokenize::ClipTokenizer> tokenizer_;
    nn::ClipTextModel text_{nullptr};
    std::unique_ptr<pipeline::ReferenceEncoder> references_;
    nn::UNetModel unet_{nullptr};
    nn::AutoencoderKL vae_{nullptr};
    nn::TaesdDecoder taesd_{nullptr}; // taesd(): looked up once, on first use
    bool taesdLookedUp_ = false;
    std::string taesdError_; // why the TAESD file found was refused
    torch::Tensor alphasCumprod_;
    std::map<std::string, torch::Tensor> textCache_;
    std::map<std::string, nn::ControlNetModel> controlNets_; // by path
    control::HintMaker hints_;
    std::int64_t textRuns_ = 0;
};

} // namespace

std::vector<ContextStats> Pipeline::encode(const GenerationRequest&, const std::string&) {
    throw std::runtime_error("this pipeline cannot report its contexts");
}

bool Pipeline::reloadParts(const LoadOptions&, const LoadProgress&) {
    return false;
}

std::unique_ptr<Pipeline> Pipeline::load(const LoadOptions& options, const LoadProgress& progress) {
    return std::make_unique<DeadiffPipeline>(options, progress);
}

} // namespace deadiff
