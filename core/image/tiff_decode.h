// TIFFs with extra (alpha) samples, read with libtiff directly: OpenCV reads them through
// TIFFReadRGBAImage, which premultiplies colour by alpha, while Pillow keeps the stored
// colour samples and `.convert('RGB')` drops the alpha.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace deadiff::image::detail {

bool looksLikeTiff(const std::uint8_t* data, std::size_t size);

// 8-bit RGB of a striped, 8-bit, contiguous TIFF with extra samples (RGB + alpha, gray +
// alpha). std::nullopt for any other TIFF layout (OpenCV decodes those as Pillow does) and
// for data libtiff cannot open. Throws ImageError naming `nameForErrors` for corrupt or
// truncated data and, for every TIFF, for sides above `maxSide`.
std::optional<cv::Mat> decodeTiffWithExtraSamples(const std::uint8_t* data, std::size_t size,
                                                  const std::string& nameForErrors, int maxSide);

} // namespace deadiff::image::detail
