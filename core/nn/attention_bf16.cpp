#include "core/nn/attention_bf16.h"

#include "core/nn/bf16_simd.h"
#include "core/runtime/system_info.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#define DEADIFF_FUSED_BF16 1
#include <immintrin.h>
#else
#define DEADIFF_FUSED_BF16 0
#endif

namespace deadiff::nn::detail {

#if DEADIFF_FUSED_BF16
namespace {

#define DEADIFF_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_* placeholders).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// Scores per query and block: four vectors of 16, all in registers with kQueryTile queries.
constexpr int kQueryTile = 4;
constexpr std::int64_t kKeyBlock = 64;
constexpr int kKeyGroups = static_cast<int>(kKeyBlock / 16);
// Output vectors of 16 lanes per ·v pass: 4 queries × 5 accumulators + 5 values + 1 broadcast
// fit the 32 vector registers.
constexpr int kMaxOutputVectors = 5;
// How far (in powers of two of a weight) a block's scores may exceed the running maximum before
// it is moved.
constexpr float kMaxSlack = 8.0f;
// Tiles per parallel task (at most): each key block is used by all of them while it is in L1.
constexpr int kMaxTilesPerTask = 8;

std::int64_t roundUp(std::int64_t value, std::int64_t multiple) {
    return (value + multiple - 1) / multiple * multiple;
}

// One head's keys and values, packed for VDPBF16PS, which multiplies pairs of bfloat16 in each
// 32-bit lane. Keys: for each group of 16 keys and each pair of head dims, one vector holding
// that pair for the 16 keys (scores of 16 keys per instruction). Values: for each pair of keys,
// their values interleaved per head dim (16 head dims per instruction). Both padded with zeros
// to whole key blocks and whole output vectors.
struct PackedLayout {
    std::int64_t pairs = 0;      // head_dim / 2
    std::int64_t paddedDim = 0;  // head_dim rounded up to 16
    std::int64_t paddedKeys = 0; // keys rounded up to kKeyBlock
    bool halfTail = false;       // head_dim = 16·n + 8, 1 <= n <= 4: the last 8 dims in 256 bits
    std::int64_t keyWords() const { return paddedKeys * pairs; }
    std::int64_t valueWords() const { return paddedKeys / 2 * paddedDim; }
};

void packHead(const std::uint16_t* keys, const std::uint16_t* values, std::int64_t keyStride,
              std::int64_t valueStride, std::int64_t keyCount, std::int64_t headDim,
              const PackedLayout& layout, std::uint32_t* packedKeys, std::uint32_t* packedValues) {
    for (std::int64_t key = 0; key < layout.paddedKeys; ++key) {
        std::uint32_t* group = packedKeys + (key / 16) * layout.pairs * 16 + key % 16;
        if (key < keyCount) {
            const std::uint16_t* row = keys + key * keyStride;
            for (std::int64_t pair = 0; pair < layout.pairs; ++pair) {
                std::uint32_t word;
                std::memcpy(&word, row + 2 * pair, sizeof word);
                group[pair * 16] = word;
            }
        } else {
            for (std::int64_t pair = 0; pair < layout.pairs; ++pair)
                group[pair * 16] = 0;
        }
    }
    for (std::int64_t keyPair = 0; keyPair < layout.paddedKeys / 2; ++keyPair) {
        std::uint32_t* target = packedValues + keyPair * layout.paddedDim;
        const std::int64_t first = 2 * keyPair;
        for (std::int64_t dim = 0; dim < layout.paddedDim; ++dim) {
            const std::uint32_t low =
                first < keyCount && dim < headDim ? values[first * valueStride + dim] : 0;
            const std::uint32_t high =
                first + 1 < keyCount && dim < headDim ? values[(first + 1) * valueStride + dim] : 0;
            target[dim] = low | (high << 16);
        }
    }
}

// 2^x for finite x <= 0: 2^n · 2^f with n = round(x), f in [-0.5, 0.5], 2^f by its Taylor
// series to the fourth power (relative error < 5e-5, far below bfloat16's 4e-3). Clamped at
// -125 so that nothing is subnormal; those terms are 0 against the row's maximum of 1 anyway.
DEADIFF_BF16_TARGET inline __m512 exp2NonPositive(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-125.0f));
    const __m512 n = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 f = _mm512_sub_ps(x, n);
    __m512 p = _mm512_set1_ps(9.6181291076284772e-3f);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5504108664821580e-2f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4022650695910071e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9314718055994531e-1f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

DEADIFF_BF16_TARGET inline __m512bh broadcastPair(const std::uint16_t* pair) {
    std::int32_t word;
    std::memcpy(&word, pair, sizeof word);
    return reinterpret_cast<__m512bh>(_mm512_set1_epi32(word));
}

DEADIFF_BF16_TARGET inline __m512bh loadPairs(const std::uint32_t* words) {
    return reinterpret_cast<__m512bh>(_mm512_loadu_si512(words));
}

// outputs[query][vectorBegin .. +Vectors) = outputs · correction[query] + probabilities · values
// over `keyPairs` pairs of one block's keys; with HalfTail, 8 more dims after those vectors in
// 256-bit registers (a 40-dim head is 2 vectors and a half: padding it to 3 vectors spent a sixth
// of the products on zeros). Each lane computes the same as in a full vector.
template <int Vectors, bool HalfTail>
DEADIFF_BF16_TARGET inline void
accumulateValues(float* outputs, std::int64_t paddedDim, std::int64_t vectorBegin,
                 const float* correction, const std::uint16_t (*probabilities)[kKeyBlock],
                 const std::uint32_t* values, std::int64_t keyPairs) {
    __m512 accumulators[kQueryTile][Vectors];
    __m256 tails[kQueryTile];
    for (int query = 0; query < kQueryTile; ++query) {
        const __m512 scale = _mm512_set1_ps(correction[query]);
        float* row = outputs + query * paddedDim + vectorBegin * 16;
        for (int vector = 0; vector < Vectors; ++vector)
            accumulators[query][vector] = _mm512_mul_ps(_mm512_loadu_ps(row + vector * 16), scale);
        if constexpr (HalfTail)
            tails[query] =
                _mm256_mul_ps(_mm256_loadu_ps(row + Vectors * 16), _mm512_castps512_ps256(scale));
    }
    const std::uint32_t* valueColumn = values + vectorBegin * 16;
    for (std::int64_t pair = 0; pair < keyPairs; ++pair) {
        __m512bh valueVectors[Vectors];
        for (int vector = 0; vector < Vectors; ++vector)
            valueVectors[vector] = loadPairs(valueColumn + pair * paddedDim + vector * 16);
        __m256bh tailValues;
        if constexpr (HalfTail)
            tailValues = reinterpret_cast<__m256bh>(_mm256_loadu_si256(
                reinterpret_cast<const __m256i*>(valueColumn + pair * paddedDim + Vectors * 16)));
        for (int query = 0; query < kQueryTile; ++query) {
            const __m512bh weight = broadcastPair(probabilities[query] + 2 * pair);
            for (int vector = 0; vector < Vectors; ++vector)
                accumulators[query][vector] =
                    _mm512_dpbf16_ps(accumulators[query][vector], weight, valueVectors[vector]);
            if constexpr (HalfTail)
                tails[query] = _mm256_dpbf16_ps(tails[query],
                                                reinterpret_cast<__m256bh>(_mm512_castsi512_si256(
                                                    reinterpret_cast<__m512i>(weight))),
                                                tailValues);
        }
    }
    for (int query = 0; query < kQueryTile; ++query) {
        float* row = outputs + query * paddedDim + vectorBegin * 16;
        for (int vector = 0; vector < Vectors; ++vector)
            _mm512_storeu_ps(row + vector * 16, accumulators[query][vector]);
        if constexpr (HalfTail)
            _mm256_storeu_ps(row + Vectors * 16, tails[query]);
    }
}

using AccumulateValues = void (*)(float*, std::int64_t, std::int64_t, const float*,
                                  const std::uint16_t (*)[kKeyBlock], const std::uint32_t*,
                                  std::int64_t);

// `vectors` whole vectors (at most 5), and with `halfTail` 8 dims more (then at most 4).
AccumulateValues accumulatorFor(std::int64_t vectors, bool halfTail) {
    switch (vectors) {
    case 1:
        return halfTail ? &accumulateValues<1, true> : &accumulateValues<1, false>;
    case 2:
        return halfTail ? &accumulateValues<2, true> : &accumulateValues<2, false>;
    case 3:
        return halfTail ? &accumulateValues<3, true> : &accumulateValues<3, false>;
    case 4:
        return halfTail ? &accumulateValues<4, true> : &accumulateValues<4, false>;
    default:
        return &accumulateValues<5, false>;
    }
}

// The online softmax of kQueryTile queries: their maxima so far (of raw scores), their sums of
// weights (per lane, reduced at the end) and their outputs (float32, `paddedDim` each).
struct TileState {
    float runningMax[kQueryTile];
    __m512 runningSum[kQueryTile];
};

// One block of keys for one tile: scores, the online softmax's update, and the block's values
// weighted into the outputs.
DEADIFF_BF16_TARGET inline void
attendKeyBlock(const std::uint16_t* const* queryRows, TileState& state, float* outputs,
               const std::uint32_t* keyBlock, const std::uint32_t* valueBlock,
               std::int64_t validKeys, const PackedLayout& layout, float scaleLog2e) {
    // Scores q·kᵀ of the tile's queries and the block's keys, in float32.
    __m512 scores[kQueryTile][kKeyGroups];
    for (int query = 0; query < kQueryTile; ++query)
        for (int group = 0; group < kKeyGroups; ++group)
            scores[query][group] = _mm512_setzero_ps();
    for (std::int64_t pair = 0; pair < layout.pairs; ++pair) {
        __m512bh keyVectors[kKeyGroups];
        for (int group = 0; group < kKeyGroups; ++group)
            keyVectors[group] = loadPairs(keyBlock + (group * layout.pairs + pair) * 16);
        for (int query = 0; query < kQueryTile; ++query) {
            const __m512bh q = broadcastPair(queryRows[query] + 2 * pair);
            for (int group = 0; group < kKeyGroups; ++group)
                scores[query][group] = _mm512_dpbf16_ps(scores[query][group], q, keyVectors[group]);
        }
    }

    // Online softmax in base 2: weights 2^((score - max) · scale · log2 e).
    constexpr float kMinusInfinity = -std::numeric_limits<float>::infinity();
    __mmask16 valid[kKeyGroups];
    for (int group = 0; group < kKeyGroups; ++group) {
        const std::int64_t lanes = std::clamp<std::int64_t>(validKeys - group * 16, 0, 16);
        valid[group] = static_cast<__mmask16>((std::uint32_t{1} << lanes) - 1);
    }
    float correction[kQueryTile];
    alignas(64) std::uint16_t probabilities[kQueryTile][kKeyBlock];
    const __m512 scale = _mm512_set1_ps(scaleLog2e);
    const float slack = kMaxSlack / scaleLog2e; // in units of raw scores
    for (int query = 0; query < kQueryTile; ++query) {
        __m512 maxVector = _mm512_set1_ps(kMinusInfinity);
        for (int group = 0; group < kKeyGroups; ++group)
            maxVector =
                _mm512_mask_max_ps(maxVector, valid[group], maxVector, scores[query][group]);
        // The reference maximum moves only when a block exceeds it by more than kMaxSlack
        // (weights then reach at most 2^kMaxSlack, as exact in float32 and bfloat16 as below
        // 1): after the first blocks that is rare, and the horizontal reduction is skipped.
        const float previousMax = state.runningMax[query];
        float newMax = previousMax;
        correction[query] = 1.0f;
        if (_mm512_cmp_ps_mask(maxVector, _mm512_set1_ps(previousMax + slack), _CMP_GT_OQ) != 0) {
            newMax = std::max(previousMax, _mm512_reduce_max_ps(maxVector));
            correction[query] = std::exp2((previousMax - newMax) * scaleLog2e);
            state.runningMax[query] = newMax;
        }
        const __m512 shift = _mm512_set1_ps(newMax * scaleLog2e);
        __m512 sum = _mm512_setzero_ps();
        __m512 weights[kKeyGroups];
        for (int group = 0; group < kKeyGroups; ++group) {
            weights[group] = _mm512_maskz_mov_ps(
                valid[group], exp2NonPositive(_mm512_fmsub_ps(scores[query][group], scale, shift)));
            sum = _mm512_add_ps(sum, weights[group]);
        }
        state.runningSum[query] =
            _mm512_fmadd_ps(state.runningSum[query], _mm512_set1_ps(correction[query]), sum);
        for (int group = 0; group < kKeyGroups; group += 2)
            _mm512_store_si512(
                probabilities[query] + group * 16,
                reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(weights[group + 1], weights[group])));
    }

    // outputs = outputs · correction + probabilities · values (bfloat16 pairs of keys).
    const std::int64_t keyPairs = (validKeys + 1) / 2;
    if (layout.halfTail) { // one pass: the whole vectors and the 256-bit tail
        accumulatorFor(layout.paddedDim / 16 - 1, true)(outputs, layout.paddedDim, 0, correction,
                                                        probabilities, valueBlock, keyPairs);
        return;
    }
    const std::int64_t vectors = layout.paddedDim / 16;
    for (std::int64_t begin = 0; begin < vectors; begin += kMaxOutputVectors) {
        const std::int64_t count = std::min<std::int64_t>(kMaxOutputVectors, vectors - begin);
        accumulatorFor(count, false)(outputs, layout.paddedDim, begin, correction, probabilities,
                                     valueBlock, keyPairs);
    }
}

// `tiles` tiles of kQueryTile queries (a tile's rows may repeat its last valid one; only
// `validQueries[tile]` are written) against every key of one head. Key blocks are the outer
// loop, so that each block's packed keys and values are read from L1 by every tile: with one
// tile at a time they streamed from L2 for every 4 queries, and the products waited for them.
DEADIFF_BF16_TARGET void attendQueryBlock(const std::uint16_t* const* queryRows,
                                          std::uint16_t* const* outputRows, const int* validQueries,
                                          int tiles, const std::uint32_t* packedKeys,
                                          const std::uint32_t* packedValues,
                                          const PackedLayout& layout, std::int64_t keyCount,
                                          std::int64_t headDim, float scaleLog2e, TileState* states,
                                          float* outputs) {
    const std::int64_t tileOutputs = kQueryTile * layout.paddedDim;
    for (int tile = 0; tile < tiles; ++tile)
        for (int query = 0; query < kQueryTile; ++query) {
            states[tile].runningMax[query] = -std::numeric_limits<float>::infinity();
            states[tile].runningSum[query] = _mm512_setzero_ps();
        }
    std::fill(outputs, outputs + tiles * tileOutputs, 0.0f);

    for (std::int64_t blockStart = 0; blockStart < keyCount; blockStart += kKeyBlock) {
        const std::uint32_t* keyBlock = packedKeys + blockStart * layout.pairs;
        const std::uint32_t* valueBlock = packedValues + blockStart / 2 * layout.paddedDim;
        const std::int64_t validKeys = std::min(kKeyBlock, keyCount - blockStart);
        for (int tile = 0; tile < tiles; ++tile)
            attendKeyBlock(queryRows + tile * kQueryTile, states[tile],
                           outputs + tile * tileOutputs, keyBlock, valueBlock, validKeys, layout,
                           scaleLog2e);
    }

    for (int tile = 0; tile < tiles; ++tile)
        for (int query = 0; query < validQueries[tile]; ++query) {
            const __m512 inverse =
                _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(states[tile].runningSum[query]));
            const float* row = outputs + tile * tileOutputs + query * layout.paddedDim;
            std::uint16_t* target = outputRows[tile * kQueryTile + query];
            for (std::int64_t dim = 0; dim < headDim; dim += 16) {
                const std::int64_t lanes = std::min<std::int64_t>(16, headDim - dim);
                const __m256bh rounded =
                    _mm512_cvtneps_pbh(_mm512_mul_ps(_mm512_loadu_ps(row + dim), inverse));
                _mm256_mask_storeu_epi16(target + dim,
                                         static_cast<__mmask16>((std::uint32_t{1} << lanes) - 1),
                                         reinterpret_cast<__m256i>(rounded));
            }
        }
}

#pragma GCC diagnostic pop

using simd::bf16Data;

} // namespace
#endif

int parallelLoopThreads() {
    const int threads = at::get_num_threads();
    std::vector<char> ran(static_cast<std::size_t>(threads), 0);
    at::parallel_for(0, threads, 1, [&](std::int64_t, std::int64_t) {
        ran[static_cast<std::size_t>(at::get_thread_num())] = 1;
    });
    return static_cast<int>(std::count(ran.begin(), ran.end(), 1));
}

bool fusedBf16AttentionSupported() {
#if DEADIFF_FUSED_BF16
    static const bool supported = [] {
        const CpuFeatures cpu = detectCpuFeatures();
        return cpu.avx512Kernels && cpu.avx512Bf16; // F/BW/DQ/VL, BF16, enabled by the OS
    }();
    return supported;
#else
    return false;
#endif
}

bool fusedBf16AttentionAccepts(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v) {
    if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4)
        return false;
    for (const torch::Tensor* tensor : {&q, &k, &v})
        if (tensor->scalar_type() != torch::kBFloat16 || !tensor->device().is_cpu() ||
            tensor->stride(3) != 1 || tensor->size(3) != q.size(3))
            return false;
    const std::int64_t headDim = q.size(3);
    return headDim > 0 && headDim % 2 == 0 && headDim <= kMaxFusedHeadDim && k.size(2) > 0 &&
           k.size(2) == v.size(2) && k.size(0) == q.size(0) && v.size(0) == q.size(0) &&
           k.size(1) == q.size(1) && v.size(1) == q.size(1);
}

torch::Tensor fusedBf16Attention(const torch::Tensor& q, const torch::Tensor& k,
                                 const torch::Tensor& v, double scale) {
    RECORD_FUNCTION("deadiff::fused_attention_bf16", std::vector<c10::IValue>({q, k, v}));
    TORCH_CHECK(fusedBf16AttentionSupported(), "the fused bfloat16 attention needs AVX512-BF16");
    TORCH_CHECK(fusedBf16AttentionAccepts(q, k, v),
                "the fused bfloat16 attention does not take these tensors");
    const std::int64_t batch = q.size(0);
    const std::int64_t heads = q.size(1);
    const std::int64_t queryCount = q.size(2);
    const std::int64_t keyCount = k.size(2);
    const std::int64_t headDim = q.size(3);
    torch::Tensor output = torch::empty({batch, queryCount, heads, headDim}, q.options());
    if (queryCount == 0)
        return output.permute({0, 2, 1, 3});
#if DEADIFF_FUSED_BF16
    PackedLayout layout;
    layout.pairs = headDim / 2;
    layout.paddedDim = roundUp(headDim, 16);
    layout.paddedKeys = roundUp(keyCount, kKeyBlock);
    layout.halfTail = headDim % 16 == 8 && headDim > 16 && headDim / 16 <= 4;
    const std::int64_t headCount = batch * heads;
    // Uninitialised: packHead writes every word, padding included.
    std::unique_ptr<std::uint32_t[]> packedKeys(
        new std::uint32_t[static_cast<std::size_t>(headCount * layout.keyWords())]);
    std::unique_ptr<std::uint32_t[]> packedValues(
        new std::uint32_t[static_cast<std::size_t>(headCount * layout.valueWords())]);
    const std::uint16_t* qData = bf16Data(q);
    const std::uint16_t* kData = bf16Data(k);
    const std::uint16_t* vData = bf16Data(v);
    auto* outData = reinterpret_cast<std::uint16_t*>(output.data_ptr<at::BFloat16>());

    at::parallel_for(0, headCount, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t head = begin; head < end; ++head) {
            const std::int64_t b = head / heads;
            const std::int64_t h = head % heads;
            packHead(kData + b * k.stride(0) + h * k.stride(1),
                     vData + b * v.stride(0) + h * v.stride(1), k.stride(2), v.stride(2), keyCount,
                     headDim, layout, packedKeys.get() + head * layout.keyWords(),
                     packedValues.get() + head * layout.valueWords());
        }
    });

    const float scaleLog2e = static_cast<float>(scale * 1.4426950408889634);
    // Tiles per task: their float32 outputs (tiles × 4 × paddedDim) stay within 32 KiB of L1.
    const int tilesPerTask =
        static_cast<int>(std::clamp<std::int64_t>(2048 / layout.paddedDim, 1, kMaxTilesPerTask));
    const std::int64_t queriesPerTask = tilesPerTask * kQueryTile;
    const std::int64_t tasksPerHead = (queryCount + queriesPerTask - 1) / queriesPerTask;
    at::parallel_for(0, headCount * tasksPerHead, 1, [&](std::int64_t begin, std::int64_t end) {
        std::unique_ptr<float[]> outputs(new float[tilesPerTask * kQueryTile * layout.paddedDim]);
        std::unique_ptr<TileState[]> states(new TileState[kMaxTilesPerTask]);
        const std::uint16_t* queryRows[kMaxTilesPerTask * kQueryTile];
        std::uint16_t* outputRows[kMaxTilesPerTask * kQueryTile];
        int validQueries[kMaxTilesPerTask];
        for (std::int64_t task = begin; task < end; ++task) {
            const std::int64_t head = task / tasksPerHead;
            const std::int64_t b = head / heads;
            const std::int64_t h = head % heads;
            const std::int64_t taskStart = task % tasksPerHead * queriesPerTask;
            const std::int64_t taskEnd = std::min(queryCount, taskStart + queriesPerTask);
            int tiles = 0;
            for (std::int64_t first = taskStart; first < taskEnd; first += kQueryTile, ++tiles) {
                validQueries[tiles] =
                    static_cast<int>(std::min<std::int64_t>(kQueryTile, taskEnd - first));
                for (int row = 0; row < kQueryTile; ++row) {
                    const std::int64_t query = first + std::min(row, validQueries[tiles] - 1);
                    queryRows[tiles * kQueryTile + row] =
                        qData + b * q.stride(0) + h * q.stride(1) + query * q.stride(2);
                    outputRows[tiles * kQueryTile + row] =
                        outData + ((b * queryCount + query) * heads + h) * headDim;
                }
            }
            attendQueryBlock(queryRows, outputRows, validQueries, tiles,
                             packedKeys.get() + head * layout.keyWords(),
                             packedValues.get() + head * layout.valueWords(), layout, keyCount,
                             headDim, scaleLog2e, states.get(), outputs.get());
        }
    });
#else
    (void)scale;
#endif
    return output.permute({0, 2, 1, 3});
}

} // namespace deadiff::nn::detail
