#include "core/pipeline/conditioning.h"

#include <stdexcept>
#include <utility>

namespace deadiff::pipeline {

nn::UNetContext withoutImages(const nn::UNetContext& context) {
    nn::UNetContext result = context;
    // A plain SD model's contexts have no image tokens to zero.
    if (context.styleImage.defined())
        result.styleImage = torch::zeros_like(context.styleImage);
    if (context.contentImage.defined())
        result.contentImage = torch::zeros_like(context.contentImage);
    result.projected = nullptr;
    return result;
}

ScheduledContexts::ScheduledContexts(nn::UNetModel unet, nn::UNetContext unconditional,
                                     nn::UNetContext conditional, ImageWindow window)
    : unet_(std::move(unet))
    , window_(std::move(window)) {
    batchedGuidance_ = unconditional.styleText.size(1) == conditional.styleText.size(1) &&
                       unconditional.contentText.size(1) == conditional.contentText.size(1);
    conditionalWithoutImages_.context = withoutImages(conditional);
    if (batchedGuidance_) {
        guided_.context = nn::UNetContext::concat(unconditional, conditional);
        guidedWithoutImages_.context =
            nn::UNetContext::concat(unconditional, conditionalWithoutImages_.context);
    }
    unconditional_.context = std::move(unconditional);
    conditional_.context = std::move(conditional);
}

const nn::UNetContext& ScheduledContexts::projected(Lazy& lazy) {
    if (!lazy.projected)
        lazy.projected = unet_->projectContext(lazy.context);
    return *lazy.projected;
}

torch::Tensor ScheduledContexts::evaluate(const torch::Tensor& x, std::int64_t step,
                                          bool withUnconditional, const UNetCall& call) {
    const bool images = !window_ || window_(step);
    Lazy& conditional = images ? conditional_ : conditionalWithoutImages_;
    if (!withUnconditional)
        return call(x, projected(conditional));
    if (batchedGuidance_)
        return call(x, projected(images ? guided_ : guidedWithoutImages_));
    if (x.size(0) % 2 != 0)
        throw std::invalid_argument("guided UNet rows must be [unconditional; conditional]");
    const auto halves = x.chunk(2, 0);
    return torch::cat(
        {call(halves[0], projected(unconditional_)), call(halves[1], projected(conditional))});
}

} // namespace deadiff::pipeline
