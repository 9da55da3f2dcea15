#include "core/train/classifier.h"

#include "core/io/safetensors.h"
#include "core/train/batch_tensors.h"
#include "core/train/synthetic_dataset.h"

#include <random>

namespace deadiff::train {
namespace {

torch::nn::Conv2d strided(std::int64_t in, std::int64_t out) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(2).padding(1));
}

// Renders of uniformly drawn combinations, labels, and the degradations generated images show.
struct LabelledBatch {
    torch::Tensor images, subjects, styles;
};

LabelledBatch labelledBatch(int imageSize, int batch, std::mt19937_64& rng, bool augment) {
    std::vector<cv::Mat> rgb;
    std::vector<std::int64_t> subjects, styles;
    for (int i = 0; i < batch; ++i) {
        const int subject = static_cast<int>(rng() % static_cast<std::uint64_t>(subjectCount()));
        const int style = static_cast<int>(rng() % static_cast<std::uint64_t>(styleCount()));
        rgb.push_back(renderSubject(subject, style, imageSize, rng()).rgb);
        subjects.push_back(subject);
        styles.push_back(style);
    }
    torch::Tensor images = imagesToTensor(rgb);
    if (augment) {
        // Half the batch blurred (2x down and up), all with a little noise.
        const std::int64_t half = batch / 2;
        if (half > 0) {
            namespace F = torch::nn::functional;
            const torch::Tensor blurred =
                F::interpolate(F::avg_pool2d(images.narrow(0, 0, half), F::AvgPool2dFuncOptions(2)),
                               F::InterpolateFuncOptions()
                                   .size(std::vector<std::int64_t>{imageSize, imageSize})
                                   .mode(torch::kBilinear)
                                   .align_corners(false));
            images = torch::cat({blurred, images.narrow(0, half, batch - half)});
        }
        const double sigma = static_cast<double>(rng() % 1000) / 1000.0 * 0.1;
        images = images + sigma * torch::randn_like(images);
    }
    return {images, torch::tensor(subjects, torch::kInt64), torch::tensor(styles, torch::kInt64)};
}

} // namespace

ImageClassifierImpl::ImageClassifierImpl(const ClassifierConfig& config)
    : config(config) {
    const std::int64_t w = config.width;
    // GroupNorm after every conv: without it the subject network stayed at chance (the
    // styles' textures dominate the raw activations).
    const auto norm = [](std::int64_t channels) {
        return torch::nn::GroupNorm(torch::nn::GroupNormOptions(8, channels));
    };
    features = register_module(
        "features", torch::nn::Sequential(strided(3, w), norm(w), torch::nn::ReLU(),
                                          strided(w, 2 * w), norm(2 * w), torch::nn::ReLU(),
                                          strided(2 * w, 4 * w), norm(4 * w), torch::nn::ReLU(),
                                          strided(4 * w, 4 * w), norm(4 * w), torch::nn::ReLU()));
    head = register_module("head", torch::nn::Linear(4 * w, config.classes));
}

torch::Tensor ImageClassifierImpl::forward(const torch::Tensor& images) {
    // Each image normalised by its own mean and spread: palettes differ by style, shapes do not.
    const torch::Tensor mean = images.mean({1, 2, 3}, true);
    const torch::Tensor spread = images.std({1, 2, 3}, true, true).clamp_min(1e-3);
    return head(features->forward((images - mean) / spread).mean({2, 3}));
}

Classifiers makeClassifiers() {
    return {ImageClassifier(ClassifierConfig{subjectCount(), 32}),
            ImageClassifier(ClassifierConfig{styleCount(), 32})};
}

Classifiers
trainClassifiers(int imageSize, std::int64_t steps, int batch, std::uint64_t seed,
                 const std::function<void(std::int64_t, std::int64_t, double, double)>& progress) {
    torch::manual_seed(seed);
    Classifiers classifiers = makeClassifiers();
    torch::optim::AdamW subjectAdam(classifiers.subject->parameters(),
                                    torch::optim::AdamWOptions(1e-3));
    torch::optim::AdamW styleAdam(classifiers.style->parameters(),
                                  torch::optim::AdamWOptions(1e-3));
    std::mt19937_64 rng(seed);
    for (std::int64_t step = 0; step < steps; ++step) {
        const LabelledBatch data = labelledBatch(imageSize, batch, rng, true);
        const torch::Tensor subjectLoss =
            torch::cross_entropy_loss(classifiers.subject->forward(data.images), data.subjects);
        subjectAdam.zero_grad();
        subjectLoss.backward();
        subjectAdam.step();
        const torch::Tensor styleLoss =
            torch::cross_entropy_loss(classifiers.style->forward(data.images), data.styles);
        styleAdam.zero_grad();
        styleLoss.backward();
        styleAdam.step();
        if (progress)
            progress(step + 1, steps, subjectLoss.item<double>(), styleLoss.item<double>());
    }
    classifiers.subject->eval();
    classifiers.style->eval();
    return classifiers;
}

std::pair<double, double> classifierAccuracy(Classifiers& classifiers, int imageSize, int count,
                                             std::uint64_t seed) {
    torch::NoGradGuard noGrad;
    std::mt19937_64 rng(seed);
    const LabelledBatch data = labelledBatch(imageSize, count, rng, false);
    const double subject = classifiers.subject->forward(data.images)
                               .argmax(1)
                               .eq(data.subjects)
                               .to(torch::kDouble)
                               .mean()
                               .item<double>();
    const double style = classifiers.style->forward(data.images)
                             .argmax(1)
                             .eq(data.styles)
                             .to(torch::kDouble)
                             .mean()
                             .item<double>();
    return {subject, style};
}

void saveClassifiers(const Classifiers& classifiers, const std::string& path) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [key, tensor] : nn::stateDictOf(*classifiers.subject, "subject."))
        tensors.emplace_back(key, tensor.contiguous());
    for (const auto& [key, tensor] : nn::stateDictOf(*classifiers.style, "style."))
        tensors.emplace_back(key, tensor.contiguous());
    io::writeSafetensors(path, tensors, {{"format", "deadiff-demo-classifiers"}});
}

Classifiers loadClassifiers(const std::string& path) {
    const io::SafetensorsFile file = io::SafetensorsFile::open(path);
    const nn::TensorMap tensors = nn::tensorsOf(file);
    Classifiers classifiers = makeClassifiers();
    nn::LoadOptions copy;
    copy.shareMemory = false;
    nn::loadStateDict(*classifiers.subject, tensors, "subject.", copy);
    nn::loadStateDict(*classifiers.style, tensors, "style.", copy);
    classifiers.subject->eval();
    classifiers.style->eval();
    return classifiers;
}

} // namespace deadiff::train
