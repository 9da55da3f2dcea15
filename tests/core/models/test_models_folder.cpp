// The models folder: where it is (XDG), what listModels finds, and how names resolve to paths
// (paths unchanged, stems, file names, kind/name, the caller's kind first, safetensors before a
// pickle of the same stem, ambiguity).
#include "core/models/models_folder.h"
#include "core/pipeline/request.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

namespace deadiff::models {
namespace {

namespace fs = std::filesystem;

class ModelsFolder : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff_models_folder_" + std::to_string(std::random_device{}()));
        root_ = dir_ / "deadiff" / "models";
        fs::create_directories(root_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string put(const std::string& relative, std::size_t bytes = 10) const {
        const fs::path path = root_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << std::string(bytes, 'x');
        return path.string();
    }
    std::string root() const { return root_.string(); }

    fs::path dir_;
    fs::path root_;
};

// Restores an environment variable at the end of a test.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value)
        : name_(name) {
        if (const char* old = std::getenv(name)) {
            had_ = true;
            old_ = old;
        }
        if (value != nullptr)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (had_)
            ::setenv(name_, old_.c_str(), 1);
        else
            ::unsetenv(name_);
    }

private:
    const char* name_;
    bool had_ = false;
    std::string old_;
};

TEST(ModelsRoot, FollowsXdgDataHomeElseHome) {
    {
        ScopedEnv xdg("XDG_DATA_HOME", "/data/xdg");
        EXPECT_EQ(modelsRoot(), "/data/xdg/deadiff/models");
    }
    {
        ScopedEnv xdg("XDG_DATA_HOME", nullptr);
        ScopedEnv home("HOME", "/home/artist");
        EXPECT_EQ(modelsRoot(), "/home/artist/.local/share/deadiff/models");
    }
    {
        // The XDG rules: a relative XDG_DATA_HOME is ignored.
        ScopedEnv xdg("XDG_DATA_HOME", "relative/dir");
        ScopedEnv home("HOME", "/home/artist");
        EXPECT_EQ(modelsRoot(), "/home/artist/.local/share/deadiff/models");
    }
    {
        ScopedEnv xdg("XDG_DATA_HOME", nullptr);
        ScopedEnv home("HOME", nullptr);
        EXPECT_EQ(modelsRoot(), "");
    }
}

TEST(ModelsRoot, KindsAreTheConventionsFolders) {
    EXPECT_EQ(modelKinds(), (std::vector<std::string>{"deadiff", "base", "vae", "controlnet",
                                                      "lora", "taesd", "depth"}));
    EXPECT_TRUE(isModelKind("lora"));
    EXPECT_FALSE(isModelKind("loras"));
}

TEST_F(ModelsFolder, ListsWeightFilesModelFoldersAndDownloadsInProgress) {
    put("deadiff/deadiff_v1.safetensors", 100);
    put("controlnet/control_sd15_depth.pth", 50);
    put("depth/midas.onnx", 7);
    put("lora/notes.txt");           // not a weight file
    put("lora/.hidden.safetensors"); // hidden
    put("vae/big.ckpt.part", 33);
    put("deadiff/tiny/model.json", 5); // a model folder
    put("deadiff/tiny/model.safetensors", 20);
    put("deadiff/empty_folder/readme.txt");     // a folder without model.json
    put("my-styles/watercolor.safetensors", 3); // a folder the user added

    const ModelsListing listing = listModels(root());
    ASSERT_EQ(listing.models.size(), 5u);
    EXPECT_EQ(listing.models[0].kind, "deadiff");
    EXPECT_EQ(listing.models[0].name, "deadiff_v1");
    EXPECT_EQ(listing.models[0].bytes, 100u);
    EXPECT_EQ(listing.models[1].name, "tiny");
    EXPECT_TRUE(listing.models[1].modelFolder);
    EXPECT_EQ(listing.models[1].bytes, 25u);
    EXPECT_EQ(listing.models[2].kind, "controlnet");
    EXPECT_EQ(listing.models[2].name, "control_sd15_depth");
    EXPECT_EQ(listing.models[3].kind, "depth");
    EXPECT_EQ(listing.models[4].kind, "my-styles"); // added folders come after the kinds
    EXPECT_EQ(listing.models[4].name, "watercolor");
    ASSERT_EQ(listing.partial.size(), 1u);
    EXPECT_EQ(listing.partial[0].kind, "vae");
    EXPECT_EQ(listing.partial[0].fileName, "big.ckpt");
    EXPECT_EQ(listing.partial[0].bytes, 33u);
}

TEST_F(ModelsFolder, AMissingRootListsNothing) {
    const ModelsListing listing = listModels((dir_ / "nowhere").string());
    EXPECT_TRUE(listing.models.empty());
    EXPECT_TRUE(listing.partial.empty());
}

TEST_F(ModelsFolder, ExistingPathsAreReturnedUnchanged) {
    const std::string file = put("deadiff/deadiff_v1.ckpt");
    EXPECT_EQ(resolveModel(file, "deadiff", root()), file);
    // A path that exists relative to the working directory is a path, not a name.
    EXPECT_EQ(resolveModel(".", "deadiff", root()), ".");
    EXPECT_EQ(resolveModel("", "deadiff", root()), "");
}

TEST_F(ModelsFolder, NamesResolveByStemFileNameOrKindSlashName) {
    const std::string ckpt = put("deadiff/deadiff_v1.ckpt");
    const std::string control = put("controlnet/control_sd15_depth.pth");
    EXPECT_EQ(resolveModel("deadiff_v1", "deadiff", root()), ckpt);
    EXPECT_EQ(resolveModel("deadiff_v1.ckpt", "deadiff", root()), ckpt);
    EXPECT_EQ(resolveModel("controlnet/control_sd15_depth", "deadiff", root()), control);
    // Another kind's folder is searched when the caller's has no such name.
    EXPECT_EQ(resolveModel("control_sd15_depth", "deadiff", root()), control);
    EXPECT_EQ(resolveModel("nothing_like_it", "deadiff", root()), "nothing_like_it");
    EXPECT_EQ(resolveModel("vae/deadiff_v1", "deadiff", root()), "vae/deadiff_v1");
}

TEST_F(ModelsFolder, AConvertedCheckpointWinsOverItsPickle) {
    put("deadiff/deadiff_v1.ckpt");
    const std::string converted = put("deadiff/deadiff_v1.safetensors");
    EXPECT_EQ(resolveModel("deadiff_v1", "deadiff", root()), converted);
    // Naming the file itself still gets that file.
    EXPECT_EQ(resolveModel("deadiff_v1.ckpt", "deadiff", root()),
              (root_ / "deadiff" / "deadiff_v1.ckpt").string());
}

TEST_F(ModelsFolder, TheCallersKindDecidesElseAnAmbiguousNameIsAnError) {
    const std::string base = put("base/sd15.safetensors");
    const std::string vae = put("vae/sd15.safetensors");
    EXPECT_EQ(resolveModel("sd15", "vae", root()), vae);
    EXPECT_EQ(resolveModel("sd15", "base", root()), base);
    try {
        resolveModel("sd15", "deadiff", root());
        FAIL() << "an ambiguous name resolved";
    } catch (const AmbiguousModelName& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("base/sd15"), std::string::npos) << message;
        EXPECT_NE(message.find("vae/sd15"), std::string::npos) << message;
    }
}

TEST_F(ModelsFolder, ARequestsModelFieldsResolveWithTheirKinds) {
    const std::string model = put("deadiff/shared_name.safetensors");
    const std::string control = put("controlnet/shared_name.safetensors");
    const std::string depth = put("depth/midas.onnx");
    GenerationRequest request;
    request.model = "shared_name";
    control::ControlUnit unit;
    unit.model = "shared_name";
    unit.preprocessModel = "midas";
    request.controls = {unit, unit};
    resolveModelNames(request, root());
    EXPECT_EQ(request.model, model);
    for (const control::ControlUnit& resolved : request.controls) {
        EXPECT_EQ(resolved.model, control);
        EXPECT_EQ(resolved.preprocessModel, depth);
    }
}

TEST(ModelFiles, PicklesAndTheirConversions) {
    EXPECT_TRUE(isPickleFile("/m/deadiff_v1.ckpt"));
    EXPECT_TRUE(isPickleFile("/m/control.PTH"));
    EXPECT_FALSE(isPickleFile("/m/deadiff_v1.safetensors"));
    EXPECT_FALSE(isPickleFile("/m/midas.onnx"));
    EXPECT_EQ(convertedPath("/m/deadiff_v1.ckpt"), "/m/deadiff_v1.safetensors");
}

} // namespace
} // namespace deadiff::models
