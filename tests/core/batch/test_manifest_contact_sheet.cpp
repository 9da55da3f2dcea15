#include "core/batch/contact_sheet.h"
#include "core/batch/manifest.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace deadiff::batch {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

struct TempDir {
    TempDir() {
        path = fs::temp_directory_path() / ("deadiff-manifest-" + std::to_string(::getpid()));
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    fs::path path;
};

TEST(Manifest, CsvFieldsQuoteAndDefuseFormulas) {
    EXPECT_EQ(csvField("plain"), "plain");
    EXPECT_EQ(csvField("a, b"), "\"a, b\"");
    EXPECT_EQ(csvField("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(csvField("two\nlines"), "\"two\nlines\"");
    EXPECT_EQ(csvField("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    EXPECT_EQ(csvField("-0.5"), "-0.5"); // a negative number stays a number
}

TEST(Manifest, ListsEveryOutputWithItsSettings) {
    const BatchJob job = parseBatchJob(R"({"template": {"prompt": "p", "seed": 5, "steps": 7},
        "prompts": ["a cat, \"fat\"", "a dog"],
        "styles": [["/r/ink.png", "/r/neon.png"]], "mix": [0.25]})",
                                       "");
    const BatchPlan plan = expandJob(job, 0);
    TempDir dir;
    writeManifest(dir.path.string(), plan, {{ImageStatus::Generated, 1.5}, {ImageStatus::Kept, 0}},
                  1234);

    const std::string csv = slurp(dir.path / "manifest.csv");
    std::istringstream lines(csv);
    std::string header, first, second;
    std::getline(lines, header);
    std::getline(lines, first);
    std::getline(lines, second);
    EXPECT_EQ(header, "index,file,status,seconds,prompt,styles,style_weights,mix,mode,"
                      "image_weight,seed,batch_index,steps,cfg,sampler,width,height,depth,"
                      "negative_prompt\r");
    EXPECT_EQ(first.rfind("1,\"1_5_ink+neon_a_cat,__fat.png\",generated,1.5,\"a cat, \"\"fat\"\"\","
                          "/r/ink.png;/r/neon.png,0.75;0.25,0.25,style,1,5,1,7,7.5,ddim,512,512,,",
                          0),
              0u)
        << first;
    EXPECT_EQ(second.rfind("2,2_5_ink+neon_a_dog.png,kept,0,a dog,", 0), 0u) << second;

    const auto json = nlohmann::json::parse(slurp(dir.path / "manifest.json"));
    EXPECT_EQ(json["base_seed"], 1234);
    EXPECT_EQ(readManifestBaseSeed(dir.path.string()), 1234u);
    ASSERT_EQ(json["images"].size(), 2u);
    EXPECT_EQ(json["images"][1]["file"], "2_5_ink+neon_a_dog.png");
    EXPECT_EQ(json["images"][1]["status"], "kept");
    EXPECT_EQ(json["images"][1]["axes"]["prompt"], "a dog");
    EXPECT_EQ(json["images"][1]["axes"]["style"], "ink+neon");
    // The request is the PNG's JSON: it parses back to the planned request.
    GenerationRequest expected = plan.requests[0].request;
    expected.mode = ReferenceMode::Style; // the JSON form carries the effective mode
    EXPECT_EQ(requestFromJson(json["images"][0]["request"].dump()), expected);
    EXPECT_EQ(json["axes"][2]["key"], "mix");
    // No temporaries are left beside the files.
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir.path)) {
        (void)entry;
        ++files;
    }
    EXPECT_EQ(files, 2);
}

BatchPlan gridPlan() {
    // 2 styles x 3 seeds x batch 1, 128 x 64 images: rows = styles, columns = seeds.
    return expandJob(parseBatchJob(R"({"template": {"prompt": "p", "width": 128, "height": 64},
        "styles": [["/a.png"], ["/b.png"]], "seeds": [1, 2, 3], "mix": [0.5]})",
                                   ""),
                     0);
}

TEST(ContactSheet, LayoutPutsTheLastVaryingAxisInColumns) {
    const BatchPlan plan = gridPlan();
    const ContactSheetLayout layout = contactSheetLayout(plan, 100);
    EXPECT_EQ(layout.cols, 3);
    EXPECT_EQ(layout.rows, 2);
    EXPECT_EQ(layout.cellWidth, 100);
    EXPECT_EQ(layout.cellHeight, 50); // aspect 2:1 kept
    EXPECT_EQ(layout.columnTitle, "seed");
    EXPECT_EQ(layout.columnLabels, (std::vector<std::string>{"1", "2", "3"}));
    EXPECT_EQ(layout.rowTitle, "style"); // the one-valued mix axis is no row
    EXPECT_EQ(layout.rowLabels, (std::vector<std::string>{"a", "b"}));
    ASSERT_EQ(layout.cellOfImage.size(), 6u);
    // Images are style-major: image 4 is style b, seed 2.
    EXPECT_EQ(layout.cellOfImage[4], cv::Point(1, 1));
    EXPECT_EQ(layout.cellOfImage[2], cv::Point(2, 0));
    EXPECT_GT(layout.rowLabelWidth, 0);
    EXPECT_GT(layout.headerHeight, 0);
    EXPECT_EQ(layout.width(), layout.rowLabelWidth + 3 * (100 + layout.gap) + layout.gap);
    EXPECT_EQ(layout.height(), layout.headerHeight + 2 * (50 + layout.gap) + layout.gap);

    // One varying axis: one row and no row labels.
    const BatchPlan line =
        expandJob(parseBatchJob(R"({"template": {"prompt": "p"}, "seed_count": 4})", ""), 0);
    const ContactSheetLayout single = contactSheetLayout(line, 64);
    EXPECT_EQ(single.rows, 1);
    EXPECT_EQ(single.cols, 4);
    EXPECT_EQ(single.rowLabelWidth, 0);
    EXPECT_EQ(single.cellOfImage[3], cv::Point(3, 0));
}

TEST(ContactSheet, DrawsEachImageInItsCellAndGreysMissingOnes) {
    const BatchPlan plan = gridPlan();
    std::vector<cv::Mat> images;
    for (int i = 0; i < 6; ++i)
        images.emplace_back(64, 128, CV_8UC3, cv::Scalar(40 * i, 200 - 30 * i, 7 * i));
    images[5] = cv::Mat(); // not made
    const cv::Mat sheet = renderContactSheet(plan, images, 100);
    const ContactSheetLayout layout = contactSheetLayout(plan, 100);
    ASSERT_EQ(sheet.cols, layout.width());
    ASSERT_EQ(sheet.rows, layout.height());
    for (int i = 0; i < 6; ++i) {
        const cv::Point cell = layout.cellOfImage[static_cast<std::size_t>(i)];
        const cv::Point centre = layout.cellOrigin(cell.x, cell.y) + cv::Point(50, 25);
        const cv::Vec3b expected =
            i == 5 ? cv::Vec3b(160, 160, 160)
                   : cv::Vec3b(static_cast<uchar>(40 * i), static_cast<uchar>(200 - 30 * i),
                               static_cast<uchar>(7 * i));
        EXPECT_EQ(sheet.at<cv::Vec3b>(centre), expected) << "image " << i;
    }
    // Labels are drawn: the header and the row-label margin are not blank.
    const auto inked = [&](const cv::Rect& rect) {
        cv::Mat region = sheet(rect);
        for (int y = 0; y < region.rows; ++y)
            for (int x = 0; x < region.cols; ++x)
                if (region.at<cv::Vec3b>(y, x) != cv::Vec3b(255, 255, 255))
                    return true;
        return false;
    };
    EXPECT_TRUE(inked({layout.cellOrigin(1, 0).x, 0, 100, layout.headerHeight})); // "2"
    EXPECT_TRUE(inked({0, layout.cellOrigin(0, 1).y, layout.rowLabelWidth, 50})); // "b"
    // Gaps between cells stay background.
    EXPECT_EQ(sheet.at<cv::Vec3b>(layout.cellOrigin(1, 0) + cv::Point(-1, 10)),
              cv::Vec3b(255, 255, 255));
}

} // namespace
} // namespace deadiff::batch
