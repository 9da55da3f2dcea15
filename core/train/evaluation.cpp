#include "core/train/evaluation.h"

#include "core/io/png.h"
#include "core/nn/vae.h"
#include "core/pipeline/model_config.h"
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
    scores.styleConfusion.assign(static_cast<std::size_t>(styleCount()),
                                 std::vector<int>(static_cast<std::size_t>(styleCount()), 0));
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
            ++scores.styleConfusion.at(static_cast<std::size_t>(pair.target.style))
                  .at(static_cast<std::size_t>(style));
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

std::string styleConfusionTable(const EvaluationScores& scores) {
    std::string table = "| expected \\ recognised |";
    for (std::size_t s = 0; s < scores.styleConfusion.size(); ++s)
        table += " " + styleNames().at(s) + " |";
    table += "\n|---|";
    for (std::size_t s = 0; s < scores.styleConfusion.size(); ++s)
        table += "---|";
    table += "\n";
    for (std::size_t row = 0; row < scores.styleConfusion.size(); ++row) {
        table += "| " + styleNames().at(row) + " |";
        for (const int count : scores.styleConfusion[row])
            table += " " + (count == 0 ? std::string(".") : std::to_string(count)) + " |";
        table += "\n";
    }
    return table;
}

EvaluationScores evaluateAutoencoder(const std::string& modelFolder, int imageSize,
                                     Classifiers& classifiers, int count, std::uint64_t seed) {
    const std::string jsonPath = pipeline::modelConfigPath(modelFolder);
    if (jsonPath.empty())
        throw std::runtime_error(modelFolder + " is not a model folder (no model.json)");
    const pipeline::ModelConfig config = pipeline::readModelConfig(jsonPath);
    const pipeline::ModelWeights weights = pipeline::openModelWeights(jsonPath, config);
    nn::AutoencoderKL vae(config.vae);
    nn::loadStateDict(*vae, weights.tensors, "first_stage_model.");
    vae->eval();

    SyntheticDatasetConfig datasetConfig;
    datasetConfig.imageSize = imageSize;
    datasetConfig.seed = seed;
    const SyntheticDataset dataset(datasetConfig);
    EvaluationScores scores;
    scores.styleConfusion.assign(static_cast<std::size_t>(styleCount()),
                                 std::vector<int>(static_cast<std::size_t>(styleCount()), 0));
    int subjectHits = 0, styleHits = 0;
    torch::NoGradGuard noGrad;
    for (int i = 0; i < count; ++i) {
        const SyntheticImage target = dataset.evaluationPair(static_cast<std::uint64_t>(i)).target;
        const torch::Tensor input = imagesToTensor({target.rgb});
        const torch::Tensor latent = vae->encode(input).scaledLatent;
        const torch::Tensor decoded = vae->decode(latent).clamp(-1, 1);
        subjectHits +=
            classifiers.subject->forward(decoded).argmax(1).item<std::int64_t>() == target.subject
                ? 1
                : 0;
        const std::int64_t style =
            classifiers.style->forward(decoded).argmax(1).item<std::int64_t>();
        styleHits += style == target.style ? 1 : 0;
        ++scores.styleConfusion.at(static_cast<std::size_t>(target.style))
              .at(static_cast<std::size_t>(style));
    }
    scores.images = count;
    if (count > 0) {
        scores.subject = static_cast<double>(subjectHits) / count;
        scores.style = static_cast<double>(styleHits) / count;
    }
    return scores;
}

} // namespace deadiff::train
