// Reference images in, as the official script reads them: `PIL.Image.open(p).convert('RGB')`.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff::image {

// Any failure to read or decode an image; the message names the file and the reason.
class ImageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Larger sides are refused before any pixel memory is allocated (a 16384² RGB image is
// already 768 MiB).
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
// Fuzz builds check every size at a lower bound, so the fuzzer spends its time on parsing
// instead of filling megapixels (up to 1 s per input under ASan at the real bound, 0.1 s at
// 2048, which held the image decoder's fuzzer to about 1000 inputs a second).
constexpr int kMaxImageSide = 512;
#else
constexpr int kMaxImageSide = 16384;
#endif

// Decodes PNG, JPEG, WebP, BMP, TIFF, PBM/PGM/PPM/PAM and PFM (nothing else reaches OpenCV) into
// 8-bit RGB (CV_8UC3, channel 0 = red), byte for byte as Pillow 9.4's `.convert('RGB')`:
// - JPEG through libjpeg-turbo with Pillow's settings (ISLOW DCT, fancy upsampling); CMYK
//   JPEGs are taken as Adobe-inverted and converted with Pillow's formula;
// - alpha is dropped, not composited (Pillow's RGBA->RGB), palettes are expanded, grayscale
//   is replicated;
// - 16-bit colour keeps the high byte; 16-bit grayscale is clipped to 255 (Pillow opens it
//   as mode "I" and converts by clipping: mostly-white images, but what the model saw);
// - EXIF orientation is ignored, as the official inference script does;
// - only the first frame of a multi-page file is read.
// Throws ImageError for a missing/unreadable file, a path that is not a regular file (a FIFO,
// a device, a folder), a file over io::kMaxImageFileBytes, an empty file, an unknown format,
// truncated or corrupt data and sides above kMaxImageSide.
cv::Mat readImageRgb(const std::string& path);

// One channel, float32, with the file's precision kept (depth maps): 8-bit samples give
// 0..255, 16-bit 0..65535 (a 16-bit PNG keeps every level), float TIFF as stored. Colour is
// reduced to luma (0.299 R + 0.587 G + 0.114 B: a gray map replicated to RGB comes back
// exactly), alpha is dropped. Same checks and errors as readImageRgb.
cv::Mat readImageGrayFloat(const std::string& path);

// The same from bytes in memory; `nameForErrors` stands for the source in messages.
cv::Mat decodeImageRgb(const std::uint8_t* data, std::size_t size,
                       const std::string& nameForErrors);
cv::Mat decodeImageRgb(const std::vector<std::uint8_t>& bytes, const std::string& nameForErrors);
cv::Mat decodeImageGrayFloat(const std::uint8_t* data, std::size_t size,
                             const std::string& nameForErrors);

} // namespace deadiff::image
