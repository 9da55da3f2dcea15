// Renders the example style references in resources/examples/, the layout hints of the demo
// ControlNets (a small house off centre: its outline and its depth map), and a contact sheet of
// the synthetic dataset (every style × every subject), from the demo model's procedural styles.
//
//   build/release/bin/deadiff_render_examples resources/examples [sheet.png]
//
// Deterministic: rerunning it reproduces the committed files byte for byte.
#include "core/control/control_type.h"
#include "core/train/controlnet_training.h"
#include "core/train/synthetic_dataset.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace deadiff::train;

struct Example {
    const char* style;
    const char* subject;
    std::uint64_t seed;
};

// Subjects chosen so that a reference rarely shows the subject a user prompts for; centred, no
// jitter, so the style is what one sees.
const Example kExamples[] = {
    {"neon", "cat", 11},        {"pastel stripes", "heart", 12}, {"ink sketch", "tree", 13},
    {"watercolor", "star", 14}, {"polka", "arrow", 15},          {"woodcut", "moon", 16},
};

// Maximum zlib effort keeps the grainy 256×256 references under 100 KB each.
void writeRgbPng(const std::string& path, const cv::Mat& rgb) {
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    if (!cv::imwrite(path, bgr, {cv::IMWRITE_PNG_COMPRESSION, 9}))
        throw std::runtime_error("cannot write " + path);
}

std::string fileName(std::string name) {
    for (char& c : name)
        if (c == ' ')
            c = '_';
    return name;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: %s OUTPUT_DIR [CONTACT_SHEET.png]\n", argv[0]);
        return 2;
    }
    try {
        const std::filesystem::path directory = argv[1];
        std::filesystem::create_directories(directory);
        for (const Example& example : kExamples) {
            const int subject = subjectIndex(example.subject);
            const int style = styleIndex(example.style);
            SubjectPlacement placement;
            placement.radius = 0.36;
            const SyntheticImage image =
                renderSubject(subject, style, 256, example.seed, placement);
            const std::string path = (directory / (fileName(example.style) + ".png")).string();
            writeRgbPng(path, image.rgb);
            std::printf("%s  %s\n", path.c_str(), caption(subject, style).c_str());
        }
        // Where the demo base never paints (small, lower left; docs/controlnet.md), at the demo
        // model's 64 px.
        SubjectPlacement layout;
        layout.centerX = 0.32;
        layout.centerY = 0.66;
        layout.radius = 0.22;
        for (const auto type :
             {deadiff::control::ControlType::Canny, deadiff::control::ControlType::Depth}) {
            const std::string path =
                (directory / (std::string("layout_house_") + deadiff::nameOf(type) + ".png"))
                    .string();
            writeRgbPng(path, layoutHint(type, subjectIndex("house"), 64, layout));
            std::printf("%s  %s hint of a house\n", path.c_str(), deadiff::nameOf(type));
        }
        if (argc == 3) {
            std::vector<cv::Mat> cells;
            for (int style = 0; style < styleCount(); ++style)
                for (int subject = 0; subject < subjectCount(); ++subject)
                    cells.push_back(renderSubject(subject, style, 64,
                                                  static_cast<std::uint64_t>(style * 100 + subject))
                                        .rgb);
            cv::Mat sheet = contactSheet(cells, subjectCount(), 2);
            cv::resize(sheet, sheet, cv::Size(), 2, 2, cv::INTER_NEAREST);
            writeRgbPng(argv[2], sheet);
            std::printf("%s  %d styles x %d subjects\n", argv[2], styleCount(), subjectCount());
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "deadiff_render_examples: %s\n", e.what());
        return 1;
    }
}
