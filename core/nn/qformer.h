// The BLIP-2 Q-Former (LAVIS Qformer.py): BERT-base whose first `queryTokens` rows are learned
// queries that also cross-attend to image tokens and use their own feed-forward
// (`intermediate_query` / `output_query`), while the text rows use the ordinary one and never see
// the image. Post-LN, erf GELU. Submodule names are the checkpoint's, under
// `<branch>_blip.Qformer.` (the LM head `cls.*` is not needed at inference).
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace deadiff::nn {

struct QFormerConfig {
    std::int64_t vocabSize = 30523; // bert-base-uncased + [DEC]
    std::int64_t hidden = 768;
    std::int64_t layers = 12;
    std::int64_t heads = 12;
    std::int64_t intermediate = 3072;
    std::int64_t maxPositions = 512;
    std::int64_t encoderWidth = 1024; // width of the image tokens read by cross-attention
    std::int64_t crossAttentionFrequency = 1;
    double layerNormEps = 1e-12;
};

struct BertEmbeddingsImpl : torch::nn::Module {
    explicit BertEmbeddingsImpl(const QFormerConfig& config);
    // LayerNorm([queries ; word(ids) + position(0..L-1)]): queries get no position embedding
    // and there is no token-type embedding.
    torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& queries);

    torch::nn::Embedding word_embeddings{nullptr};
    torch::nn::Embedding position_embeddings{nullptr};
    torch::nn::LayerNorm LayerNorm{nullptr};
    torch::Tensor position_ids; // [1, maxPositions], 0..maxPositions-1 (in the checkpoint)
};
TORCH_MODULE(BertEmbeddings);

// Keys and values come from `keyWidth`-wide states (hidden for self-, encoderWidth for
// cross-attention). No mask: DEADiff's text and image attention masks are all ones.
struct BertSelfAttentionImpl : torch::nn::Module {
    BertSelfAttentionImpl(const QFormerConfig& config, std::int64_t keyWidth);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& keyStates);

    std::int64_t heads;
    torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr};
};
TORCH_MODULE(BertSelfAttention);

// LayerNorm(dense(x) + residual): BertSelfOutput and BertOutput have the same shape of code.
struct BertResidualOutputImpl : torch::nn::Module {
    BertResidualOutputImpl(std::int64_t inWidth, const QFormerConfig& config);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual);

    torch::nn::Linear dense{nullptr};
    torch::nn::LayerNorm LayerNorm{nullptr};
};
TORCH_MODULE(BertResidualOutput);

struct BertAttentionImpl : torch::nn::Module {
    BertAttentionImpl(const QFormerConfig& config, std::int64_t keyWidth);
    // keyStates = x for self-attention, the image tokens for cross-attention.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& keyStates);

    BertSelfAttention self{nullptr};
    BertResidualOutput output{nullptr};
};
TORCH_MODULE(BertAttention);

struct BertIntermediateImpl : torch::nn::Module {
    explicit BertIntermediateImpl(const QFormerConfig& config);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear dense{nullptr};
};
TORCH_MODULE(BertIntermediate);

struct QFormerLayerImpl : torch::nn::Module {
    QFormerLayerImpl(const QFormerConfig& config, bool hasCrossAttention);
    // x [B, Q+L, hidden] with the Q query rows first; image [B, N, encoderWidth].
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& image,
                          std::int64_t queryCount);

    BertAttention attention{nullptr};
    BertAttention crossattention{nullptr}; // null where the layer has no cross-attention
    BertIntermediate intermediate{nullptr};
    BertResidualOutput output{nullptr};
    BertIntermediate intermediate_query{nullptr};
    BertResidualOutput output_query{nullptr};
};
TORCH_MODULE(QFormerLayer);

struct QFormerEncoderImpl : torch::nn::Module {
    explicit QFormerEncoderImpl(const QFormerConfig& config);
    torch::Tensor forward(torch::Tensor x, const torch::Tensor& image, std::int64_t queryCount);

    torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(QFormerEncoder);

struct QFormerBertImpl : torch::nn::Module {
    explicit QFormerBertImpl(const QFormerConfig& config);
    torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& queries,
                          const torch::Tensor& image);

    BertEmbeddings embeddings{nullptr};
    QFormerEncoder encoder{nullptr};
};
TORCH_MODULE(QFormerBert);

// LAVIS's `Qformer` (a BertLMHeadModel) without its unused `cls` head.
struct QFormerImpl : torch::nn::Module {
    explicit QFormerImpl(const QFormerConfig& config = {});
    // ids [B, L] int64 BERT ids (L >= 0), queries [B, Q, hidden], image [B, N, encoderWidth]
    // -> last_hidden_state [B, Q+L, hidden], query rows first.
    torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& queries,
                          const torch::Tensor& image);

    QFormerConfig config;
    QFormerBert bert{nullptr};
};
TORCH_MODULE(QFormer);

} // namespace deadiff::nn
