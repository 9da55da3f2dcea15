#include "core/nn/layers.h"

#include <sys/mman.h>

#include <cstdlib>

namespace deadiff::nn {
namespace {

thread_local int weightsFromFileDepth = 0;
thread_local torch::ScalarType weightsFromFileDtype = torch::kFloat;

constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kHugeFrom = std::size_t{4} << 20;

// The layer is built as LibTorch builds it but at the smallest size (its initialisation then
// costs nothing), then given its real options and uninitialised parameters of the real shape.
// set_data keeps the parameter objects the module has registered, so named_parameters(),
// loadStateDict and clone() see the real tensors.
void resize(torch::Tensor& parameter, torch::IntArrayRef shape) {
    if (parameter.defined())
        parameter.set_data(emptyWeight(shape, WeightsFromFile::dtype()));
}

} // namespace

WeightsFromFile::WeightsFromFile(torch::ScalarType dtype)
    : outer_(weightsFromFileDtype) {
    ++weightsFromFileDepth;
    weightsFromFileDtype = dtype;
}

WeightsFromFile::~WeightsFromFile() {
    --weightsFromFileDepth;
    weightsFromFileDtype = outer_;
}

bool WeightsFromFile::active() {
    return weightsFromFileDepth > 0;
}

torch::ScalarType WeightsFromFile::dtype() {
    return weightsFromFileDtype;
}

torch::Tensor emptyWeight(torch::IntArrayRef shape, torch::ScalarType dtype) {
    std::int64_t count = 1;
    for (const std::int64_t size : shape)
        count *= size;
    const std::size_t bytes = static_cast<std::size_t>(count) * c10::elementSize(dtype);
    if (bytes < kHugeFrom)
        return torch::empty(shape, torch::TensorOptions().dtype(dtype));
    void* data = nullptr;
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    if (::posix_memalign(&data, kHugePage, rounded) != 0)
        throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    ::madvise(data, rounded, MADV_HUGEPAGE); // advice only: 4 KiB pages where refused
#endif
    return torch::from_blob(
        data, shape, [](void* pointer) { std::free(pointer); },
        torch::TensorOptions().dtype(dtype));
}

torch::nn::Linear makeLinear(const torch::nn::LinearOptions& options) {
    if (!WeightsFromFile::active())
        return torch::nn::Linear(options);
    torch::nn::Linear linear(torch::nn::LinearOptions(1, 1).bias(options.bias()));
    linear->options = options;
    resize(linear->weight, {options.out_features(), options.in_features()});
    resize(linear->bias, {options.out_features()});
    return linear;
}

torch::nn::Conv2d makeConv2d(const torch::nn::Conv2dOptions& options) {
    if (!WeightsFromFile::active())
        return torch::nn::Conv2d(options);
    const std::int64_t groups = options.groups();
    torch::nn::Conv2dOptions smallest = options;
    smallest.in_channels(groups).out_channels(groups);
    torch::nn::Conv2d conv(smallest);
    conv->options.in_channels(options.in_channels()).out_channels(options.out_channels());
    const auto kernel = options.kernel_size();
    resize(conv->weight,
           {options.out_channels(), options.in_channels() / groups, (*kernel)[0], (*kernel)[1]});
    resize(conv->bias, {options.out_channels()});
    return conv;
}

torch::nn::Embedding makeEmbedding(const torch::nn::EmbeddingOptions& options) {
    if (!WeightsFromFile::active())
        return torch::nn::Embedding(options);
    torch::nn::EmbeddingOptions smallest = options;
    smallest.num_embeddings(1);
    if (smallest.padding_idx())
        smallest.padding_idx(c10::nullopt);
    torch::nn::Embedding embedding(smallest);
    embedding->options = options;
    resize(embedding->weight, {options.num_embeddings(), options.embedding_dim()});
    return embedding;
}

} // namespace deadiff::nn
