#include "core/image/pil_resize.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff::image {
namespace {

// Pillow keeps 8 bits for the result and 2 for filters whose partial sums leave [0, 1].
constexpr int kPrecisionBits = 32 - 8 - 2;

constexpr double kPi = 3.14159265358979323846; // M_PI, which strict C++ need not define

// The kernels are written with Pillow's operation order: the weights must round to the same
// doubles before they are normalised and quantised.
double bilinearKernel(double x) {
    if (x < 0.0)
        x = -x;
    if (x < 1.0)
        return 1.0 - x;
    return 0.0;
}

double bicubicKernel(double x) {
    constexpr double a = -0.5;
    if (x < 0.0)
        x = -x;
    if (x < 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0)
        return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

double sinc(double x) {
    if (x == 0.0)
        return 1.0;
    x = x * kPi;
    return std::sin(x) / x;
}

double lanczosKernel(double x) {
    if (-3.0 <= x && x < 3.0)
        return sinc(x) * sinc(x / 3);
    return 0.0;
}

struct Kernel {
    double (*weight)(double);
    double support;
};

Kernel kernelFor(PilFilter filter) {
    switch (filter) {
    case PilFilter::Bilinear:
        return {bilinearKernel, 1.0};
    case PilFilter::Bicubic:
        return {bicubicKernel, 2.0};
    case PilFilter::Lanczos:
        return {lanczosKernel, 3.0};
    }
    throw std::invalid_argument("pilResize: unknown filter");
}

// Per output pixel: the first input index, how many inputs it reads, and their fixed-point
// weights (taps entries, zero-padded).
struct AxisWeights {
    int taps = 0;
    std::vector<int> first;
    std::vector<int> count;
    std::vector<std::int32_t> weights;
};

AxisWeights computeAxisWeights(int inSize, int outSize, const Kernel& kernel) {
    // Pillow passes the box edges as float: (0, inSize).
    const float boxBegin = 0.0f;
    const float boxEnd = static_cast<float>(inSize);
    const double scale = static_cast<double>(boxEnd - boxBegin) / outSize;
    const double filterScale = scale < 1.0 ? 1.0 : scale;
    const double support = kernel.support * filterScale;

    AxisWeights axis;
    axis.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
    axis.first.resize(static_cast<std::size_t>(outSize));
    axis.count.resize(static_cast<std::size_t>(outSize));
    axis.weights.assign(static_cast<std::size_t>(outSize) * static_cast<std::size_t>(axis.taps), 0);
    std::vector<double> weights(static_cast<std::size_t>(axis.taps));

    for (int out = 0; out < outSize; ++out) {
        const double center = boxBegin + (out + 0.5) * scale;
        const double inverseScale = 1.0 / filterScale;
        // Truncation towards zero, as Pillow's (int) casts.
        int first = static_cast<int>(center - support + 0.5);
        if (first < 0)
            first = 0;
        int last = static_cast<int>(center + support + 0.5);
        if (last > inSize)
            last = inSize;
        const int count = last - first;

        double total = 0.0;
        for (int i = 0; i < count; ++i) {
            const double w = kernel.weight((i + first - center + 0.5) * inverseScale);
            weights[static_cast<std::size_t>(i)] = w;
            total += w;
        }
        std::int32_t* fixed = &axis.weights[static_cast<std::size_t>(out) * axis.taps];
        for (int i = 0; i < count; ++i) {
            double w = weights[static_cast<std::size_t>(i)];
            if (total != 0.0)
                w /= total;
            // Round half away from zero, then truncate, as Pillow's normalize_coeffs_8bpc.
            fixed[i] = w < 0 ? static_cast<std::int32_t>(-0.5 + w * (1 << kPrecisionBits))
                             : static_cast<std::int32_t>(0.5 + w * (1 << kPrecisionBits));
        }
        axis.first[static_cast<std::size_t>(out)] = first;
        axis.count[static_cast<std::size_t>(out)] = count < 0 ? 0 : count;
    }
    return axis;
}

// Pillow starts every sum at one half (rounding) and clips `sum >> kPrecisionBits` to uint8.
constexpr std::int64_t kRoundingHalf = std::int64_t{1} << (kPrecisionBits - 1);

inline std::uint8_t clipToByte(std::int64_t sum) {
    const std::int64_t value = sum >> kPrecisionBits; // arithmetic shift: floor
    return static_cast<std::uint8_t>(value < 0 ? 0 : (value > 255 ? 255 : value));
}

// Rows [rowBegin, rowBegin + out.rows) of `in`, resampled along x.
template <int Channels>
void resampleHorizontal(const cv::Mat& in, int rowBegin, const AxisWeights& axis, cv::Mat& out) {
    for (int y = 0; y < out.rows; ++y) {
        const std::uint8_t* src = in.ptr<std::uint8_t>(rowBegin + y);
        std::uint8_t* dst = out.ptr<std::uint8_t>(y);
        for (int x = 0; x < out.cols; ++x) {
            const std::uint8_t* first = src + axis.first[static_cast<std::size_t>(x)] * Channels;
            const int count = axis.count[static_cast<std::size_t>(x)];
            const std::int32_t* w = &axis.weights[static_cast<std::size_t>(x) * axis.taps];
            std::int64_t sums[Channels];
            for (int c = 0; c < Channels; ++c)
                sums[c] = kRoundingHalf;
            for (int i = 0; i < count; ++i)
                for (int c = 0; c < Channels; ++c)
                    sums[c] += std::int64_t{first[i * Channels + c]} * w[i];
            for (int c = 0; c < Channels; ++c)
                dst[x * Channels + c] = clipToByte(sums[c]);
        }
    }
}

// Row by row, accumulating whole input rows: contiguous reads.
void resampleVertical(const cv::Mat& in, int rowOffset, const AxisWeights& axis, cv::Mat& out) {
    const int rowLength = in.cols * in.channels();
    std::vector<std::int64_t> sums(static_cast<std::size_t>(rowLength));
    for (int y = 0; y < out.rows; ++y) {
        const int first = axis.first[static_cast<std::size_t>(y)] - rowOffset;
        const int count = axis.count[static_cast<std::size_t>(y)];
        const std::int32_t* w = &axis.weights[static_cast<std::size_t>(y) * axis.taps];
        std::fill(sums.begin(), sums.end(), kRoundingHalf);
        for (int k = 0; k < count; ++k) {
            const std::uint8_t* src = in.ptr<std::uint8_t>(first + k);
            const std::int64_t weight = w[k];
            for (int i = 0; i < rowLength; ++i)
                sums[static_cast<std::size_t>(i)] += src[i] * weight;
        }
        std::uint8_t* dst = out.ptr<std::uint8_t>(y);
        for (int i = 0; i < rowLength; ++i)
            dst[i] = clipToByte(sums[static_cast<std::size_t>(i)]);
    }
}

} // namespace

cv::Mat pilResize(const cv::Mat& image, int width, int height, PilFilter filter) {
    if (image.empty())
        throw std::invalid_argument("pilResize: the image is empty");
    if (image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
        throw std::invalid_argument("pilResize: expects an 8-bit image with 1 or 3 channels, got "
                                    "type " +
                                    std::to_string(image.type()));
    if (width < 1 || height < 1)
        throw std::invalid_argument("pilResize: the target size " + std::to_string(width) + "x" +
                                    std::to_string(height) + " is not positive");
    const Kernel kernel = kernelFor(filter);
    const bool resizeX = width != image.cols;
    const bool resizeY = height != image.rows;
    if (!resizeX && !resizeY)
        return image.clone();

    const AxisWeights vertical = computeAxisWeights(image.rows, height, kernel);
    // Only the rows some output row reads are resampled horizontally.
    const int rowBegin = vertical.first.front();
    const int rowEnd = vertical.first.back() + vertical.count.back();

    cv::Mat current = image;
    int rowOffset = 0;
    if (resizeX) {
        const AxisWeights horizontal = computeAxisWeights(image.cols, width, kernel);
        cv::Mat narrowed(rowEnd - rowBegin, width, image.type());
        if (image.channels() == 3)
            resampleHorizontal<3>(image, rowBegin, horizontal, narrowed);
        else
            resampleHorizontal<1>(image, rowBegin, horizontal, narrowed);
        current = narrowed;
        rowOffset = rowBegin;
    }
    if (!resizeY)
        return current;
    cv::Mat out(height, current.cols, image.type());
    resampleVertical(current, rowOffset, vertical, out);
    return out;
}

} // namespace deadiff::image
