// `deadiff models list|verify` on a models folder under a temporary XDG_DATA_HOME, and names as
// well as paths for --model and in batch jobs. (Downloads: tests/net/test_downloader.cpp.)
#include "tests/support/process.h"
#include "tests/support/test_bytes.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace deadiff::cli {
namespace {

namespace fs = std::filesystem;
using test::runProcess;

const std::string kCli = DEADIFF_CLI_EXE;

class CliModels : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff_cli_models_" + std::to_string(std::random_device{}()));
        root_ = dir_ / "data" / "deadiff" / "models";
        fs::create_directories(root_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::vector<std::string> env() const { return {"XDG_DATA_HOME=" + (dir_ / "data").string()}; }

    fs::path put(const std::string& relative, const std::string& bytes) const {
        const fs::path path = root_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }

    std::string sha256sum(const fs::path& path) const {
        return test::sha256sumOfFile(path.string());
    }

    // A catalogue of (name, kind, file, size, sha256).
    std::string catalog(const std::vector<std::vector<std::string>>& entries) const {
        const fs::path path = dir_ / "catalog.json";
        std::ofstream out(path);
        out << R"({"models": [)";
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const auto& e = entries[i];
            out << (i ? ", " : "") << R"({"name": ")" << e[0] << R"(", "kind": ")" << e[1]
                << R"(", "url": "https://models.example.invalid/)" << e[2] << R"(", "size": )"
                << e[3] << R"(, "sha256": ")" << e[4] << R"(", "licence": "free"})";
        }
        out << "]}";
        return path.string();
    }

    fs::path dir_;
    fs::path root_;
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST_F(CliModels, ListShowsModelsByNameDownloadsInProgressAndTheCatalogue) {
    put("deadiff/deadiff_v1.safetensors", std::string(999, 'x'));
    put("controlnet/control_sd15_depth.pth", "x");
    put("vae/big.ckpt.part", std::string(50, 'x'));
    const std::string zeros(64, '0');
    const auto result = runProcess({kCli, "models", "list", "--catalog",
                                    catalog({{"big", "vae", "big.ckpt", "200", zeros},
                                             {"other", "lora", "other.safetensors", "7", zeros}})},
                                   env());
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const std::string& out = result.out;
    EXPECT_TRUE(contains(out, "models folder: " + root_.string())) << out;
    EXPECT_TRUE(contains(out, "deadiff_v1")) << out;
    EXPECT_TRUE(contains(out, "999 B")) << out;
    EXPECT_TRUE(contains(out, "control_sd15_depth")) << out;
    EXPECT_TRUE(contains(out, "empty: base/ vae/ lora/ taesd/ depth/")) << out;
    EXPECT_TRUE(contains(out, "vae/big.ckpt")) << out;
    EXPECT_TRUE(contains(out, "50 B of 200 B (25%): deadiff models download big")) << out;
    EXPECT_TRUE(contains(out, "in the catalogue, not downloaded:")) << out;
    EXPECT_TRUE(contains(out, "deadiff models download other")) << out;
}

TEST_F(CliModels, VerifyComparesEachDownloadWithTheCatalogue) {
    const fs::path good = put("deadiff/good.safetensors", "good bytes");
    const fs::path bad = put("vae/bad.safetensors", "damaged bytes");
    put("lora/mine.safetensors", "a file of the user's");
    const std::string sha = sha256sum(good);
    const std::string path = catalog({{"good", "deadiff", "good.safetensors", "10", sha},
                                      {"bad", "vae", "bad.safetensors", "13", std::string(64, 'a')},
                                      {"absent", "base", "absent.safetensors", "5", sha}});
    const auto all = runProcess({kCli, "models", "verify", "--catalog", path}, env());
    EXPECT_EQ(all.exitCode, 1) << all.err;
    EXPECT_TRUE(contains(all.out, "ok        good  " + good.string())) << all.out;
    EXPECT_TRUE(contains(all.out, "MISMATCH  bad  " + bad.string())) << all.out;
    EXPECT_TRUE(contains(all.out, "found    " + sha256sum(bad))) << all.out;
    EXPECT_TRUE(contains(all.out, "unknown   lora/mine")) << all.out;
    EXPECT_TRUE(contains(all.out, "2 downloaded models checked")) << all.out;

    const auto one = runProcess({kCli, "models", "verify", "good", "--catalog", path}, env());
    EXPECT_EQ(one.exitCode, 0) << one.out << one.err;
    const auto absent = runProcess({kCli, "models", "verify", "absent", "--catalog", path}, env());
    EXPECT_EQ(absent.exitCode, 1);
    EXPECT_TRUE(contains(absent.out, "missing   absent")) << absent.out;
}

TEST_F(CliModels, ABadCatalogueOrActionIsAUsageError) {
    std::ofstream(dir_ / "bad.json") << R"({"models": [{"name": "x"}]})";
    const auto bad = runProcess(
        {kCli, "models", "download", "x", "--catalog", (dir_ / "bad.json").string()}, env());
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_TRUE(contains(bad.err, "models[0] (\"x\"): \"kind\"")) << bad.err;
    const auto action = runProcess({kCli, "models", "fetch"}, env());
    EXPECT_EQ(action.exitCode, 2);
    EXPECT_TRUE(contains(action.err, "unknown action 'fetch'")) << action.err;
}

TEST_F(CliModels, GenerateTakesAModelNameFromTheModelsFolder) {
    test::writeTinyModel((root_ / "deadiff" / "tiny").string(), 2);
    const std::string out = (dir_ / "out.png").string();
    const auto result = runProcess({kCli, "generate", "--model", "tiny", "--prompt", "star",
                                    "--steps", "2", "--seed", "3", "--dtype", "float32", "-o", out},
                                   env());
    ASSERT_EQ(result.exitCode, 0) << result.err;
    std::ifstream png(out, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(png)), {});
    EXPECT_TRUE(contains(bytes, "\"model\":\"" + (root_ / "deadiff" / "tiny").string() + "\""));

    const auto missing =
        runProcess({kCli, "generate", "--model", "no_such_model", "--prompt", "star"}, env());
    EXPECT_EQ(missing.exitCode, 2);
    EXPECT_TRUE(contains(missing.err, "no such file, folder or model name: no_such_model"))
        << missing.err;
    EXPECT_TRUE(contains(missing.err, root_.string())) << missing.err;
}

TEST_F(CliModels, BatchJobsTakeModelNamesToo) {
    put("deadiff/tiny_name.safetensors", "x");
    put("controlnet/depth_net.pth", "x");
    const fs::path job = dir_ / "job.json";
    std::ofstream(job) << R"({"template": {"prompt": "p", "seed": 1, "model": "tiny_name",
                              "depth": "map.png", "control": "depth_net"}})";
    const auto result = runProcess({kCli, "batch", job.string(), "--dry-run"}, env());
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_TRUE(contains(result.out, (root_ / "deadiff" / "tiny_name.safetensors").string()))
        << result.out;
    EXPECT_TRUE(contains(result.out, (root_ / "controlnet" / "depth_net.pth").string()))
        << result.out;
    // A relative path that is no name stays a path next to the job, as before.
    std::ofstream(job) << R"({"template": {"prompt": "p", "seed": 1, "model": "tiny_name",
                              "depth": "map.png", "control": "elsewhere.pth"}})";
    const auto relative = runProcess({kCli, "batch", job.string(), "--dry-run"}, env());
    ASSERT_EQ(relative.exitCode, 0) << relative.err;
    EXPECT_TRUE(contains(relative.out, (dir_ / "elsewhere.pth").string())) << relative.out;
}

} // namespace
} // namespace deadiff::cli
