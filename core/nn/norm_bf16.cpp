#include "core/nn/norm_bf16.h"

#include "core/nn/bf16_simd.h"
#include "core/runtime/system_info.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <vector>

namespace deadiff::nn {
namespace {

bool needsGrad(std::initializer_list<const torch::Tensor*> tensors) {
    if (!torch::GradMode::is_enabled())
        return false;
    return std::any_of(tensors.begin(), tensors.end(), [](const torch::Tensor* tensor) {
        return tensor->defined() && tensor->requires_grad();
    });
}

bool isBf16OnCpu(const torch::Tensor& x) {
    return x.defined() && x.scalar_type() == torch::kBFloat16 && x.device().is_cpu() &&
           x.numel() > 0;
}

bool isVectorOf(const torch::Tensor& parameter, std::int64_t size) {
    return !parameter.defined() || (parameter.dim() == 1 && parameter.size(0) == size &&
                                    parameter.device().is_cpu() && parameter.is_floating_point());
}

#if DEADIFF_AVX512_KERNELS
using simd::bf16Data;
using simd::bf16ToFloat;
using simd::expNonPositive;
using simd::floatToBf16;
using simd::loadBf16;
using simd::storeBf16;
// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_* placeholders).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// Per-channel parameters as float32 (ones or zeros where the module has none).
torch::Tensor floatVector(const torch::Tensor& parameter, std::int64_t size, float fill) {
    if (!parameter.defined())
        return torch::full({size}, fill, torch::TensorOptions().dtype(torch::kFloat));
    return parameter.detach().to(torch::kFloat).contiguous();
}

// Elements summed in float32 lanes before the partial sum goes to double: the VAE's groups hold
// millions of elements.
constexpr std::int64_t kFloatRun = 4096;

// Σ (x_i + shift), or Σ (x_i + shift)² with Squares, over n bfloat16 values. The plain sum adds
// the shift once, in double (in float32 lanes it would swamp the values' digits).
template <bool Squares>
DEADIFF_AVX512 double sumShifted(const std::uint16_t* x, std::int64_t n, float shift) {
    const __m512 shiftVector = Squares ? _mm512_set1_ps(shift) : _mm512_setzero_ps();
    const std::int64_t vectorEnd = n - n % 16;
    double total = Squares ? 0.0 : static_cast<double>(shift) * static_cast<double>(vectorEnd);
    std::int64_t i = 0;
    while (i < vectorEnd) {
        const std::int64_t runEnd = std::min(vectorEnd, i + kFloatRun);
        __m512 even = _mm512_setzero_ps();
        __m512 odd = _mm512_setzero_ps();
        for (; i + 32 <= runEnd; i += 32) {
            const __m512 a = _mm512_add_ps(loadBf16(x + i), shiftVector);
            const __m512 b = _mm512_add_ps(loadBf16(x + i + 16), shiftVector);
            even = Squares ? _mm512_fmadd_ps(a, a, even) : _mm512_add_ps(even, a);
            odd = Squares ? _mm512_fmadd_ps(b, b, odd) : _mm512_add_ps(odd, b);
        }
        for (; i < runEnd; i += 16) {
            const __m512 a = _mm512_add_ps(loadBf16(x + i), shiftVector);
            even = Squares ? _mm512_fmadd_ps(a, a, even) : _mm512_add_ps(even, a);
        }
        total += static_cast<double>(_mm512_reduce_add_ps(_mm512_add_ps(even, odd)));
    }
    for (; i < n; ++i) {
        const float value = bf16ToFloat(x[i]) + shift;
        total += Squares ? static_cast<double>(value) * value : value;
    }
    return total;
}

// v · sigmoid(v), with exp(-|v|) so that nothing overflows.
DEADIFF_AVX512 inline __m512 silu(__m512 v) {
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 negativeAbs =
        _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN)));
    const __m512 e = expNonPositive(negativeAbs);
    const __m512 sigmoidOfAbs = _mm512_div_ps(one, _mm512_add_ps(one, e));
    const __mmask16 negative = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mul_ps(v, _mm512_mask_mul_ps(sigmoidOfAbs, negative, e, sigmoidOfAbs));
}

float siluScalar(float v) {
    const float e = std::exp(-std::fabs(v));
    const float sigmoidOfAbs = 1.0f / (1.0f + e);
    return v * (v < 0.0f ? e * sigmoidOfAbs : sigmoidOfAbs);
}

// y = x · scale + offset (then SiLU) over n values.
template <bool Silu>
DEADIFF_AVX512 void scaleShift(const std::uint16_t* x, std::uint16_t* y, std::int64_t n,
                               float scale, float offset) {
    const __m512 scaleVector = _mm512_set1_ps(scale);
    const __m512 offsetVector = _mm512_set1_ps(offset);
    const std::int64_t vectorEnd = n - n % 16;
    std::int64_t i = 0;
    for (; i < vectorEnd; i += 16) {
        __m512 v = _mm512_fmadd_ps(loadBf16(x + i), scaleVector, offsetVector);
        if (Silu)
            v = silu(v);
        storeBf16(y + i, v);
    }
    for (; i < n; ++i) {
        float v = bf16ToFloat(x[i]) * scale + offset;
        if (Silu)
            v = siluScalar(v);
        y[i] = floatToBf16(v);
    }
}

// One (sample, group): `channels` planes of `spatial` values each.
DEADIFF_AVX512 void groupNormGroup(const std::uint16_t* x, std::uint16_t* y, std::int64_t channels,
                                   std::int64_t spatial, const float* gamma, const float* beta,
                                   const float* shift, double eps, bool withSilu) {
    const auto shiftOf = [&](std::int64_t c) { return shift != nullptr ? shift[c] : 0.0f; };
    const double count = static_cast<double>(channels) * static_cast<double>(spatial);
    double sum = 0.0;
    for (std::int64_t c = 0; c < channels; ++c)
        sum += sumShifted<false>(x + c * spatial, spatial, shiftOf(c));
    const double mean = sum / count;
    double squares = 0.0;
    for (std::int64_t c = 0; c < channels; ++c)
        squares +=
            sumShifted<true>(x + c * spatial, spatial, static_cast<float>(shiftOf(c) - mean));
    const double inverseStd = 1.0 / std::sqrt(squares / count + eps);
    for (std::int64_t c = 0; c < channels; ++c) {
        const double scale = inverseStd * gamma[c];
        const auto offset = static_cast<float>(beta[c] + (shiftOf(c) - mean) * scale);
        if (withSilu)
            scaleShift<true>(x + c * spatial, y + c * spatial, spatial, static_cast<float>(scale),
                             offset);
        else
            scaleShift<false>(x + c * spatial, y + c * spatial, spatial, static_cast<float>(scale),
                              offset);
    }
}

// Channels-last: sums down 16 · Vectors adjacent channel columns of a [pixels, stride] matrix,
// Σ (x + shifts[c]) or Σ (x + shifts[c])² per column, into totals. A task takes whole cache
// lines of a row (32 channels per line). Each lane sums one column in float32: runs are short
// and the plain sums are of the values less the column's first, or a large mean (150 with a
// spread of 2) lost digits, 1e-5 of the output near zero.
template <bool Squares, int Vectors>
DEADIFF_AVX512 void columnSums(const std::uint16_t* x, std::int64_t pixels, std::int64_t stride,
                               const float* shifts, double* totals) {
    constexpr std::int64_t kColumnRun = 256;
    constexpr int kLanes = 16 * Vectors;
    alignas(64) float lanes[kLanes];
    // Plain sums: of x - x[first row], the first row's values and the shifts added in double.
    __m512 shift[Vectors];
    for (int v = 0; v < Vectors; ++v) {
        const __m512 first = loadBf16(x + 16 * v);
        shift[v] =
            Squares ? _mm512_loadu_ps(shifts + 16 * v) : _mm512_sub_ps(_mm512_setzero_ps(), first);
        _mm512_store_ps(lanes + 16 * v, first);
    }
    for (int lane = 0; lane < kLanes; ++lane)
        totals[lane] = Squares ? 0.0
                               : (static_cast<double>(shifts[lane]) + lanes[lane]) *
                                     static_cast<double>(pixels);
    std::int64_t pixel = 0;
    while (pixel < pixels) {
        const std::int64_t runEnd = std::min(pixels, pixel + kColumnRun);
        __m512 sum[Vectors];
        for (int v = 0; v < Vectors; ++v)
            sum[v] = _mm512_setzero_ps();
        for (; pixel < runEnd; ++pixel)
            for (int v = 0; v < Vectors; ++v) {
                const __m512 a = _mm512_add_ps(loadBf16(x + pixel * stride + 16 * v), shift[v]);
                sum[v] = Squares ? _mm512_fmadd_ps(a, a, sum[v]) : _mm512_add_ps(sum[v], a);
            }
        for (int v = 0; v < Vectors; ++v)
            _mm512_store_ps(lanes + 16 * v, sum[v]);
        for (int lane = 0; lane < kLanes; ++lane)
            totals[lane] += lanes[lane];
    }
}

template <bool Squares>
void columnSumsOfWidth(int width, const std::uint16_t* x, std::int64_t pixels, std::int64_t stride,
                       const float* shifts, double* totals) {
    if (width == 64)
        columnSums<Squares, 4>(x, pixels, stride, shifts, totals);
    else if (width == 32)
        columnSums<Squares, 2>(x, pixels, stride, shifts, totals);
    else
        columnSums<Squares, 1>(x, pixels, stride, shifts, totals);
}

// Channels-last rows: y = x · scale[c] + offset[c] (then SiLU), `channels` a multiple of 16.
template <bool Silu>
DEADIFF_AVX512 void scaleShiftRows(const std::uint16_t* x, std::uint16_t* y, std::int64_t rows,
                                   std::int64_t channels, const float* scale, const float* offset) {
    for (std::int64_t row = 0; row < rows; ++row)
        for (std::int64_t c = 0; c < channels; c += 16) {
            __m512 v = _mm512_fmadd_ps(loadBf16(x + row * channels + c), _mm512_loadu_ps(scale + c),
                                       _mm512_loadu_ps(offset + c));
            if (Silu)
                v = silu(v);
            storeBf16(y + row * channels + c, v);
        }
}

// GroupNorm of a channels-last [N, C, H, W] tensor (C a multiple of 16) without converting it:
// per-channel column sums, combined per group, then one pass over the rows.
void groupNormChannelsLast(const std::uint16_t* in, std::uint16_t* out, std::int64_t batch,
                           std::int64_t channels, std::int64_t pixels, std::int64_t groups,
                           const float* gamma, const float* beta, const float* shift, double eps,
                           bool withSilu) {
    const std::int64_t groupChannels = channels / groups;
    const int width = channels % 64 == 0 ? 64 : channels % 32 == 0 ? 32 : 16;
    const std::int64_t columnBlocks = channels / width;
    const double count = static_cast<double>(groupChannels) * static_cast<double>(pixels);
    const auto shiftOf = [&](std::int64_t sample, std::int64_t c) {
        return shift != nullptr ? shift[sample * channels + c] : 0.0f;
    };
    std::vector<double> columns(static_cast<std::size_t>(batch * channels));
    std::vector<double> mean(static_cast<std::size_t>(batch * groups));
    // Σ over the group's columns of per-column totals, for every (sample, group).
    const auto perGroup = [&](std::vector<double>& into) {
        for (std::int64_t sample = 0; sample < batch; ++sample)
            for (std::int64_t group = 0; group < groups; ++group) {
                double total = 0.0;
                for (std::int64_t c = group * groupChannels; c < (group + 1) * groupChannels; ++c)
                    total += columns[static_cast<std::size_t>(sample * channels + c)];
                into[static_cast<std::size_t>(sample * groups + group)] = total / count;
            }
    };
    // Tasks of (sample, column block, chunk of rows), each with its own partial totals, summed in
    // a fixed order: the result does not depend on the number of threads.
    constexpr std::int64_t kChunkRows = 2048;
    const std::int64_t chunks = (pixels + kChunkRows - 1) / kChunkRows;
    std::vector<double> partial(static_cast<std::size_t>(batch * channels * chunks));
    const auto columnPass = [&](bool squares) {
        at::parallel_for(
            0, batch * columnBlocks * chunks, 1, [&](std::int64_t begin, std::int64_t end) {
                float shifts[64];
                for (std::int64_t item = begin; item < end; ++item) {
                    const std::int64_t chunk = item % chunks;
                    const std::int64_t block = item / chunks;
                    const std::int64_t sample = block / columnBlocks;
                    const std::int64_t first = (block % columnBlocks) * width;
                    for (int lane = 0; lane < width; ++lane) {
                        const std::int64_t c = first + lane;
                        shifts[lane] = shiftOf(sample, c);
                        if (squares)
                            shifts[lane] = static_cast<float>(
                                shifts[lane] - mean[static_cast<std::size_t>(sample * groups +
                                                                             c / groupChannels)]);
                    }
                    const std::int64_t firstRow = chunk * kChunkRows;
                    const std::int64_t rows = std::min(kChunkRows, pixels - firstRow);
                    const std::uint16_t* x = in + (sample * pixels + firstRow) * channels + first;
                    double* totals = partial.data() + (chunk * batch + sample) * channels + first;
                    if (squares)
                        columnSumsOfWidth<true>(width, x, rows, channels, shifts, totals);
                    else
                        columnSumsOfWidth<false>(width, x, rows, channels, shifts, totals);
                }
            });
        for (std::size_t i = 0; i < columns.size(); ++i) {
            double total = 0.0;
            for (std::int64_t chunk = 0; chunk < chunks; ++chunk)
                total += partial[static_cast<std::size_t>(chunk) * columns.size() + i];
            columns[i] = total;
        }
    };
    columnPass(false);
    perGroup(mean);
    columnPass(true);
    std::vector<double> variance(static_cast<std::size_t>(batch * groups));
    perGroup(variance);

    std::vector<float> scale(static_cast<std::size_t>(batch * channels));
    std::vector<float> offset(scale.size());
    for (std::int64_t sample = 0; sample < batch; ++sample)
        for (std::int64_t c = 0; c < channels; ++c) {
            const auto group = static_cast<std::size_t>(sample * groups + c / groupChannels);
            const double factor = gamma[c] / std::sqrt(variance[group] + eps);
            const auto index = static_cast<std::size_t>(sample * channels + c);
            scale[index] = static_cast<float>(factor);
            offset[index] =
                static_cast<float>(beta[c] + (shiftOf(sample, c) - mean[group]) * factor);
        }
    const std::int64_t grain = std::max<std::int64_t>(1, 32768 / channels);
    at::parallel_for(0, batch * pixels, grain, [&](std::int64_t begin, std::int64_t end) {
        // Rows of one sample at a time (each sample has its own scale and offset).
        for (std::int64_t row = begin; row < end;) {
            const std::int64_t sample = row / pixels;
            const std::int64_t stop = std::min(end, (sample + 1) * pixels);
            const float* sampleScale = scale.data() + sample * channels;
            const float* sampleOffset = offset.data() + sample * channels;
            if (withSilu)
                scaleShiftRows<true>(in + row * channels, out + row * channels, stop - row,
                                     channels, sampleScale, sampleOffset);
            else
                scaleShiftRows<false>(in + row * channels, out + row * channels, stop - row,
                                      channels, sampleScale, sampleOffset);
            row = stop;
        }
    });
}

DEADIFF_AVX512 void layerNormRows(const std::uint16_t* x, std::uint16_t* y, std::int64_t rows,
                                  std::int64_t cols, const float* gamma, const float* beta,
                                  double eps) {
    const std::int64_t vectorEnd = cols - cols % 16;
    for (std::int64_t row = 0; row < rows; ++row) {
        const std::uint16_t* in = x + row * cols;
        std::uint16_t* out = y + row * cols;
        const double mean = sumShifted<false>(in, cols, 0.0f) / static_cast<double>(cols);
        const double variance =
            sumShifted<true>(in, cols, static_cast<float>(-mean)) / static_cast<double>(cols);
        const auto inverseStd = static_cast<float>(1.0 / std::sqrt(variance + eps));
        const auto meanFloat = static_cast<float>(mean);
        const __m512 meanVector = _mm512_set1_ps(meanFloat);
        const __m512 inverseStdVector = _mm512_set1_ps(inverseStd);
        std::int64_t i = 0;
        for (; i < vectorEnd; i += 16) {
            const __m512 normalised =
                _mm512_mul_ps(_mm512_sub_ps(loadBf16(in + i), meanVector), inverseStdVector);
            storeBf16(out + i, _mm512_fmadd_ps(normalised, _mm512_loadu_ps(gamma + i),
                                               _mm512_loadu_ps(beta + i)));
        }
        for (; i < cols; ++i)
            out[i] =
                floatToBf16((bf16ToFloat(in[i]) - meanFloat) * inverseStd * gamma[i] + beta[i]);
    }
}

// erf(x) (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7): 1 - poly(t)·exp(-x²), t = 1/(1 + p|x|),
// sign restored.
DEADIFF_AVX512 inline __m512 erf(__m512 x) {
    const __m512i signBit = _mm512_set1_epi32(INT32_MIN);
    const __m512i bits = _mm512_castps_si512(x);
    const __m512 magnitude = _mm512_castsi512_ps(_mm512_andnot_si512(signBit, bits));
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 t =
        _mm512_div_ps(one, _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), magnitude, one));
    __m512 poly = _mm512_set1_ps(1.061405429f);
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-1.453152027f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(1.421413741f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-0.284496736f));
    poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(0.254829592f));
    poly = _mm512_mul_ps(poly, t);
    const __m512 negativeSquare =
        _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_mul_ps(x, x)), signBit));
    const __m512 value = _mm512_fnmadd_ps(poly, expNonPositive(negativeSquare), one);
    return _mm512_castsi512_ps(
        _mm512_or_si512(_mm512_castps_si512(value), _mm512_and_si512(bits, signBit)));
}

DEADIFF_AVX512 void gegluRows(const std::uint16_t* x, std::uint16_t* y, std::int64_t rows,
                              std::int64_t width) {
    const std::int64_t vectorEnd = width - width % 16;
    const __m512 half = _mm512_set1_ps(0.5f);
    const __m512 inverseSqrt2 = _mm512_set1_ps(0.70710678118654752f);
    for (std::int64_t row = 0; row < rows; ++row) {
        const std::uint16_t* a = x + row * 2 * width;
        const std::uint16_t* g = a + width;
        std::uint16_t* out = y + row * width;
        std::int64_t i = 0;
        for (; i < vectorEnd; i += 16) {
            const __m512 gate = loadBf16(g + i);
            const __m512 gelu = _mm512_mul_ps(
                _mm512_mul_ps(half, gate),
                _mm512_add_ps(_mm512_set1_ps(1.0f), erf(_mm512_mul_ps(gate, inverseSqrt2))));
            storeBf16(out + i, _mm512_mul_ps(loadBf16(a + i), gelu));
        }
        for (; i < width; ++i) {
            const float gate = bf16ToFloat(g[i]);
            const float gelu = 0.5f * gate * (1.0f + std::erf(gate * 0.70710678118654752f));
            out[i] = floatToBf16(bf16ToFloat(a[i]) * gelu);
        }
    }
}

#pragma GCC diagnostic pop
#endif

} // namespace

namespace {

bool fusedNormsSupported() {
#if DEADIFF_AVX512_KERNELS
    return detectCpuFeatures().avx512f;
#else
    return false;
#endif
}

// Whether the process switched a path off with `name`=0.
bool switchedOff(const char* name) {
    const char* setting = std::getenv(name);
    return setting != nullptr && std::strcmp(setting, "0") == 0;
}

std::atomic<bool>& fusedNormsState() {
    static std::atomic<bool> state{fusedNormsSupported() && !switchedOff("DEADIFF_FUSED_NORMS")};
    return state;
}

} // namespace

bool fusedNormsEnabled() {
    return fusedNormsState().load(std::memory_order_relaxed);
}

bool setFusedNormsEnabled(bool enabled) {
    return fusedNormsState().exchange(enabled && fusedNormsSupported());
}

bool channelsLastEnabled() {
    static const bool allowed = !switchedOff("DEADIFF_CHANNELS_LAST");
    return allowed && fusedNormsEnabled();
}

bool channelsLastPays(const torch::Tensor& x) {
    return channelsLastEnabled() && isBf16OnCpu(x) && x.dim() == 4 &&
           !torch::GradMode::is_enabled();
}

bool groupNormBf16Applies(const torch::Tensor& x, std::int64_t groups, const torch::Tensor& weight,
                          const torch::Tensor& bias, const torch::Tensor& channelShift) {
    if (!isBf16OnCpu(x) || x.dim() < 2 || groups <= 0 || x.size(1) % groups != 0)
        return false;
    const std::int64_t channels = x.size(1);
    if (!isVectorOf(weight, channels) || !isVectorOf(bias, channels))
        return false;
    if (channelShift.defined() &&
        (channelShift.dim() != 2 || channelShift.size(0) != x.size(0) ||
         channelShift.size(1) != channels || !channelShift.device().is_cpu() ||
         !channelShift.is_floating_point()))
        return false;
    return !needsGrad({&x, &weight, &bias, &channelShift}) && fusedNormsEnabled();
}

torch::Tensor groupNormBf16(const torch::Tensor& x, std::int64_t groups,
                            const torch::Tensor& weight, const torch::Tensor& bias, double eps,
                            bool silu, const torch::Tensor& channelShift) {
    // Named for the profiler (deadiff-bench --profile), beside the ATen ops.
    RECORD_FUNCTION(silu ? "deadiff::group_norm_silu_bf16" : "deadiff::group_norm_bf16",
                    std::vector<c10::IValue>({x}));
    TORCH_CHECK(groupNormBf16Applies(x, groups, weight, bias, channelShift),
                "groupNormBf16 does not apply to these tensors");
#if DEADIFF_AVX512_KERNELS
    const std::int64_t batch = x.size(0);
    const std::int64_t channels = x.size(1);
    const std::int64_t spatial = x.numel() / (batch * channels);
    const std::int64_t groupChannels = channels / groups;
    const torch::Tensor gamma = floatVector(weight, channels, 1.0f);
    const torch::Tensor beta = floatVector(bias, channels, 0.0f);
    const torch::Tensor shift = channelShift.defined()
                                    ? channelShift.detach().to(torch::kFloat).contiguous()
                                    : channelShift;
    const float* gammaData = gamma.data_ptr<float>();
    const float* betaData = beta.data_ptr<float>();
    const float* shiftData = shift.defined() ? shift.data_ptr<float>() : nullptr;
    if (x.dim() == 4 && channels % 16 == 0 && !x.is_contiguous() &&
        x.is_contiguous(torch::MemoryFormat::ChannelsLast)) {
        torch::Tensor output = torch::empty_like(x, x.options(), torch::MemoryFormat::ChannelsLast);
        groupNormChannelsLast(bf16Data(x), bf16Data(output), batch, channels, spatial, groups,
                              gammaData, betaData, shiftData, eps, silu);
        return output;
    }
    const torch::Tensor input = x.contiguous();
    torch::Tensor output = torch::empty(input.sizes(), input.options());
    const std::uint16_t* in = bf16Data(input);
    std::uint16_t* out = bf16Data(output);
    at::parallel_for(0, batch * groups, 1, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t item = begin; item < end; ++item) {
            const std::int64_t sample = item / groups;
            const std::int64_t firstChannel = (item % groups) * groupChannels;
            const std::int64_t offset = (sample * channels + firstChannel) * spatial;
            groupNormGroup(in + offset, out + offset, groupChannels, spatial,
                           gammaData + firstChannel, betaData + firstChannel,
                           shiftData != nullptr ? shiftData + sample * channels + firstChannel
                                                : nullptr,
                           eps, silu);
        }
    });
    return output;
#else
    (void)eps;
    (void)silu;
    return x;
#endif
}

bool layerNormBf16Applies(const torch::Tensor& x, const torch::Tensor& weight,
                          const torch::Tensor& bias) {
    if (!isBf16OnCpu(x) || x.dim() < 1)
        return false;
    const std::int64_t cols = x.size(-1);
    return isVectorOf(weight, cols) && isVectorOf(bias, cols) && !needsGrad({&x, &weight, &bias}) &&
           fusedNormsEnabled();
}

torch::Tensor layerNormBf16(const torch::Tensor& x, const torch::Tensor& weight,
                            const torch::Tensor& bias, double eps) {
    RECORD_FUNCTION("deadiff::layer_norm_bf16", std::vector<c10::IValue>({x}));
    TORCH_CHECK(layerNormBf16Applies(x, weight, bias),
                "layerNormBf16 does not apply to these tensors");
#if DEADIFF_AVX512_KERNELS
    const torch::Tensor input = x.contiguous();
    torch::Tensor output = torch::empty(input.sizes(), input.options());
    const std::int64_t cols = input.size(-1);
    const std::int64_t rows = input.numel() / cols;
    const torch::Tensor gamma = floatVector(weight, cols, 1.0f);
    const torch::Tensor beta = floatVector(bias, cols, 0.0f);
    const std::uint16_t* in = bf16Data(input);
    std::uint16_t* out = bf16Data(output);
    const float* gammaData = gamma.data_ptr<float>();
    const float* betaData = beta.data_ptr<float>();
    const std::int64_t grain = std::max<std::int64_t>(1, 32768 / cols);
    at::parallel_for(0, rows, grain, [&](std::int64_t begin, std::int64_t end) {
        layerNormRows(in + begin * cols, out + begin * cols, end - begin, cols, gammaData, betaData,
                      eps);
    });
    return output;
#else
    (void)eps;
    return x;
#endif
}

bool gegluBf16Applies(const torch::Tensor& projected) {
    return isBf16OnCpu(projected) && projected.dim() >= 1 && projected.size(-1) % 2 == 0 &&
           !needsGrad({&projected}) && fusedNormsEnabled();
}

torch::Tensor gegluBf16(const torch::Tensor& projected) {
    RECORD_FUNCTION("deadiff::geglu_bf16", std::vector<c10::IValue>({projected}));
    TORCH_CHECK(gegluBf16Applies(projected), "gegluBf16 does not apply to this tensor");
#if DEADIFF_AVX512_KERNELS
    const torch::Tensor input = projected.contiguous();
    const std::int64_t width = input.size(-1) / 2;
    std::vector<std::int64_t> sizes = input.sizes().vec();
    sizes.back() = width;
    torch::Tensor output = torch::empty(sizes, input.options());
    const std::int64_t rows = width > 0 ? output.numel() / width : 0;
    const std::uint16_t* in = bf16Data(input);
    std::uint16_t* out = bf16Data(output);
    const std::int64_t grain = std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(width, 1));
    at::parallel_for(0, rows, grain, [&](std::int64_t begin, std::int64_t end) {
        gegluRows(in + begin * 2 * width, out + begin * width, end - begin, width);
    });
    return output;
#else
    return projected;
#endif
}

} // namespace deadiff::nn
