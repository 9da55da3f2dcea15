#include "core/train/evaluation.h"

#include "core/io/png.h"
#include "core/train/batch_tensors.h"
#include "core/train/synthetic_dataset.h"

#include <filesystem>
#include <random>

namespace deadiff::train {

EvaluationScores evaluateModel(Pipeline& pipeline, int imageSize, Classifiers& classifiers,
                               const EvaluationOptions& options,
                               const std::function<void(int, int)>& progress) {
    namespace fs = std::filesystem;
    SyntheticDatasetConfig config;
    config.imageSize = imageSize;
    config.seed = options.seed;
    const SyntheticDataset dataset(config);
    const fs::path scratch =
        fs::temp_directory_path() / ("deadiff-eval-" + std::to_string(std::random_device{}()));
    fs::create_directories(scratch);
    struct Cleanup {
        fs::path path;
        ~Cleanup() {
            std::error_code ignored;
            fs::remove_all(path, ignored);
        }
    } cleanup{scratch};

    EvaluationScores scores;
    std::vector<cv::Mat> sheet;
    int subjectHits = 0, styleHits = 0, leaks = 0;
    for (int i = 0; i < options.pairs; ++i) {
        const auto index = static_cast<std::uint64_t>(i);
        const TrainingPair pair = options.seenCombinations ? dataset.seenEvaluationPair(index)
                                                           : dataset.evaluationPair(index);
        const std::string reference =
            (scratch / ("reference-" + std::to_string(i) + ".png")).string();
        io::writePng(reference, pair.reference.rgb);
        GenerationRequest request;
        request.prompt = options.promptNamesStyle ? caption(pair.target.subject, pair.target.style)
                                                  : subjectCaption(pair.target.subject);
        request.styles.push_back({reference, 1.0});
        request.mode = options.mode;
        request.seed = static_cast<std::uint64_t>(i);
        request.steps = options.steps;
        request.cfg = options.cfg;
        request.imageWeight = options.imageWeight;
        request.width = imageSize;
        request.height = imageSize;
        request.dtype = "float32";
        const GenerationResult result = pipeline.generate(request);
        const cv::Mat& image = result.images.at(0);
        {
            torch::NoGradGuard noGrad;
            const torch::Tensor input = imagesToTensor({image});
            const std::int64_t subject =
                classifiers.subject->forward(input).argmax(1).item<std::int64_t>();
            const std::int64_t style =
                classifiers.style->forward(input).argmax(1).item<std::int64_t>();
            subjectHits += subject == pair.target.subject ? 1 : 0;
            styleHits += style == pair.target.style ? 1 : 0;
            leaks += subject == pair.reference.subject ? 1 : 0;
        }
        if (!options.samplesPath.empty()) {
            sheet.push_back(pair.reference.rgb);
            sheet.push_back(image);
        }
        if (progress)
            progress(i + 1, options.pairs);
    }
    scores.images = options.pairs;
    if (options.pairs > 0) {
        scores.subject = static_cast<double>(subjectHits) / options.pairs;
        scores.style = static_cast<double>(styleHits) / options.pairs;
        scores.contentLeak = static_cast<double>(leaks) / options.pairs;
    }
    if (!options.samplesPath.empty() && !sheet.empty())
        io::writePng(options.samplesPath, contactSheet(sheet, 8));
    return scores;
}

} // namespace deadiff::train
