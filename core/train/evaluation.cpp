#include "core/train/evaluation.h"

#include "core/image/tensor_image.h"
#include "core/io/png.h"
#include "core/nn/vae.h"
#include "core/pipeline/model_config.h"
#include "core/train/batch_tensors.h"
#include "core/train/controlnet_training.h"
#include "core/train/synthetic_dataset.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <random>

namespace deadiff::train {
namespace {

// What the classifiers made of the images judged so far.
class Tally {
public:
    Tally() {
        const auto styles = static_cast<std::size_t>(styleCount());
        scores_.styleConfusion.assign(styles, std::vector<int>(styles, 0));
    }

    // `image` [1, 3, H, W] in [-1, 1] and the same as `rgb` (CV_8UC3); referenceSubject -1
    // where no reference was shown. The subject classifier reads `subjectImage` when given (the
    // layout's region, cropToPlacement), else the image.
    void judge(Classifiers& classifiers, const torch::Tensor& image, const cv::Mat& rgb,
               int subject, int style, int referenceSubject,
               const torch::Tensor& subjectImage = {}) {
        torch::NoGradGuard noGrad;
        vignetted_ += rgb.cols >= 8 && rgb.rows >= 8 && looksVignetted(rgb) ? 1 : 0;
        const std::int64_t recognisedSubject =
            classifiers.subject->forward(subjectImage.defined() ? subjectImage : image)
                .argmax(1)
                .item<std::int64_t>();
        const std::int64_t recognisedStyle =
            classifiers.style->forward(image).argmax(1).item<std::int64_t>();
        subjectHits_ += recognisedSubject == subject ? 1 : 0;
        styleHits_ += recognisedStyle == style ? 1 : 0;
        leaks_ += recognisedSubject == referenceSubject ? 1 : 0;
        ++scores_.styleConfusion.at(static_cast<std::size_t>(style))
              .at(static_cast<std::size_t>(recognisedStyle));
        ++scores_.images;
    }

    void judgeLayout(SubjectSegmenter& segmenter, const cv::Mat& rgb, const cv::Mat& layoutMask) {
        const double iou = maskIoU(segmentSubject(segmenter, rgb), layoutMask);
        iouSum_ += iou;
        layoutHeld_ += iou >= 0.5 ? 1 : 0;
        ++layouts_;
    }

    EvaluationScores scores() const {
        EvaluationScores scores = scores_;
        if (layouts_ > 0) {
            scores.layoutIoU = iouSum_ / layouts_;
            scores.layoutHeld = static_cast<double>(layoutHeld_) / layouts_;
        }
        if (scores.images > 0) {
            scores.subject = static_cast<double>(subjectHits_) / scores.images;
            scores.style = static_cast<double>(styleHits_) / scores.images;
            scores.contentLeak = static_cast<double>(leaks_) / scores.images;
            scores.vignetted = static_cast<double>(vignetted_) / scores.images;
        }
        return scores;
    }

private:
    EvaluationScores scores_;
    int subjectHits_ = 0, styleHits_ = 0, leaks_ = 0, vignetted_ = 0, layouts_ = 0, layoutHeld_ = 0;
    double iouSum_ = 0;
};

} // namespace

EvaluationScores evaluateModel(Pipeline& pipeline, int imageSize, Classifiers& classifiers,
                               const EvaluationOptions& options,
                               const std::function<void(int, int)>& progress,
                               SubjectSegmenter* segmenter) {
    namespace fs = std::filesystem;
    if (options.layout && segmenter == nullptr)
        throw std::invalid_argument("the layout measure needs the subject segmenter");
    if (options.control && !options.layout)
        throw std::invalid_argument("a ControlNet is evaluated on layouts: give the layout kind");
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

    Tally tally;
    std::vector<cv::Mat> sheet;
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
        request.cacheInterval = options.cacheInterval;
        request.sampler = options.sampler;
        request.decoder = options.decoder;
        request.imageWeight = options.imageWeight;
        request.width = imageSize;
        request.height = imageSize;
        request.dtype = ComputeDtype::Float32;
        cv::Mat hint, layoutMask;
        SubjectPlacement placement;
        if (options.layout) {
            placement = offPriorPlacement(pair.target.subject, options.seed * 7919 + index);
            hint = layoutHint(*options.layout, pair.target.subject, imageSize, placement);
            layoutMask = renderSubjectMask(pair.target.subject, imageSize, placement);
            if (options.control) {
                control::ControlUnit unit = *options.control;
                unit.type = *options.layout;
                unit.hint = (scratch / ("hint-" + std::to_string(i) + ".png")).string();
                io::writePng(unit.hint, hint);
                request.controls.push_back(unit);
            }
        }
        const GenerationResult result = pipeline.generate(request);
        const cv::Mat& image = result.images.at(0);
        tally.judge(classifiers, imagesToTensor({image}), image, pair.target.subject,
                    pair.target.style, pair.reference.subject,
                    options.layout ? imagesToTensor({cropToPlacement(image, placement)})
                                   : torch::Tensor());
        if (options.layout)
            tally.judgeLayout(*segmenter, image, layoutMask);
        if (!options.samplesPath.empty()) {
            sheet.push_back(pair.reference.rgb);
            if (options.layout)
                sheet.push_back(hint);
            sheet.push_back(image);
        }
        if (progress)
            progress(i + 1, options.pairs);
    }
    if (!options.samplesPath.empty() && !sheet.empty())
        io::writePng(options.samplesPath, contactSheet(sheet, options.layout ? 9 : 8));
    return tally.scores();
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

nn::AutoencoderKL loadModelAutoencoder(const std::string& modelFolder) {
    const std::string jsonPath = pipeline::modelConfigPath(modelFolder);
    if (jsonPath.empty())
        throw std::runtime_error(modelFolder + " is not a model folder (no model.json)");
    const pipeline::ModelConfig config = pipeline::readModelConfig(jsonPath);
    const pipeline::ModelWeights weights = pipeline::openModelWeights(jsonPath, config);
    nn::AutoencoderKL vae(config.vae);
    nn::loadStateDict(*vae, weights.tensors, nn::kVaePrefix);
    vae->eval();
    return vae;
}

ImageRoundTrip autoencoderRoundTrip(nn::AutoencoderKL vae, double maxLatentNoise) {
    return [vae, maxLatentNoise](const torch::Tensor& images, std::mt19937_64& rng) mutable {
        torch::NoGradGuard noGrad;
        torch::Tensor latent = vae->encode(images).scaledLatent;
        if (maxLatentNoise > 0) {
            std::uniform_real_distribution<double> spread(0.0, maxLatentNoise);
            std::vector<float> sigmas;
            for (std::int64_t i = 0; i < latent.size(0); ++i)
                sigmas.push_back(static_cast<float>(spread(rng)));
            const at::Generator generator = at::detail::createCPUGenerator(rng());
            latent = latent + torch::randn(latent.sizes(), generator, latent.options()) *
                                  torch::tensor(sigmas).view({-1, 1, 1, 1});
        }
        return vae->decode(latent).clamp(-1, 1);
    };
}

EvaluationScores evaluateAutoencoder(const std::string& modelFolder, int imageSize,
                                     Classifiers& classifiers, int count, std::uint64_t seed) {
    nn::AutoencoderKL vae = loadModelAutoencoder(modelFolder);
    const pipeline::ModelConfig config =
        pipeline::readModelConfig(pipeline::modelConfigPath(modelFolder));

    SyntheticDatasetConfig datasetConfig;
    datasetConfig.imageSize = imageSize > 0 ? imageSize : config.defaultImageSize;
    datasetConfig.seed = seed;
    const SyntheticDataset dataset(datasetConfig);
    Tally tally;
    torch::NoGradGuard noGrad;
    for (int i = 0; i < count; ++i) {
        const SyntheticImage target = dataset.evaluationPair(static_cast<std::uint64_t>(i)).target;
        const torch::Tensor input = imagesToTensor({target.rgb});
        const torch::Tensor latent = vae->encode(input).scaledLatent;
        const torch::Tensor decoded = vae->decode(latent).clamp(-1, 1);
        tally.judge(classifiers, decoded,
                    image::tensorToRgb(decoded, image::PixelRange::MinusOneToOne), target.subject,
                    target.style, -1);
    }
    return tally.scores();
}

} // namespace deadiff::train
