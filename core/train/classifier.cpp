#include "core/train/classifier.h"

#include "core/image/tensor_image.h"
#include "core/io/safetensors.h"
#include "core/train/batch_tensors.h"
#include "core/train/synthetic_dataset.h"

#include <random>
#include <stdexcept>

namespace deadiff::train {
namespace {

torch::nn::Conv2d strided(std::int64_t in, std::int64_t out) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(2).padding(1));
}

// Renders of uniformly drawn combinations, labels, and the degradations generated images show.
struct LabelledBatch {
    torch::Tensor images, subjects, styles;
};

// Half the batch blurred (2x down and up), all with a little noise: what generated images show.
torch::Tensor degrade(torch::Tensor images, std::mt19937_64& rng) {
    const std::int64_t batch = images.size(0);
    const std::int64_t half = batch / 2;
    if (half > 0) {
        namespace F = torch::nn::functional;
        const torch::Tensor blurred =
            F::interpolate(F::avg_pool2d(images.narrow(0, 0, half), F::AvgPool2dFuncOptions(2)),
                           F::InterpolateFuncOptions()
                               .size(std::vector<std::int64_t>{images.size(2), images.size(3)})
                               .mode(torch::kBilinear)
                               .align_corners(false));
        images = torch::cat({blurred, images.narrow(0, half, batch - half)});
    }
    const double sigma = static_cast<double>(rng() % 1000) / 1000.0 * 0.1;
    return images + sigma * torch::randn_like(images);
}

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
    if (augment)
        images = degrade(images, rng);
    return {images, torch::tensor(subjects, torch::kInt64), torch::tensor(styles, torch::kInt64)};
}

// Renders with their exact masks [B, 1, H, W] in 0..1; odd draws at free placements.
std::pair<torch::Tensor, torch::Tensor> maskedBatch(int imageSize, int batch, std::mt19937_64& rng,
                                                    bool augment,
                                                    const ImageRoundTrip& roundTrip = {}) {
    std::vector<cv::Mat> rgb;
    std::vector<torch::Tensor> masks;
    for (int i = 0; i < batch; ++i) {
        const int subject = static_cast<int>(rng() % static_cast<std::uint64_t>(subjectCount()));
        const int style = static_cast<int>(rng() % static_cast<std::uint64_t>(styleCount()));
        const std::uint64_t seed = rng();
        const SubjectPlacement placement = (augment && i % 2 == 0)
                                               ? jitteredPlacement(subject, seed)
                                               : freePlacement(subject, seed);
        const SyntheticImage render = renderSubject(subject, style, imageSize, seed, placement);
        rgb.push_back(render.rgb);
        masks.push_back(
            torch::from_blob(render.mask.data, {1, 1, imageSize, imageSize}, torch::kUInt8)
                .to(torch::kFloat32)
                .div(255.0));
    }
    torch::Tensor images = imagesToTensor(rgb);
    if (roundTrip && batch >= 2) {
        torch::NoGradGuard noGrad;
        images = torch::cat({roundTrip(images.narrow(0, 0, batch / 2), rng).clamp(-1, 1),
                             images.narrow(0, batch / 2, batch - batch / 2)});
    }
    if (augment)
        images = degrade(images, rng);
    return {images, torch::cat(masks)};
}

// Appends conv 3x3 -> GroupNorm(8) -> ReLU to `layers`.
void addConvNormRelu(torch::nn::Sequential& layers, std::int64_t in, std::int64_t out,
                     std::int64_t stride, std::int64_t dilation) {
    layers->push_back(torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(dilation).dilation(dilation)));
    layers->push_back(torch::nn::GroupNorm(torch::nn::GroupNormOptions(8, out)));
    layers->push_back(torch::nn::ReLU());
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
    try {
        nn::loadStateDict(*classifiers.subject, tensors, "subject.", copy);
        nn::loadStateDict(*classifiers.style, tensors, "style.", copy);
    } catch (const std::runtime_error& error) {
        throw std::runtime_error(path + ": " + error.what());
    }
    classifiers.subject->eval();
    classifiers.style->eval();
    return classifiers;
}

SubjectSegmenterImpl::SubjectSegmenterImpl(std::int64_t width) {
    const std::int64_t w = width;
    stem = torch::nn::Sequential();
    addConvNormRelu(stem, 3, w, 1, 1);
    context = torch::nn::Sequential();
    addConvNormRelu(context, w, 2 * w, 2, 1);
    addConvNormRelu(context, 2 * w, 2 * w, 2, 1);
    addConvNormRelu(context, 2 * w, 2 * w, 1, 2);
    addConvNormRelu(context, 2 * w, 2 * w, 1, 4);
    head = torch::nn::Sequential();
    addConvNormRelu(head, 3 * w, w, 1, 1);
    head->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(w, 1, 1)));
    register_module("stem", stem);
    register_module("context", context);
    register_module("head", head);
}

torch::Tensor SubjectSegmenterImpl::forward(const torch::Tensor& images) {
    namespace F = torch::nn::functional;
    const torch::Tensor mean = images.mean({1, 2, 3}, true);
    const torch::Tensor spread = images.std({1, 2, 3}, true, true).clamp_min(1e-3);
    const torch::Tensor fine = stem->forward((images - mean) / spread);
    const torch::Tensor coarse = F::interpolate(
        context->forward(fine), F::InterpolateFuncOptions()
                                    .size(std::vector<std::int64_t>{images.size(2), images.size(3)})
                                    .mode(torch::kBilinear)
                                    .align_corners(false));
    return head->forward(torch::cat({fine, coarse}, 1));
}

SubjectSegmenter
trainSubjectSegmenter(int imageSize, std::int64_t steps, int batch, std::uint64_t seed,
                      const std::function<void(std::int64_t, std::int64_t, double)>& progress,
                      const ImageRoundTrip& roundTrip) {
    torch::manual_seed(seed);
    SubjectSegmenter segmenter;
    torch::optim::AdamW adam(segmenter->parameters(), torch::optim::AdamWOptions(2e-3));
    std::mt19937_64 rng(seed);
    for (std::int64_t step = 0; step < steps; ++step) {
        // The last fifth at a tenth of the rate, for sharper boundaries.
        if (step == steps * 4 / 5)
            for (auto& group : adam.param_groups())
                static_cast<torch::optim::AdamWOptions&>(group.options()).lr(2e-4);
        const auto [images, masks] = maskedBatch(imageSize, batch, rng, true, roundTrip);
        const torch::Tensor loss =
            torch::binary_cross_entropy_with_logits(segmenter->forward(images), masks);
        adam.zero_grad();
        loss.backward();
        adam.step();
        if (progress)
            progress(step + 1, steps, loss.item<double>());
    }
    segmenter->eval();
    return segmenter;
}

cv::Mat segmentSubject(SubjectSegmenter& segmenter, const cv::Mat& rgb) {
    torch::NoGradGuard noGrad;
    const torch::Tensor logits = segmenter->forward(imagesToTensor({rgb}));
    const torch::Tensor inside = logits.gt(0).to(torch::kUInt8).mul(255).squeeze().contiguous();
    return cv::Mat(rgb.rows, rgb.cols, CV_8UC1, inside.data_ptr<std::uint8_t>()).clone();
}

double maskIoU(const cv::Mat& a, const cv::Mat& b) {
    if (a.size() != b.size() || a.type() != CV_8UC1 || b.type() != CV_8UC1)
        throw std::invalid_argument("maskIoU: two single-channel 8-bit masks of one size needed");
    std::int64_t both = 0, either = 0;
    for (int y = 0; y < a.rows; ++y)
        for (int x = 0; x < a.cols; ++x) {
            const bool inA = a.at<std::uint8_t>(y, x) >= 128, inB = b.at<std::uint8_t>(y, x) >= 128;
            both += inA && inB ? 1 : 0;
            either += inA || inB ? 1 : 0;
        }
    return either == 0 ? 1.0 : static_cast<double>(both) / static_cast<double>(either);
}

double segmenterIoU(SubjectSegmenter& segmenter, int imageSize, int count, std::uint64_t seed,
                    const ImageRoundTrip& roundTrip) {
    std::mt19937_64 rng(seed);
    double total = 0;
    for (int i = 0; i < count; ++i) {
        const int subject = static_cast<int>(rng() % static_cast<std::uint64_t>(subjectCount()));
        const int style = static_cast<int>(rng() % static_cast<std::uint64_t>(styleCount()));
        const std::uint64_t renderSeed = rng();
        const SyntheticImage render = renderSubject(subject, style, imageSize, renderSeed,
                                                    freePlacement(subject, renderSeed));
        cv::Mat rgb = render.rgb;
        if (roundTrip) {
            torch::NoGradGuard noGrad;
            rgb = image::tensorToRgb(roundTrip(imagesToTensor({rgb}), rng).clamp(-1, 1),
                                     image::PixelRange::MinusOneToOne);
        }
        total += maskIoU(segmentSubject(segmenter, rgb), render.mask);
    }
    return count > 0 ? total / count : 0.0;
}

void saveSubjectSegmenter(SubjectSegmenter& segmenter, const std::string& path) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [key, tensor] : nn::stateDictOf(*segmenter, "segmenter."))
        tensors.emplace_back(key, tensor.contiguous());
    io::writeSafetensors(path, tensors, {{"format", "deadiff-demo-segmenter"}});
}

SubjectSegmenter loadSubjectSegmenter(const std::string& path) {
    const io::SafetensorsFile file = io::SafetensorsFile::open(path);
    const nn::TensorMap tensors = nn::tensorsOf(file);
    SubjectSegmenter segmenter;
    nn::LoadOptions copy;
    copy.shareMemory = false;
    try {
        nn::loadStateDict(*segmenter, tensors, "segmenter.", copy);
    } catch (const std::runtime_error& error) {
        throw std::runtime_error(path + ": " + error.what());
    }
    segmenter->eval();
    return segmenter;
}

} // namespace deadiff::train
