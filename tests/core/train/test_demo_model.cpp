// The evaluation classifiers (save/load, error paths) and the bundled demo model: when
// resources/demo-model holds a trained model, it must generate held-out combinations whose
// subject and style the shipped classifiers recognise above chance (fixed seeds).
#include "core/pipeline/default_model.h"
#include "core/pipeline/pipeline.h"
#include "core/train/classifier.h"
#include "core/train/evaluation.h"
#include "core/train/synthetic_dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace deadiff::train {
namespace {

namespace fs = std::filesystem;

TEST(Classifiers, SaveAndLoadRoundTripExactly) {
    torch::manual_seed(3);
    Classifiers classifiers{ImageClassifier(ClassifierConfig{subjectCount(), 32}),
                            ImageClassifier(ClassifierConfig{styleCount(), 32})};
    const fs::path path =
        fs::temp_directory_path() /
        ("deadiff_classifiers_" + std::to_string(std::random_device{}()) + ".safetensors");
    saveClassifiers(classifiers, path.string());
    Classifiers loaded = loadClassifiers(path.string());
    fs::remove(path);
    const torch::Tensor images = torch::rand({2, 3, 64, 64}) * 2 - 1;
    torch::NoGradGuard noGrad;
    classifiers.subject->eval();
    classifiers.style->eval();
    EXPECT_TRUE(
        torch::equal(classifiers.subject->forward(images), loaded.subject->forward(images)));
    EXPECT_TRUE(torch::equal(classifiers.style->forward(images), loaded.style->forward(images)));
    EXPECT_EQ(loaded.subject->forward(images).sizes(), (torch::IntArrayRef{2, 12}));
    EXPECT_EQ(loaded.style->forward(images).sizes(), (torch::IntArrayRef{2, 10}));
}

TEST(Classifiers, LoadingAMissingFileNamesIt) {
    try {
        loadClassifiers("/nonexistent/classifiers.safetensors");
        FAIL() << "no exception";
    } catch (const std::exception& error) {
        EXPECT_NE(std::string(error.what()).find("/nonexistent/classifiers.safetensors"),
                  std::string::npos)
            << error.what();
    }
}

TEST(DemoModel, BundledModelPaintsThePromptsSubjectInTheReferencesStyle) {
    const std::string model = pipeline::bundledModelDir();
    if (model.empty())
        GTEST_SKIP() << "no trained demo model in resources/demo-model (docs/demo-model.md)";
    const std::string classifierPath = (fs::path(model) / "classifiers.safetensors").string();
    ASSERT_TRUE(fs::exists(classifierPath)) << classifierPath;
    Classifiers classifiers = loadClassifiers(classifierPath);
    const auto pipeline = Pipeline::load(model, {"float32", {}});
    EvaluationOptions options;
    options.pairs = 12; // each held-out combination once, seeds 0..11
    options.steps = 20;
    const EvaluationScores scores =
        evaluateModel(*pipeline, pipeline::modelDefaultImageSize(model), classifiers, options);
    // Chance is 1/12 for the subject and 1/10 for the style.
    EXPECT_GE(scores.subject, 4.0 / 12) << "prompt's subject recognised";
    EXPECT_GE(scores.style, 4.0 / 12) << "reference's style recognised";
}

} // namespace
} // namespace deadiff::train
