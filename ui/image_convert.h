// Conversions between the core's images (cv::Mat, RGB CV_8UC3) and Qt's QImage. The copies are
// deliberate: a QImage that crosses threads must own its pixels.
#pragma once

#include <QImage>

#include <opencv2/core/mat.hpp>

namespace deadiff::ui {

// RGB (CV_8UC3), RGBA (CV_8UC4) or grey (CV_8UC1) -> a QImage that owns a copy of the pixels.
// An empty or unsupported Mat gives a null QImage.
QImage toQImage(const cv::Mat& rgb);

// Any QImage -> RGB CV_8UC3 that owns its pixels (what writePng expects).
cv::Mat toRgbMat(const QImage& image);

} // namespace deadiff::ui
