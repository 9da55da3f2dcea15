// When and how the VAE decode runs in tiles. Untiled, the decoder's full-resolution levels hold
// several [C, H, W] tensors at once (about 14 GiB in float32 at 2048 px by the memory estimate); in
// tiles of 512 px (640 px with their margins) the peak is that of one such decode whatever the
// image size. Tiles overlap and
// are blended linearly across the overlap, so no seam shows. Torch-free: the memory estimate
// (core/runtime/memory_budget) plans with the same rule.
#pragma once

#include <cstdint>
#include <vector>

namespace deadiff::nn {

struct VaeTiling {
    // Latent cells per side up to which the whole latent is decoded at once (1024 px at SD's
    // factor 8: the largest size whose untiled decode fits a 16 GB machine beside the model).
    std::int64_t maxUntiledSide = 128;
    std::int64_t tileSide = 64; // latent cells per tile side (512 px)
    std::int64_t overlap = 16;  // latent cells shared by neighbouring tiles, blended
    // Latent cells decoded around each tile (where the image has them) and cut off again: the
    // convolutions near a tile's edge see the image instead of zero padding.
    std::int64_t margin = 8;
};

// The tiled decode normalises its tiles with GroupNorm statistics measured on one untiled
// decode of the whole image shrunk by this factor: the smallest that brings it within
// `maxUntiledSide`, so that pass needs no more memory than the largest untiled decode.
inline std::int64_t statisticsShrink(const VaeTiling& tiling, std::int64_t latentHeight,
                                     std::int64_t latentWidth) {
    const std::int64_t side = latentHeight > latentWidth ? latentHeight : latentWidth;
    return side <= tiling.maxUntiledSide
               ? 1
               : (side + tiling.maxUntiledSide - 1) / tiling.maxUntiledSide;
}

inline bool needsTiling(const VaeTiling& tiling, std::int64_t latentHeight,
                        std::int64_t latentWidth) {
    return latentHeight > tiling.maxUntiledSide || latentWidth > tiling.maxUntiledSide;
}

// Where the tiles start along an axis of `length` cells: 0 first, `length - tileSide` last,
// neighbours at most `tileSide - overlap` apart (so each overlap is at least `overlap`). One tile
// when the axis fits in one.
inline std::vector<std::int64_t> tileStarts(std::int64_t length, const VaeTiling& tiling) {
    if (length <= tiling.tileSide)
        return {0};
    const std::int64_t stride = tiling.tileSide - tiling.overlap;
    const std::int64_t last = length - tiling.tileSide;
    const std::int64_t count = (last + stride - 1) / stride + 1; // ceil(last / stride) + 1
    std::vector<std::int64_t> starts;
    for (std::int64_t i = 0; i < count; ++i)
        starts.push_back(i * last / (count - 1)); // spread evenly: equal overlaps
    return starts;
}

} // namespace deadiff::nn
