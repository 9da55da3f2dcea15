#include "ui/image_convert.h"

namespace deadiff::ui {

QImage toQImage(const cv::Mat& rgb) {
    if (rgb.empty() || rgb.depth() != CV_8U)
        return {};
    QImage::Format format = QImage::Format_Invalid;
    switch (rgb.channels()) {
    case 1:
        format = QImage::Format_Grayscale8;
        break;
    case 3:
        format = QImage::Format_RGB888;
        break;
    case 4:
        format = QImage::Format_RGBA8888;
        break;
    default:
        return {};
    }
    const QImage view(rgb.data, rgb.cols, rgb.rows, static_cast<qsizetype>(rgb.step), format);
    return view.copy();
}

cv::Mat toRgbMat(const QImage& image) {
    if (image.isNull())
        return {};
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    const cv::Mat view(rgb.height(), rgb.width(), CV_8UC3, const_cast<uchar*>(rgb.constBits()),
                       static_cast<size_t>(rgb.bytesPerLine()));
    return view.clone();
}

} // namespace deadiff::ui
