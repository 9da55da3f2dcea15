#include "core/pipeline/reference_encoder.h"

#include "core/pipeline/request.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace deadiff::pipeline {
namespace {

// FNV-1a over the tensor's bytes and shape: a cache key, confirmed by torch::equal on a hit.
std::uint64_t contentHash(const torch::Tensor& contiguous) {
    std::uint64_t hash = 1469598103934665603ull;
    const auto mixIn = [&hash](const unsigned char* bytes, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) {
            hash ^= bytes[i];
            hash *= 1099511628211ull;
        }
    };
    for (const std::int64_t size : contiguous.sizes())
        mixIn(reinterpret_cast<const unsigned char*>(&size), sizeof size);
    mixIn(static_cast<const unsigned char*>(contiguous.data_ptr()),
          static_cast<std::size_t>(contiguous.nbytes()));
    return hash;
}

// The float16 weights of the checkpoint stay float16 and are shared with the mapped file instead
// of widened into 0.8 GiB of float32 per tower at load: that was half the load's new memory,
// whose first touch costs more than the conversion (and, in a VM, a fault on the host). Exact:
// float16 widens to float32 without rounding, at each use.
void keepFloat16VisionWeights(nn::Blip2QFormer& blip, const nn::TensorMap& checkpoint,
                              const std::string& prefix) {
    for (auto& item : blip->visual_encoder->named_parameters()) {
        const std::string key = prefix + "visual_encoder." + item.key();
        if (!keepsFloat16AsStored(key))
            continue;
        const auto stored = checkpoint.find(key);
        torch::Tensor& parameter = item.value();
        if (stored == checkpoint.end() || stored->second.scalar_type() != torch::kHalf ||
            parameter.scalar_type() != torch::kFloat || stored->second.sizes() != parameter.sizes())
            continue;
        parameter.set_data(torch::empty(parameter.sizes(), torch::kHalf)); // loadStateDict shares
    }
}

} // namespace

bool keepsFloat16AsStored(const std::string& key) {
    std::string rest;
    for (const char* blip : {nn::kStyleBlipPrefix, nn::kContentBlipPrefix})
        if (const std::string tower = std::string(blip) + "visual_encoder.";
            key.compare(0, tower.size(), tower) == 0)
            rest = key.substr(tower.size());
    if (rest.empty())
        return false;
    for (const char* layer :
         {"conv1.", "attn.in_proj_", "attn.out_proj.", "mlp.c_fc.", "mlp.c_proj."})
        if (rest.rfind(layer, 0) == 0 || rest.find(std::string(".") + layer) != std::string::npos)
            return true;
    return false;
}

ReferenceEncoder::ReferenceEncoder(const ReferenceEncoderConfig& config)
    : config_(config)
    , styleBlip_(config.blip)
    , contentBlip_(config.blip)
    , styleProj_(config.proj)
    , contentProj_(config.proj) {
    if (config.blip.qformer.hidden != config.proj.width)
        throw std::invalid_argument(
            "ReferenceEncoder: Q-Former width " + std::to_string(config.blip.qformer.hidden) +
            " differs from the ProjLayer width " + std::to_string(config.proj.width));
    for (torch::nn::Module* module : std::initializer_list<torch::nn::Module*>{
             styleBlip_.get(), contentBlip_.get(), styleProj_.get(), contentProj_.get()})
        module->eval();
}

void ReferenceEncoder::load(const nn::TensorMap& checkpoint) {
    const nn::LoadOptions blipOptions = nn::blip2QFormerLoadOptions();
    keepFloat16VisionWeights(styleBlip_, checkpoint, nn::kStyleBlipPrefix);
    keepFloat16VisionWeights(contentBlip_, checkpoint, nn::kContentBlipPrefix);
    nn::loadStateDict(*styleBlip_, checkpoint, nn::kStyleBlipPrefix, blipOptions);
    nn::loadStateDict(*contentBlip_, checkpoint, nn::kContentBlipPrefix, blipOptions);
    nn::loadStateDict(*styleProj_, checkpoint, nn::kStyleProjPrefix);
    nn::loadStateDict(*contentProj_, checkpoint, nn::kContentProjPrefix);
    clearCache();
}

nn::Blip2QFormer& ReferenceEncoder::blip(ReferenceBranch branch) {
    return branch == ReferenceBranch::Style ? styleBlip_ : contentBlip_;
}

nn::ProjLayer& ReferenceEncoder::proj(ReferenceBranch branch) {
    return branch == ReferenceBranch::Style ? styleProj_ : contentProj_;
}

torch::Tensor ReferenceEncoder::embed(const torch::Tensor& clipInput, ReferenceBranch branch) {
    const nn::ClipVisionConfig& vision = config_.blip.vision;
    if (!clipInput.defined() || clipInput.dim() != 4 || clipInput.size(0) != 1 ||
        clipInput.size(1) != vision.channels || clipInput.size(2) != vision.imageSize ||
        clipInput.size(3) != vision.imageSize)
        throw std::invalid_argument(
            "reference image: expected a preprocessed tensor [1, " +
            std::to_string(vision.channels) + ", " + std::to_string(vision.imageSize) + ", " +
            std::to_string(vision.imageSize) + "], got " +
            (clipInput.defined() ? c10::str(clipInput.sizes()) : std::string("nothing")));
    const torch::Tensor input = clipInput.to(torch::kFloat).contiguous();
    const std::uint64_t hash = contentHash(input);

    const std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
        if (it->branch == branch && it->hash == hash && torch::equal(it->clipInput, input)) {
            cache_.splice(cache_.begin(), cache_, it);
            return cache_.front().embedding.clone(); // callers may modify their copy
        }
    }

    torch::NoGradGuard noGrad;
    const torch::Tensor ids = textIds(branch);
    const torch::Tensor embedding = proj(branch)->forward(blip(branch)->forward(input, ids));
    ++towerRuns_;
    if (config_.cacheCapacity > 0) {
        cache_.push_front({branch, hash, input.clone(), embedding});
        while (cache_.size() > config_.cacheCapacity)
            cache_.pop_back();
    }
    return embedding;
}

torch::Tensor ReferenceEncoder::mix(const std::vector<WeightedReference>& references,
                                    ReferenceBranch branch) {
    std::vector<double> weights;
    for (const WeightedReference& reference : references)
        weights.push_back(reference.weight);
    const std::vector<double> ratios = normalizedWeights(weights);
    torch::Tensor mixed = zeros(1);
    for (std::size_t i = 0; i < references.size(); ++i)
        mixed = mixed + ratios[i] * embed(references[i].clipInput, branch);
    return mixed;
}

ReferenceContexts ReferenceEncoder::contexts(ReferenceMode mode,
                                             const std::vector<WeightedReference>& styles,
                                             const std::optional<torch::Tensor>& content,
                                             std::int64_t batch) {
    if (batch < 1)
        throw std::invalid_argument("reference contexts: batch must be >= 1");
    const bool usesStyle = mode == ReferenceMode::Style || mode == ReferenceMode::Both;
    const bool usesContent = mode == ReferenceMode::Content || mode == ReferenceMode::Both;
    if (usesStyle && styles.empty())
        throw std::invalid_argument(std::string("mode ") + nameOf(mode) +
                                    " needs at least one style reference");
    if (usesContent && !content && styles.empty())
        throw std::invalid_argument(std::string("mode ") + nameOf(mode) +
                                    " needs a content reference (or a style reference)");

    // Every image of a batch reads the same reference (the official code repeats the image).
    ReferenceContexts result;
    result.style =
        usesStyle ? mix(styles, ReferenceBranch::Style).repeat({batch, 1, 1}) : zeros(batch);
    if (usesContent) {
        const torch::Tensor& image = content ? *content : styles.front().clipInput;
        result.content = embed(image, ReferenceBranch::Content).repeat({batch, 1, 1});
    } else {
        result.content = zeros(batch);
    }
    return result;
}

std::int64_t ReferenceEncoder::towerRuns() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return towerRuns_;
}

void ReferenceEncoder::clearCache() {
    const std::lock_guard<std::mutex> lock(mutex_);
    cache_.clear();
}

torch::Tensor ReferenceEncoder::textIds(ReferenceBranch branch) const {
    const std::vector<std::int64_t>& ids =
        branch == ReferenceBranch::Style ? config_.styleTextIds : config_.contentTextIds;
    return torch::tensor(ids, torch::kInt64).unsqueeze(0);
}

torch::Tensor ReferenceEncoder::zeros(std::int64_t batch) const {
    return torch::zeros({batch, config_.blip.queryTokens, config_.proj.width},
                        styleBlip_->query_tokens.options().requires_grad(false));
}

} // namespace deadiff::pipeline
