// The CLIP ViT-L/14 text transformer of Stable Diffusion 1.5 (HF `CLIPTextModel`), as DEADiff's
// FrozenCLIPEmbedder runs it: causal self-attention, QuickGELU MLP, pre-LN, and the output taken
// after `final_layer_norm`. Submodule names are the checkpoint's, under kClipTextPrefix.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace deadiff::nn {

inline constexpr const char* kClipTextPrefix = "cond_stage_model.transformer.text_model.";

struct ClipTextConfig {
    std::int64_t vocabSize = 49408;
    std::int64_t maxPositions = 77;
    std::int64_t width = 768;
    std::int64_t layers = 12;
    std::int64_t heads = 12;
    std::int64_t mlpWidth = 3072;
    double layerNormEps = 1e-5;
};

struct ClipTextEmbeddingsImpl : torch::nn::Module {
    explicit ClipTextEmbeddingsImpl(const ClipTextConfig& config);
    // ids [B, L] (L <= maxPositions) -> [B, L, width].
    torch::Tensor forward(const torch::Tensor& ids);

    torch::nn::Embedding token_embedding{nullptr};
    torch::nn::Embedding position_embedding{nullptr};
    // Persistent in transformers 4.28 (DEADiff's pin), hence in the checkpoint; always 0..L-1.
    torch::Tensor position_ids;
};
TORCH_MODULE(ClipTextEmbeddings);

struct ClipTextAttentionImpl : torch::nn::Module {
    ClipTextAttentionImpl(std::int64_t width, std::int64_t heads);
    // x [B, L, width]; bias broadcastable to [B, heads, L, L] (the causal mask).
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias);

    std::int64_t heads;
    torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
};
TORCH_MODULE(ClipTextAttention);

struct ClipTextMlpImpl : torch::nn::Module {
    ClipTextMlpImpl(std::int64_t width, std::int64_t mlpWidth);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(ClipTextMlp);

struct ClipTextLayerImpl : torch::nn::Module {
    explicit ClipTextLayerImpl(const ClipTextConfig& config);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& causalBias);

    ClipTextAttention self_attn{nullptr};
    torch::nn::LayerNorm layer_norm1{nullptr};
    ClipTextMlp mlp{nullptr};
    torch::nn::LayerNorm layer_norm2{nullptr};
};
TORCH_MODULE(ClipTextLayer);

struct ClipTextEncoderImpl : torch::nn::Module {
    explicit ClipTextEncoderImpl(const ClipTextConfig& config);
    torch::Tensor forward(torch::Tensor x, const torch::Tensor& causalBias);

    torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(ClipTextEncoder);

struct ClipTextModelImpl : torch::nn::Module {
    explicit ClipTextModelImpl(const ClipTextConfig& config = {});
    // Token ids [B, L] (int64, 1 <= L <= maxPositions; SD always passes L = 77 padded with
    // 49407 and no attention mask) -> last_hidden_state [B, L, width].
    torch::Tensor forward(const torch::Tensor& ids);

    ClipTextConfig config;
    ClipTextEmbeddings embeddings{nullptr};
    ClipTextEncoder encoder{nullptr};
    torch::nn::LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(ClipTextModel);

// [L, L] additive mask: 0 on and below the diagonal, -inf above (token i sees tokens 0..i).
torch::Tensor causalAttentionBias(std::int64_t length, const torch::TensorOptions& options);

} // namespace deadiff::nn
