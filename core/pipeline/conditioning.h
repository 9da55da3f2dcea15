// The UNet contexts of one generation and the step each applies at: the reference images act
// only inside the style window (style_start/style_end; outside it the conditional rows read zero
// image tokens, exactly as mode "none" does), every layer with its own image weight
// (style/content strengths, layer factors), and the unconditional and conditional rows of
// classifier-free guidance run in one batch when their prompts have the same number of 77-token
// chunks, else one after the other (A1111 without "pad prompt/negative prompt"). Contexts are
// projected to keys/values once, on the first step that needs them.
#pragma once

#include "core/nn/unet.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

namespace deadiff::pipeline {

class ScheduledContexts {
public:
    // Runs the UNet (and anything attached to it, such as a ControlNet) on rows `x` with
    // `context` (projected); returns ε for those rows.
    using UNetCall =
        std::function<torch::Tensor(const torch::Tensor& x, const nn::UNetContext& context)>;
    // Whether the reference images act at sampler step `step`.
    using ImageWindow = std::function<bool(std::int64_t step)>;

    // `unconditional` and `conditional` hold [B, tokens, width] rows and share the image
    // weights; `window` empty: the images act at every step.
    ScheduledContexts(nn::UNetModel unet, nn::UNetContext unconditional,
                      nn::UNetContext conditional, ImageWindow window = nullptr);

    // Sets when the images act (the sampler's step count is known only after the contexts).
    void setImageWindow(ImageWindow window) { window_ = std::move(window); }

    // ε for `x` at sampler step `step`: with `withUnconditional`, x holds [x; x] (2B rows) for
    // the unconditional then the conditional contexts; otherwise B rows, conditional only.
    torch::Tensor evaluate(const torch::Tensor& x, std::int64_t step, bool withUnconditional,
                           const UNetCall& call);

private:
    // One context set, projected when first used.
    struct Lazy {
        nn::UNetContext context;
        std::optional<nn::UNetContext> projected;
    };
    const nn::UNetContext& projected(Lazy& lazy);

    nn::UNetModel unet_;
    ImageWindow window_;
    bool batchedGuidance_; // both halves have as many text tokens
    Lazy unconditional_, conditional_, conditionalWithoutImages_;
    Lazy guided_, guidedWithoutImages_; // [unconditional; conditional], when batched
};

// `context` with zero image tokens in both branches (the official "none" mode's contexts).
nn::UNetContext withoutImages(const nn::UNetContext& context);

} // namespace deadiff::pipeline
