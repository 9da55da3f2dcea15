#include "core/batch/contact_sheet.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <optional>

namespace deadiff::batch {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kFontScale = 0.45;
constexpr int kLineHeight = 18;
constexpr int kMaxRowLabelWidth = 320;
constexpr int kGap = 4;

// Hershey fonts draw ASCII only: other code points become '?' (the manifest has the full text).
std::string asciiOnly(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            out += c < 0x20 ? ' ' : static_cast<char>(c);
        } else if ((c & 0xC0) != 0x80) {
            out += '?';
        }
    }
    return out;
}

int textWidth(const std::string& text) {
    int baseline = 0;
    return cv::getTextSize(text, kFont, kFontScale, 1, &baseline).width;
}

// The longest prefix (with "...") that fits in `width` pixels.
std::string fitted(const std::string& text, int width) {
    std::string ascii = asciiOnly(text);
    if (textWidth(ascii) <= width)
        return ascii;
    while (!ascii.empty() && textWidth(ascii + "...") > width)
        ascii.pop_back();
    return ascii + "...";
}

void drawText(cv::Mat& sheet, const std::string& text, cv::Point origin) {
    cv::putText(sheet, text, origin, kFont, kFontScale, cv::Scalar(30, 30, 30), 1, cv::LINE_AA);
}

} // namespace

ContactSheetLayout contactSheetLayout(const BatchPlan& plan, int thumbnail) {
    ContactSheetLayout layout;
    layout.gap = kGap;
    const GenerationRequest& first =
        plan.requests.empty() ? GenerationRequest{} : plan.requests.front().request;
    const double aspect = static_cast<double>(first.width) / std::max(1, first.height);
    layout.cellWidth = aspect >= 1 ? thumbnail : std::max(1, static_cast<int>(thumbnail * aspect));
    layout.cellHeight = aspect >= 1 ? std::max(1, static_cast<int>(thumbnail / aspect)) : thumbnail;

    std::vector<std::size_t> varying;
    for (std::size_t a = 0; a < plan.axes.size(); ++a)
        if (plan.axes[a].labels.size() > 1)
            varying.push_back(a);
    std::vector<std::size_t> rowAxes = varying;
    std::optional<std::size_t> columnAxis;
    if (!varying.empty()) {
        columnAxis = varying.back();
        rowAxes.pop_back();
        layout.cols = static_cast<int>(plan.axes[*columnAxis].labels.size());
        layout.columnLabels = plan.axes[*columnAxis].labels;
        layout.columnTitle = plan.axes[*columnAxis].title;
    }
    layout.rows = 1;
    for (std::size_t a : rowAxes) {
        layout.rows *= static_cast<int>(plan.axes[a].labels.size());
        layout.rowTitle += (layout.rowTitle.empty() ? "" : " | ") + plan.axes[a].title;
    }
    // Row r's label: the values of the row axes, the first axis slowest (as the plan nests).
    for (int r = 0; r < layout.rows; ++r) {
        std::string label;
        int rest = r;
        std::vector<std::string> parts(rowAxes.size());
        for (std::size_t k = rowAxes.size(); k-- > 0;) {
            const auto& labels = plan.axes[rowAxes[k]].labels;
            parts[k] = labels[static_cast<std::size_t>(rest) % labels.size()];
            rest /= static_cast<int>(labels.size());
        }
        for (const std::string& part : parts)
            label += (label.empty() ? "" : " | ") + part;
        layout.rowLabels.push_back(label);
    }

    for (const PlannedImage& image : plan.images) {
        const PlannedRequest& request = plan.requests[image.requestIndex];
        const auto coordOf = [&](std::size_t axis) {
            return plan.axes[axis].key == "batch" ? static_cast<std::size_t>(image.batchIndex)
                                                  : request.coord[axis];
        };
        int row = 0;
        for (std::size_t a : rowAxes)
            row = row * static_cast<int>(plan.axes[a].labels.size()) + static_cast<int>(coordOf(a));
        const int col = columnAxis ? static_cast<int>(coordOf(*columnAxis)) : 0;
        layout.cellOfImage.emplace_back(col, row);
    }

    layout.headerHeight = layout.columnTitle.empty() ? kGap : 2 * kLineHeight + kGap;
    if (!rowAxes.empty()) {
        int widest = textWidth(asciiOnly(layout.rowTitle));
        for (const std::string& label : layout.rowLabels)
            widest = std::max(widest, textWidth(asciiOnly(label)));
        layout.rowLabelWidth = std::min(kMaxRowLabelWidth, widest + 2 * kGap);
    }
    return layout;
}

cv::Mat renderContactSheet(const BatchPlan& plan, const std::vector<cv::Mat>& images,
                           int thumbnail) {
    const ContactSheetLayout layout = contactSheetLayout(plan, thumbnail);
    cv::Mat sheet(layout.height(), layout.width(), CV_8UC3, cv::Scalar(255, 255, 255));
    const int labelWidth = layout.cellWidth - 2;
    if (!layout.columnTitle.empty()) {
        drawText(sheet, fitted(layout.columnTitle, sheet.cols - 2 * kGap),
                 {layout.rowLabelWidth + kGap, kLineHeight - 4});
        for (int c = 0; c < layout.cols; ++c)
            drawText(sheet, fitted(layout.columnLabels[static_cast<std::size_t>(c)], labelWidth),
                     {layout.cellOrigin(c, 0).x + 1, 2 * kLineHeight - 4});
    }
    if (layout.rowLabelWidth > 0) {
        drawText(sheet, fitted(layout.rowTitle, layout.rowLabelWidth - kGap),
                 {kGap, 2 * kLineHeight - 4});
        for (int r = 0; r < layout.rows; ++r)
            drawText(sheet,
                     fitted(layout.rowLabels[static_cast<std::size_t>(r)],
                            layout.rowLabelWidth - 2 * kGap),
                     {kGap, layout.cellOrigin(0, r).y + layout.cellHeight / 2 + 5});
    }
    for (std::size_t i = 0; i < layout.cellOfImage.size(); ++i) {
        const cv::Point cell = layout.cellOfImage[i];
        const cv::Rect rect(layout.cellOrigin(cell.x, cell.y),
                            cv::Size(layout.cellWidth, layout.cellHeight));
        cv::Mat target = sheet(rect);
        if (i < images.size() && !images[i].empty() && images[i].type() == CV_8UC3)
            cv::resize(images[i], target, target.size(), 0, 0, cv::INTER_AREA);
        else
            target.setTo(cv::Scalar(160, 160, 160)); // not made (stopped or failed)
    }
    return sheet;
}

} // namespace deadiff::batch
