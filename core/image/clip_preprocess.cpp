#include "core/image/clip_preprocess.h"

#include "core/image/pil_resize.h"
#include "core/image/tensor_image.h"

#include <torch/torch.h>

#include <stdexcept>

namespace deadiff::image {

cv::Mat resizeForClip(const cv::Mat& rgb, int size) {
    return pilResize(rgb, size, size, PilFilter::Bicubic);
}

torch::Tensor clipNormalize(const torch::Tensor& imagePm1) {
    if (imagePm1.dim() != 4 || imagePm1.size(1) != 3 || imagePm1.scalar_type() != torch::kFloat32)
        throw std::invalid_argument("clipNormalize: expects float32 [B,3,H,W], got shape " +
                                    c10::str(imagePm1.sizes()));
    const auto options = imagePm1.options();
    const torch::Tensor mean =
        torch::tensor({kClipMean[0], kClipMean[1], kClipMean[2]}, options).view({1, 3, 1, 1});
    const torch::Tensor std =
        torch::tensor({kClipStd[0], kClipStd[1], kClipStd[2]}, options).view({1, 3, 1, 1});
    // Two steps of the official code, kept apart: (x + 1) / 2 is not bit-identical to the
    // u8 / 255 it came from (63 of 256 byte values differ in the last bit).
    const torch::Tensor unit = (imagePm1 + 1.0) / 2.0;
    return (unit - mean) / std;
}

torch::Tensor clipInputFromRgb(const cv::Mat& rgb, int size) {
    return clipNormalize(rgbToTensor(resizeForClip(rgb, size), PixelRange::MinusOneToOne));
}

} // namespace deadiff::image
