// The batch tests' workspace: a private temporary folder with two small style references
// (refs/ink.png, refs/neon.png) and the stand-in pipeline (tests/support/gradient_pipeline.h)
// without step delays. Fixtures derive from it and add their job.
#pragma once

#include "core/io/png.h"
#include "tests/support/gradient_pipeline.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

namespace deadiff::testing {

class BatchFolder : public ::testing::Test {
protected:
    explicit BatchFolder(const std::string& name)
        : dir_(std::filesystem::temp_directory_path() /
               ("deadiff-" + name + "-" + std::to_string(::getpid()))) {}

    void SetUp() override {
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_ / "refs");
        probe_->stepMillis = 0;
        pipeline_ = std::make_unique<GradientPipeline>("/models/gradient.safetensors", probe_);
        for (const char* name : {"ink", "neon"})
            io::writePng((dir_ / "refs" / (std::string(name) + ".png")).string(),
                         cv::Mat(32, 32, CV_8UC3, cv::Scalar(name[0], 90, 30)));
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    const std::filesystem::path dir_;
    std::shared_ptr<GradientProbe> probe_ = std::make_shared<GradientProbe>();
    std::unique_ptr<GradientPipeline> pipeline_;
};

} // namespace deadiff::testing
