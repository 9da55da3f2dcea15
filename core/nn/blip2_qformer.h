// One of DEADiff's two reference encoders (`style_blip` / `content_blip`, a LAVIS Blip2Qformer):
// CLIP ViT-L image tower -> ln_vision -> Q-Former with 16 learned queries and a short BERT text
// ("style" or "content"), returning the query rows. Load with
//   loadStateDict(*blip, tensors, "style_blip.", blip2QFormerLoadOptions());
#pragma once

#include "core/nn/clip_vision.h"
#include "core/nn/qformer.h"
#include "core/nn/state_dict.h"

#include <torch/torch.h>

#include <cstdint>

namespace deadiff::nn {

inline constexpr const char* kStyleBlipPrefix = "style_blip.";
inline constexpr const char* kContentBlipPrefix = "content_blip.";

// The Q-Former's text for each branch, as bert-base-uncased encodes it ([CLS] word [SEP]).
inline const std::vector<std::int64_t>& styleTextIds() {
    static const std::vector<std::int64_t> ids{101, 2806, 102};
    return ids;
}
inline const std::vector<std::int64_t>& contentTextIds() {
    static const std::vector<std::int64_t> ids{101, 4180, 102};
    return ids;
}

struct Blip2QFormerConfig {
    ClipVisionConfig vision;
    QFormerConfig qformer;
    std::int64_t queryTokens = 16;
    double visionLayerNormEps = 1e-5;
};

// Keys of a real `*_blip.` checkpoint entry that inference does not use (LM head, contrastive
// projections, ITM head, temperature).
LoadOptions blip2QFormerLoadOptions();

struct Blip2QFormerImpl : torch::nn::Module {
    explicit Blip2QFormerImpl(const Blip2QFormerConfig& config = {});

    // Preprocessed image [B, 3, 224, 224] -> ln_vision(ViT(image)) [B, 257, 1024].
    torch::Tensor encodeImage(const torch::Tensor& image);
    // Image tokens from encodeImage, BERT ids [B, L] -> Q-Former last_hidden_state
    // [B, 16 + L, 768] (queries first).
    torch::Tensor queryHidden(const torch::Tensor& imageTokens, const torch::Tensor& ids);
    // The 16 query rows [B, 16, 768] (LAVIS `multimodal_embeds`).
    torch::Tensor forward(const torch::Tensor& image, const torch::Tensor& ids);

    Blip2QFormerConfig config;
    ClipVisionModel visual_encoder{nullptr};
    torch::nn::LayerNorm ln_vision{nullptr};
    torch::Tensor query_tokens; // [1, queryTokens, hidden]
    QFormer Qformer{nullptr};
};
TORCH_MODULE(Blip2QFormer);

} // namespace deadiff::nn
