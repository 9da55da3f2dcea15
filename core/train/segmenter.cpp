#include "core/train/segmenter.h"

#include "core/io/safetensors.h"
#include "core/nn/state_dict.h"
#include "core/train/batch_tensors.h"
#include "core/train/synthetic_dataset.h"

#include <opencv2/imgproc.hpp>

#include <random>

namespace deadiff::train {
namespace {

torch::nn::Sequential convBlock(std::int64_t in, std::int64_t out, std::int64_t stride) {
    // GroupNorm with 4 groups: the narrowest stage has 16 channels.
    return torch::nn::Sequential(
        torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1)),
        torch::nn::GroupNorm(torch::nn::GroupNormOptions(4, out)), torch::nn::ReLU());
}

torch::Tensor upsample(const torch::Tensor& x) {
    namespace F = torch::nn::functional;
    return F::interpolate(x, F::InterpolateFuncOptions()
                                 .scale_factor(std::vector<double>{2.0, 2.0})
                                 .mode(torch::kNearest));
}

struct MaskedBatch {
    torch::Tensor images, masks; // [B,3,H,W] in [-1,1]; [B,1,H,W] in {0,1}
};

MaskedBatch maskedBatch(int imageSize, int batch, std::mt19937_64& rng, bool augment,
                        bool offPriorOnly) {
    std::vector<cv::Mat> rgb, masks;
    for (int i = 0; i < batch; ++i) {
        const int subject = static_cast<int>(rng() % static_cast<std::uint64_t>(subjectCount()));
        const int style = static_cast<int>(rng() % static_cast<std::uint64_t>(styleCount()));
        const std::uint64_t seed = rng();
        const std::uint64_t kind = offPriorOnly ? 2 : rng() % 3;
        const SubjectPlacement placement = kind == 0   ? jitteredPlacement(subject, seed)
                                           : kind == 1 ? widePlacement(subject, seed)
                                                       : offPriorPlacement(subject, seed);
        const SyntheticImage image = renderSubject(subject, style, imageSize, seed, placement);
        rgb.push_back(image.rgb);
        cv::Mat mask;
        cv::cvtColor(image.mask, mask, cv::COLOR_GRAY2RGB);
        masks.push_back(mask);
    }
    torch::Tensor images = imagesToTensor(rgb);
    const torch::Tensor masks3 = imagesToTensor(masks);
    const torch::Tensor target = (masks3.narrow(1, 0, 1) > 0.0).to(torch::kFloat);
    if (augment) {
        namespace F = torch::nn::functional;
        const std::int64_t half = batch / 2;
        if (half > 0) {
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
    return {images, target};
}

} // namespace

SubjectSegmenterImpl::SubjectSegmenterImpl(const SegmenterConfig& config)
    : config(config) {
    const std::int64_t w = config.width;
    down0 = register_module("down0", convBlock(3, w, 1));
    down1 = register_module("down1", convBlock(w, 2 * w, 2));
    down2 = register_module("down2", convBlock(2 * w, 4 * w, 2));
    down3 = register_module("down3", convBlock(4 * w, 4 * w, 2));
    up2 = register_module("up2", convBlock(8 * w, 2 * w, 1));
    up1 = register_module("up1", convBlock(4 * w, w, 1));
    up0 = register_module("up0", convBlock(2 * w, w, 1));
    head = register_module("head", torch::nn::Conv2d(torch::nn::Conv2dOptions(w, 1, 1)));
}

torch::Tensor SubjectSegmenterImpl::forward(const torch::Tensor& images) {
    // Per-image standardisation, as the classifiers: palettes differ by style, shapes do not.
    const torch::Tensor mean = images.mean({1, 2, 3}, true);
    const torch::Tensor spread = images.std({1, 2, 3}, true, true).clamp_min(1e-3);
    const torch::Tensor x0 = down0->forward((images - mean) / spread);
    const torch::Tensor x1 = down1->forward(x0);
    const torch::Tensor x2 = down2->forward(x1);
    const torch::Tensor x3 = down3->forward(x2);
    const torch::Tensor y2 = up2->forward(torch::cat({upsample(x3), x2}, 1));
    const torch::Tensor y1 = up1->forward(torch::cat({upsample(y2), x1}, 1));
    const torch::Tensor y0 = up0->forward(torch::cat({upsample(y1), x0}, 1));
    return head->forward(y0);
}

SubjectSegmenter trainSegmenter(int imageSize, std::int64_t steps, int batch, std::uint64_t seed,
                                const std::function<void(std::int64_t, std::int64_t, double)>&
                                    progress) {
    torch::manual_seed(seed);
    SubjectSegmenter segmenter;
    torch::optim::AdamW adam(segmenter->parameters(), torch::optim::AdamWOptions(2e-3));
    std::mt19937_64 rng(seed);
    for (std::int64_t step = 0; step < steps; ++step) {
        const MaskedBatch data = maskedBatch(imageSize, batch, rng, true, false);
        const torch::Tensor loss = torch::binary_cross_entropy_with_logits(
            segmenter->forward(data.images), data.masks);
        adam.zero_grad();
        loss.backward();
        adam.step();
        if (progress)
            progress(step + 1, steps, loss.item<double>());
    }
    segmenter->eval();
    return segmenter;
}

torch::Tensor subjectMask(SubjectSegmenter& segmenter, const torch::Tensor& images) {
    torch::NoGradGuard noGrad;
    return segmenter->forward(images).squeeze(1) > 0;
}

double maskIoU(const torch::Tensor& a, const torch::Tensor& b) {
    const double both = torch::logical_and(a, b).sum().item<double>();
    const double either = torch::logical_or(a, b).sum().item<double>();
    return either > 0 ? both / either : 1.0;
}

double segmenterAccuracy(SubjectSegmenter& segmenter, int imageSize, int count,
                         std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    const MaskedBatch data = maskedBatch(imageSize, count, rng, false, true);
    const torch::Tensor predicted = subjectMask(segmenter, data.images);
    double total = 0;
    for (int i = 0; i < count; ++i)
        total += maskIoU(predicted[i], data.masks[i][0] > 0.5);
    return total / count;
}

void saveSegmenter(SubjectSegmenter& segmenter, const std::string& path) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [key, tensor] : nn::stateDictOf(*segmenter, "segmenter."))
        tensors.emplace_back(key, tensor.contiguous());
    io::writeSafetensors(path, tensors, {{"format", "deadiff-demo-segmenter"}});
}

SubjectSegmenter loadSegmenter(const std::string& path) {
    const io::SafetensorsFile file = io::SafetensorsFile::open(path);
    SubjectSegmenter segmenter;
    nn::LoadOptions copy;
    copy.shareMemory = false;
    nn::loadStateDict(*segmenter, nn::tensorsOf(file), "segmenter.", copy);
    segmenter->eval();
    return segmenter;
}

} // namespace deadiff::train
