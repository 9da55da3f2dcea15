// Image decoding as the product does it for style/content references and depth maps: our JPEG
// and TIFF decoders, the size checks, and OpenCV's decoders for the rest. Any input must give
// an image within the size limits or an ImageError.
#include "core/image/image_io.h"

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    cv::setNumThreads(1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace deadiff::image;
    try {
        const cv::Mat rgb = decodeImageRgb(data, size, "fuzz");
        if (rgb.type() != CV_8UC3 || rgb.cols > kMaxImageSide || rgb.rows > kMaxImageSide)
            std::abort();
    } catch (const ImageError&) {
    }
    try {
        const cv::Mat gray = decodeImageGrayFloat(data, size, "fuzz");
        if (gray.type() != CV_32FC1 || gray.cols > kMaxImageSide || gray.rows > kMaxImageSide)
            std::abort();
    } catch (const ImageError&) {
    }
    return 0;
}
