// The contact sheet of a batch: every image as a thumbnail in a grid with labelled axes, like
// an X/Y plot. Columns are the last axis with more than one value; rows are the combinations of
// the other varying axes (labelled "woodcut | a cat"). Missing images (stopped job) are grey.
#pragma once

#include "core/batch/batch_job.h"

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace deadiff::batch {

struct ContactSheetLayout {
    int rows = 1;
    int cols = 1;
    int cellWidth = 0; // thumbnail size
    int cellHeight = 0;
    int gap = 0;
    int rowLabelWidth = 0; // left margin for row labels (0 with one row and no row axis)
    int headerHeight = 0;  // top margin for column labels
    std::vector<std::string> columnLabels;
    std::vector<std::string> rowLabels;
    std::string columnTitle;            // e.g. "seed"
    std::string rowTitle;               // e.g. "style | prompt"
    std::vector<cv::Point> cellOfImage; // plan.images[i] -> (col, row)

    int width() const { return rowLabelWidth + cols * (cellWidth + gap) + gap; }
    int height() const { return headerHeight + rows * (cellHeight + gap) + gap; }
    // Top-left pixel of cell (col, row) in the sheet.
    cv::Point cellOrigin(int col, int row) const {
        return {rowLabelWidth + gap + col * (cellWidth + gap),
                headerHeight + gap + row * (cellHeight + gap)};
    }
};

// Thumbnails keep the aspect ratio with the longer side `thumbnail` px.
ContactSheetLayout contactSheetLayout(const BatchPlan& plan, int thumbnail = 192);

// `images` parallel to plan.images (RGB CV_8UC3; empty Mat: missing). Returns RGB CV_8UC3.
cv::Mat renderContactSheet(const BatchPlan& plan, const std::vector<cv::Mat>& images,
                           int thumbnail = 192);

} // namespace deadiff::batch
