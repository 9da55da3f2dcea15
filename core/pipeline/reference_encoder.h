// Reference images -> the style and content contexts the UNet's image keys read (architecture
// §3 "Modes" and "Style mixing"). Takes CLIP-preprocessed images [1, 3, 224, 224] (decoding and
// the Pillow resize live in core/image); every (image, branch) embedding is cached, so moving a
// mix slider or switching modes re-runs no vision tower.
#pragma once

#include "core/nn/blip2_qformer.h"
#include "core/nn/proj_layer.h"
#include "core/nn/state_dict.h"
#include "core/pipeline/reference_mode.h"

#include <torch/torch.h>

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace deadiff::pipeline {

using deadiff::ReferenceMode;

enum class ReferenceBranch { Style, Content };

// Whether ReferenceEncoder::load keeps the checkpoint tensor `key` (its full name) as stored when
// it is float16, sharing the file's memory: the ViTs' linear and convolution weights, which
// BLIP-2 stores in float16 and nn::ClipVisionModel widens at each use.
bool keepsFloat16AsStored(const std::string& key);

struct WeightedReference {
    torch::Tensor clipInput; // [1, 3, 224, 224], CLIP mean/std normalised
    double weight = 1.0;     // relative; weights are normalised to sum 1
};

struct ReferenceContexts {
    torch::Tensor style;   // [batch, 16, 768]
    torch::Tensor content; // [batch, 16, 768]
};

struct ReferenceEncoderConfig {
    nn::Blip2QFormerConfig blip;
    nn::ProjLayerConfig proj;
    // The Q-Former text of each branch as ids of the Q-Former's vocabulary: bert-base-uncased's
    // "[CLS] style [SEP]" / "[CLS] content [SEP]" for the real model; a small model may use a
    // small vocabulary (its Q-Former only ever reads these two texts).
    std::vector<std::int64_t> styleTextIds = nn::styleTextIds();
    std::vector<std::int64_t> contentTextIds = nn::contentTextIds();
    std::size_t cacheCapacity = 32; // (image, branch) embeddings kept, least recently used out
};

class ReferenceEncoder {
public:
    explicit ReferenceEncoder(const ReferenceEncoderConfig& config = {});

    // Loads both branches from the official key layout (`style_blip.`, `content_blip.`,
    // `style_proj_layer.`, `content_proj_layer.`); throws naming missing / mis-shaped keys.
    void load(const nn::TensorMap& checkpoint);

    // proj(blip(image, branch text)) for one preprocessed image [1, 3, H, W] -> [1, 16, 768];
    // cached by (image content, branch).
    torch::Tensor embed(const torch::Tensor& clipInput, ReferenceBranch branch);

    // Σ w_i · embed(image_i), weights normalised (normalizedWeights: RequestError for a bad
    // list), accumulated from zeros in list order as the official forward_ctx_embeddings does
    // -> [1, 16, 768].
    torch::Tensor mix(const std::vector<WeightedReference>& references, ReferenceBranch branch);

    // Both contexts for a request, each repeated to [batch, 16, 768]. Throws
    // std::invalid_argument when the mode needs an image that is not given.
    ReferenceContexts contexts(ReferenceMode mode, const std::vector<WeightedReference>& styles,
                               const std::optional<torch::Tensor>& content, std::int64_t batch);

    // Times a vision tower actually ran (cache misses), for tests and diagnostics.
    std::int64_t towerRuns() const;
    void clearCache();

    // The branch's Q-Former text ids [1, L] (config styleTextIds / contentTextIds).
    torch::Tensor textIds(ReferenceBranch branch) const;

    nn::Blip2QFormer& blip(ReferenceBranch branch);
    nn::ProjLayer& proj(ReferenceBranch branch);
    const ReferenceEncoderConfig& config() const { return config_; }

private:
    struct CacheEntry {
        ReferenceBranch branch;
        std::uint64_t hash;
        torch::Tensor clipInput; // kept to rule out hash collisions
        torch::Tensor embedding;
    };

    torch::Tensor zeros(std::int64_t batch) const;

    ReferenceEncoderConfig config_;
    nn::Blip2QFormer styleBlip_{nullptr};
    nn::Blip2QFormer contentBlip_{nullptr};
    nn::ProjLayer styleProj_{nullptr};
    nn::ProjLayer contentProj_{nullptr};

    mutable std::mutex mutex_;
    std::list<CacheEntry> cache_; // most recently used first
    std::int64_t towerRuns_ = 0;
};

} // namespace deadiff::pipeline
