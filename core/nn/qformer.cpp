#include "core/nn/qformer.h"
#include "core/nn/layers.h"

#include "core/nn/attention.h"

#include <stdexcept>
#include <string>

namespace deadiff::nn {
namespace {

torch::nn::LayerNorm layerNorm(std::int64_t width, double eps) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(eps));
}

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("Q-Former: " + what);
}

void checkInputs(const QFormerConfig& config, const torch::Tensor& ids,
                 const torch::Tensor& queries, const torch::Tensor& image) {
    if (ids.dim() != 2 || ids.scalar_type() != torch::kInt64)
        fail("text ids must be an int64 tensor [batch, length], got " + c10::str(ids.sizes()) +
             " " + std::string(c10::toString(ids.scalar_type())));
    if (queries.dim() != 3 || queries.size(2) != config.hidden)
        fail("query tokens must be [batch, queries, " + std::to_string(config.hidden) + "], got " +
             c10::str(queries.sizes()));
    if (image.dim() != 3 || image.size(2) != config.encoderWidth)
        fail("image tokens must be [batch, tokens, " + std::to_string(config.encoderWidth) +
             "], got " + c10::str(image.sizes()));
    if (ids.size(0) != queries.size(0) || image.size(0) != queries.size(0))
        fail("batch sizes differ: ids " + std::to_string(ids.size(0)) + ", queries " +
             std::to_string(queries.size(0)) + ", image " + std::to_string(image.size(0)));
    if (ids.size(1) > config.maxPositions)
        fail("text length " + std::to_string(ids.size(1)) + " exceeds " +
             std::to_string(config.maxPositions) + " positions");
    if (ids.numel() > 0 &&
        (ids.min().item<std::int64_t>() < 0 || ids.max().item<std::int64_t>() >= config.vocabSize))
        fail("token id outside the vocabulary 0.." + std::to_string(config.vocabSize - 1));
}

} // namespace

BertEmbeddingsImpl::BertEmbeddingsImpl(const QFormerConfig& config) {
    word_embeddings = register_module("word_embeddings", makeEmbedding(torch::nn::EmbeddingOptions(
                                                             config.vocabSize, config.hidden)));
    position_embeddings = register_module(
        "position_embeddings",
        makeEmbedding(torch::nn::EmbeddingOptions(config.maxPositions, config.hidden)));
    LayerNorm = register_module("LayerNorm", layerNorm(config.hidden, config.layerNormEps));
    position_ids = register_buffer("position_ids",
                                   torch::arange(config.maxPositions, torch::kInt64).unsqueeze(0));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& ids, const torch::Tensor& queries) {
    // Positions from arange, not from the buffer: Module::to(dtype) also converts integer
    // buffers, and bfloat16 holds integers exactly only up to 256.
    const torch::Tensor positions = torch::arange(ids.size(1), ids.options());
    const torch::Tensor text = word_embeddings(ids) + position_embeddings(positions);
    return LayerNorm(torch::cat({queries, text.to(queries.dtype())}, 1));
}

BertSelfAttentionImpl::BertSelfAttentionImpl(const QFormerConfig& config, std::int64_t keyWidth)
    : heads(config.heads) {
    if (config.hidden % config.heads != 0)
        throw std::invalid_argument("Q-Former: hidden " + std::to_string(config.hidden) +
                                    " is not divisible by " + std::to_string(config.heads) +
                                    " heads");
    query = register_module("query",
                            makeLinear(torch::nn::LinearOptions(config.hidden, config.hidden)));
    key = register_module("key", makeLinear(torch::nn::LinearOptions(keyWidth, config.hidden)));
    value = register_module("value", makeLinear(torch::nn::LinearOptions(keyWidth, config.hidden)));
}

torch::Tensor BertSelfAttentionImpl::forward(const torch::Tensor& x,
                                             const torch::Tensor& keyStates) {
    return mergeHeads(scaledDotProductAttention(splitHeads(query(x), heads),
                                                splitHeads(key(keyStates), heads),
                                                splitHeads(value(keyStates), heads)));
}

BertResidualOutputImpl::BertResidualOutputImpl(std::int64_t inWidth, const QFormerConfig& config) {
    dense = register_module("dense", makeLinear(torch::nn::LinearOptions(inWidth, config.hidden)));
    LayerNorm = register_module("LayerNorm", layerNorm(config.hidden, config.layerNormEps));
}

torch::Tensor BertResidualOutputImpl::forward(const torch::Tensor& x,
                                              const torch::Tensor& residual) {
    return LayerNorm(dense(x) + residual);
}

BertAttentionImpl::BertAttentionImpl(const QFormerConfig& config, std::int64_t keyWidth) {
    self = register_module("self", BertSelfAttention(config, keyWidth));
    output = register_module("output", BertResidualOutput(config.hidden, config));
}

torch::Tensor BertAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& keyStates) {
    return output(self(x, keyStates), x);
}

BertIntermediateImpl::BertIntermediateImpl(const QFormerConfig& config) {
    dense = register_module(
        "dense", makeLinear(torch::nn::LinearOptions(config.hidden, config.intermediate)));
}

torch::Tensor BertIntermediateImpl::forward(const torch::Tensor& x) {
    return torch::gelu(dense(x)); // erf GELU, as BERT's "gelu"
}

QFormerLayerImpl::QFormerLayerImpl(const QFormerConfig& config, bool hasCrossAttention) {
    attention = register_module("attention", BertAttention(config, config.hidden));
    if (hasCrossAttention)
        crossattention =
            register_module("crossattention", BertAttention(config, config.encoderWidth));
    intermediate = register_module("intermediate", BertIntermediate(config));
    output = register_module("output", BertResidualOutput(config.intermediate, config));
    intermediate_query = register_module("intermediate_query", BertIntermediate(config));
    output_query = register_module("output_query", BertResidualOutput(config.intermediate, config));
}

torch::Tensor QFormerLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& image,
                                        std::int64_t queryCount) {
    const torch::Tensor attended = attention(x, x);
    torch::Tensor queries = attended.slice(1, 0, queryCount);
    if (crossattention)
        queries = crossattention(queries, image);
    queries = output_query(intermediate_query(queries), queries);
    if (attended.size(1) == queryCount)
        return queries;
    const torch::Tensor text = attended.slice(1, queryCount);
    return torch::cat({queries, output(intermediate(text), text)}, 1);
}

QFormerEncoderImpl::QFormerEncoderImpl(const QFormerConfig& config) {
    if (config.crossAttentionFrequency < 1)
        throw std::invalid_argument("Q-Former: crossAttentionFrequency must be >= 1");
    layer = register_module("layer", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < config.layers; ++i)
        layer->push_back(QFormerLayer(config, i % config.crossAttentionFrequency == 0));
}

torch::Tensor QFormerEncoderImpl::forward(torch::Tensor x, const torch::Tensor& image,
                                          std::int64_t queryCount) {
    for (const auto& module : *layer)
        x = module->as<QFormerLayerImpl>()->forward(x, image, queryCount);
    return x;
}

QFormerBertImpl::QFormerBertImpl(const QFormerConfig& config) {
    embeddings = register_module("embeddings", BertEmbeddings(config));
    encoder = register_module("encoder", QFormerEncoder(config));
}

torch::Tensor QFormerBertImpl::forward(const torch::Tensor& ids, const torch::Tensor& queries,
                                       const torch::Tensor& image) {
    return encoder(embeddings(ids, queries), image, queries.size(1));
}

QFormerImpl::QFormerImpl(const QFormerConfig& config)
    : config(config) {
    bert = register_module("bert", QFormerBert(config));
}

torch::Tensor QFormerImpl::forward(const torch::Tensor& ids, const torch::Tensor& queries,
                                   const torch::Tensor& image) {
    checkInputs(config, ids, queries, image);
    return bert(ids, queries, image.to(queries.scalar_type()));
}

} // namespace deadiff::nn
