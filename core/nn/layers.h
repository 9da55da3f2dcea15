// The LibTorch layers every network here is built from, made in one place so that a network
// whose weights come from a file is not randomly initialised first. Initialising is what a
// fresh LibTorch layer does in its constructor (kaiming/xavier uniform draws, one serial random
// number per weight): for the real-size DEADiff networks that was most of a model load, only to
// be overwritten by the checkpoint a moment later.
#pragma once

#include <torch/torch.h>

namespace deadiff::nn {

// While one of these lives on a thread, the layers made below (and the few parameters the
// networks register themselves) on that thread are allocated but not initialised. Only for
// networks that are loaded with loadStateDict right after being built: it refuses a file that
// misses any parameter or buffer, so no uninitialised value survives a successful load.
// `dtype`: the dtype the weights will have once loaded (the compute dtype), so that they are
// converted from the file straight into their final storage, not first to float32. Large
// parameters are allocated on transparent huge pages where the kernel offers them: filling
// gigabytes of fresh 4 KiB pages was most of what remained of a load (a page fault and a page
// clear every 4 KiB).
class WeightsFromFile {
public:
    explicit WeightsFromFile(torch::ScalarType dtype = torch::kFloat);
    ~WeightsFromFile();
    WeightsFromFile(const WeightsFromFile&) = delete;
    WeightsFromFile& operator=(const WeightsFromFile&) = delete;
    static bool active();
    static torch::ScalarType dtype(); // of the innermost scope; float32 outside any

private:
    torch::ScalarType outer_;
};

// Uninitialised storage for a weight of `shape`: huge-page backed from 4 MiB up (Linux, where
// transparent huge pages are enabled or on madvise), LibTorch's allocator below that.
torch::Tensor emptyWeight(torch::IntArrayRef shape, torch::ScalarType dtype);

// LibTorch's modules, initialised as LibTorch does unless a WeightsFromFile scope is active.
torch::nn::Linear makeLinear(const torch::nn::LinearOptions& options);
torch::nn::Conv2d makeConv2d(const torch::nn::Conv2dOptions& options);
torch::nn::Embedding makeEmbedding(const torch::nn::EmbeddingOptions& options);

// For parameters a network registers itself: `initialise` runs unless WeightsFromFile is active.
template <typename Initialise> void initialiseUnlessFromFile(Initialise&& initialise) {
    if (!WeightsFromFile::active())
        initialise();
}

} // namespace deadiff::nn
