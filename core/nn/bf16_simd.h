// bfloat16 <-> float32 conversions and a vectorised exp for our own CPU kernels (the attention's
// in-place softmax, the fused norms). AVX-512 code is compiled per function (target attribute)
// and called only after a runtime check (detectCpuFeatures), so the rest of the build keeps the
// baseline instruction set. Internal to core/nn.
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define DEADIFF_AVX512_KERNELS 1
#define DEADIFF_AVX512 __attribute__((target("avx512f")))
#else
#define DEADIFF_AVX512_KERNELS 0
#endif

namespace deadiff::nn::simd {

// The raw bits of a bfloat16 tensor's data.
inline const std::uint16_t* bf16Data(const torch::Tensor& tensor) {
    return reinterpret_cast<const std::uint16_t*>(tensor.data_ptr<at::BFloat16>());
}

inline std::uint16_t* bf16Data(torch::Tensor& tensor) {
    return reinterpret_cast<std::uint16_t*>(tensor.data_ptr<at::BFloat16>());
}

inline float bf16ToFloat(std::uint16_t value) {
    const std::uint32_t bits = static_cast<std::uint32_t>(value) << 16;
    float result;
    std::memcpy(&result, &bits, sizeof result);
    return result;
}

// Round to nearest even, as LibTorch rounds; NaN stays NaN.
inline std::uint16_t floatToBf16(float value) {
    std::uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    if (std::isnan(value))
        return static_cast<std::uint16_t>((bits >> 16) | 0x40);
    bits += 0x7fff + ((bits >> 16) & 1);
    return static_cast<std::uint16_t>(bits >> 16);
}

#if DEADIFF_AVX512_KERNELS
// GCC 12 warns inside its own AVX-512 headers (_mm512_undefined_* placeholders).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

DEADIFF_AVX512 inline __m512 loadBf16(const std::uint16_t* source) {
    const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(source));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
}

// Round to nearest even. For finite values (a NaN may come out as infinity).
DEADIFF_AVX512 inline void storeBf16(std::uint16_t* target, __m512 value) {
    const __m512i bits = _mm512_castps_si512(value);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    const __m512i rounded =
        _mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(target),
                        _mm512_cvtepi32_epi16(_mm512_srli_epi32(rounded, 16)));
}

// exp(x) for x <= 0 (Cephes expf, < 2 float32 ulp): 2^n · p(r), r = x - n·ln2; exactly 0 below
// -87 (and -inf).
DEADIFF_AVX512 inline __m512 expNonPositive(__m512 x) {
    const __mmask16 inRange = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.0f), _CMP_GE_OQ);
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_maskz_mov_ps(inRange, _mm512_scalef_ps(p, n));
}

#pragma GCC diagnostic pop
#endif

} // namespace deadiff::nn::simd
