// The start image of image-to-image and the mask of inpainting, prepared in pixels (OpenCV):
// fitted to the request's size as its resize mode says, the mask softened by a Gaussian blur,
// and for "only masked" the mask's box (padded, widened to the output's aspect ratio) that is
// repainted at the full size and pasted back (A1111's img2img/inpaint preparation, which works
// the same way). Torch-free: the pipeline encodes the result with the VAE.
#pragma once

#include "core/image/resize_mode.h"
#include "core/pipeline/request.h"

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include <optional>
#include <vector>

namespace deadiff::pipeline {

// `rgb` (CV_8UC3 or CV_32FC1) at width × height: Crop scales to cover and keeps the centre,
// Stretch scales each side, Fill scales to fit inside and repeats the outermost pixels into the
// bars. Area averaging when shrinking, bicubic when enlarging.
cv::Mat fitImage(const cv::Mat& image, int width, int height, image::ResizeMode mode);

// The box to repaint for "only masked": the mask's nonzero pixels (CV_32FC1), `padding` px
// around them, then grown (and shifted inside the image) to width:height. Empty when the mask
// is all zero.
std::optional<cv::Rect> maskedRegion(const cv::Mat& mask, int padding, int width, int height);

struct StartImage {
    cv::Mat image;                  // CV_8UC3 RGB at the request's size
    cv::Mat mask;                   // CV_32FC1 in [0, 1], 1 = repaint (blurred); empty: none
    std::optional<cv::Rect> region; // "only masked": the box repainted at full size

    // What the sampler works on: the image and mask, or their region scaled to the full size.
    cv::Mat workImage() const;
    cv::Mat workMask() const;
    // The generated pictures back into the start image: with a region, each is scaled into it
    // and blended in through the mask; otherwise they are returned as they are.
    std::vector<cv::Mat> pasteBack(const std::vector<cv::Mat>& generated) const;
};

// Reads `init` (and `mask`) of the request and prepares them; throws image::ImageError naming
// the file that cannot be read.
StartImage prepareStartImage(const GenerationRequest& request);

// A mask (CV_32FC1, full size) averaged down to the latent's cells.
cv::Mat latentMask(const cv::Mat& mask, int latentWidth, int latentHeight);

} // namespace deadiff::pipeline
