#include "core/io/output_path.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace deadiff::io {
namespace {

namespace fs = std::filesystem;

class OutputPath : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("deadiff-output-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        std::ofstream(path("file.txt")) << "x";
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    fs::path dir_;
};

// The message of `check(where)`, empty when it passed.
template <typename Check> std::string problemOf(Check check, const std::string& where) {
    try {
        check(where);
    } catch (const OutputPathError& error) {
        return error.what();
    }
    return {};
}

bool mentions(const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
}

TEST_F(OutputPath, AFileInAWritableFolderPassesAndLeavesNothing) {
    EXPECT_EQ(problemOf(checkOutputFile, path("out.png")), "");
    EXPECT_EQ(problemOf(checkOutputFile, path("file.txt")), ""); // replaced when written
    EXPECT_FALSE(fs::exists(path("out.png")));
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(OutputPath, FileProblemsNameThePathAndTheReason) {
    const std::string typo = path("typo/out.png");
    EXPECT_TRUE(mentions(problemOf(checkOutputFile, typo), typo));
    EXPECT_TRUE(mentions(problemOf(checkOutputFile, typo), "does not exist"));
    EXPECT_TRUE(mentions(problemOf(checkOutputFile, path("file.txt/out.png")), "not a folder"));
    EXPECT_TRUE(mentions(problemOf(checkOutputFile, dir_.string()), "is a folder"));
    // An atomic write renames over the target: /dev/null would be replaced by a PNG.
    EXPECT_TRUE(mentions(problemOf(checkOutputFile, "/dev/null"), "not a regular file"));
    // Root passes permission checks, a probe file tells the truth: /proc takes no new files.
    EXPECT_TRUE(mentions(problemOf(checkOutputFile, "/proc/self/out.png"), "not writable"));
    EXPECT_TRUE(mentions(problemOf(checkOutputFile, ""), "no output file"));
}

TEST_F(OutputPath, AFolderMayExistOrBeCreatable) {
    EXPECT_EQ(problemOf(checkOutputFolder, dir_.string()), "");
    EXPECT_EQ(problemOf(checkOutputFolder, path("new/deeper")), "");
    EXPECT_FALSE(fs::exists(path("new"))) << "the check must create nothing";
}

TEST_F(OutputPath, FolderProblemsNameThePathAndTheReason) {
    EXPECT_TRUE(mentions(problemOf(checkOutputFolder, path("file.txt")), "not a folder"));
    const std::string below = path("file.txt/sub");
    EXPECT_TRUE(mentions(problemOf(checkOutputFolder, below), below));
    EXPECT_TRUE(mentions(problemOf(checkOutputFolder, below), "not a folder"));
    EXPECT_TRUE(mentions(problemOf(checkOutputFolder, "/proc/self/out"), "not writable"));
    EXPECT_TRUE(mentions(problemOf(checkOutputFolder, "/proc"), "not writable"));
}

} // namespace
} // namespace deadiff::io
