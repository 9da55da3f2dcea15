#include "core/image/tensor_image.h"

#include <torch/torch.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace deadiff::image {

torch::Tensor rgbToTensor(const cv::Mat& rgb, PixelRange range) {
    if (rgb.empty() || rgb.type() != CV_8UC3)
        throw std::invalid_argument("rgbToTensor: expects a non-empty 8-bit RGB image (CV_8UC3)");
    const int height = rgb.rows;
    const int width = rgb.cols;
    torch::Tensor out = torch::empty({1, 3, height, width}, torch::kFloat32);
    float* planes = out.data_ptr<float>();
    const std::size_t planeSize = static_cast<std::size_t>(height) * width;
    for (int y = 0; y < height; ++y) {
        const std::uint8_t* row = rgb.ptr<std::uint8_t>(y);
        for (int x = 0; x < width; ++x) {
            for (int c = 0; c < 3; ++c) {
                // float32, in the official order: ToTensor's u8 / 255, then 2 * (u - 0.5).
                const float unit = static_cast<float>(row[3 * x + c]) / 255.0f;
                const float value = range == PixelRange::ZeroToOne ? unit : 2.0f * (unit - 0.5f);
                planes[c * planeSize + static_cast<std::size_t>(y) * width + x] = value;
            }
        }
    }
    return out;
}

cv::Mat tensorToRgb(const torch::Tensor& image, PixelRange range) {
    torch::Tensor chw = image;
    if (chw.dim() == 4 && chw.size(0) == 1)
        chw = chw[0];
    if (chw.dim() != 3 || chw.size(0) != 3 || !chw.is_floating_point())
        throw std::invalid_argument(
            "tensorToRgb: expects a float tensor [3,H,W] or [1,3,H,W], got " +
            std::string(image.toString()) + " of shape " + c10::str(image.sizes()));
    torch::NoGradGuard noGrad;
    torch::Tensor v = chw.detach().to(torch::kCPU, torch::kFloat32);
    if (range == PixelRange::MinusOneToOne)
        v = (v + 1.0) / 2.0;
    v = torch::nan_to_num(v.clamp(0.0, 1.0), 0.0);
    // The scripts multiply in float32 and `astype(np.uint8)` truncates.
    const torch::Tensor bytes = (v * 255.0).to(torch::kUInt8).permute({1, 2, 0}).contiguous();
    cv::Mat rgb(static_cast<int>(chw.size(1)), static_cast<int>(chw.size(2)), CV_8UC3);
    std::memcpy(rgb.data, bytes.data_ptr<std::uint8_t>(), static_cast<std::size_t>(bytes.numel()));
    return rgb;
}

std::vector<cv::Mat> tensorBatchToRgb(const torch::Tensor& images, PixelRange range) {
    if (images.dim() != 4)
        throw std::invalid_argument("tensorBatchToRgb: expects [B,3,H,W], got shape " +
                                    c10::str(images.sizes()));
    std::vector<cv::Mat> out;
    out.reserve(static_cast<std::size_t>(images.size(0)));
    for (std::int64_t i = 0; i < images.size(0); ++i)
        out.push_back(tensorToRgb(images[i], range));
    return out;
}

} // namespace deadiff::image
