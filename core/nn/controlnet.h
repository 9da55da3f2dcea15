// The SD 1.5 ControlNet (lllyasviel/ControlNet cldm/cldm.py `ControlNet`, spec §7): a copy of
// the UNet encoder (time_embed, input_blocks, middle_block) with plain SD cross-attention, a
// hint encoder whose output is added after conv_in, and one 1x1 "zero convolution" per input
// block plus one after the middle block. Its 13 outputs are the residuals UNetModel::forward
// adds to its skips and middle block. Module names equal the checkpoint keys under
// `control_model.` (../shared/oracle/controlnet_manifest.json).
#pragma once

#include "core/nn/state_dict.h"
#include "core/nn/unet.h"

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace deadiff::nn {

struct ControlNetConfig {
    // The encoder it copies; the defaults are SD 1.5's (plain attention is implied).
    UNetConfig unet;
    std::int64_t hintChannels = 3;
    // Widths of the hint encoder's stages (`input_hint_block`): conv 3x3 hintChannels ->
    // w0, then per next width w: conv(w_prev, w_prev), conv(w_prev, w, stride 2); a last conv
    // to modelChannels. SiLU between convs. Official: 3->16, 16->16, 16->32 s2, 32->32,
    // 32->96 s2, 96->96, 96->256 s2, 256->320, so the hint is 8x the latent size.
    std::vector<std::int64_t> hintWidths{16, 32, 96, 256};
};

struct ControlNetModelImpl : torch::nn::Module {
    explicit ControlNetModelImpl(ControlNetConfig config = {});

    // x [B, 4, h, w] the latent the UNet gets, hint [1 or B, hintChannels, h·f, w·f] in [0, 1]
    // (f = hintDownsampling()), timesteps [B] or one element, context [B, tokens, contextDim]:
    // the plain text context (ControlLDM passes the UNet's `c_crossattn` text, no image tokens).
    // Returns the 13 residuals (SD 1.5): zero_convs[i](input_blocks[i] output), i = 0..11, then
    // middle_block_out(middle_block output); unscaled, in the weights' dtype. The observer sees
    // "time_emb" and "guided_hint".
    std::vector<torch::Tensor> forward(const torch::Tensor& x, const torch::Tensor& hint,
                                       const torch::Tensor& timesteps, const torch::Tensor& context,
                                       const UNetObserver& observer = nullptr);

    const ControlNetConfig& config() const { return config_; }
    // Hint side / latent side (8 for SD 1.5).
    std::int64_t hintDownsampling() const;

    torch::nn::Sequential time_embed{nullptr};       // 0 Linear, 1 SiLU, 2 Linear
    torch::nn::Sequential input_hint_block{nullptr}; // convs at even indices, SiLU between
    torch::nn::ModuleList input_blocks{nullptr};
    torch::nn::ModuleList zero_convs{nullptr}; // each a Sequential holding one 1x1 conv ("0")
    UNetBlock middle_block{nullptr};
    torch::nn::Sequential middle_block_out{nullptr}; // 0: 1x1 conv

private:
    ControlNetConfig config_;
};
TORCH_MODULE(ControlNetModel);

// Where the ControlNet's tensors sit in a checkpoint.
struct ControlNetLayout {
    std::string prefix; // "control_model." or "" (bare keys)
    std::string description;
};

// Finds the ControlNet in a checkpoint's keys: `control_model.*` (v1.0 `control_sd15_*.pth`,
// which also hold the SD weights, and v1.1 `control_v11*.pth`, which hold only these) or bare
// `input_hint_block.*` keys. Throws std::runtime_error naming `path` and saying what the file
// is instead (a DEADiff/SD checkpoint, a diffusers-layout ControlNet, ...).
ControlNetLayout detectControlNetLayout(const TensorMap& tensors, const std::string& path);

// Loads a ControlNet from named tensors (detectControlNetLayout + loadStateDict with the
// encoder's config); errors name `path` and the keys.
void loadControlNet(ControlNetModelImpl& model, const TensorMap& tensors, const std::string& path);

// The ControlNet a checkpoint holds, sized from its tensors' shapes (under `layout.prefix`):
// hint encoder widths, encoder channels and levels, residual blocks per level, where the spatial
// transformers are, their depth and context width. The head count is not in the shapes: it is
// the UNet's it attaches to (`numHeads`; a ControlNet copies its UNet's encoder). Throws
// std::runtime_error naming `path` when the tensors are not a ControlNet's.
ControlNetConfig controlNetConfigFromTensors(const TensorMap& tensors,
                                             const ControlNetLayout& layout, std::int64_t numHeads,
                                             const std::string& path);

// Whether residuals of `control` fit a UNet of `unet` whose latents are 1/`latentFactor` of the
// image: same input channels, widths, levels, residual blocks and context width, and a hint
// encoder that reduces the image to the latent size. Throws std::runtime_error naming `path`
// and both sizes (e.g. "an SD 1.5-size ControlNet (320 channels, ...) for a 32-channel UNet").
void checkControlNetFits(const ControlNetConfig& control, const UNetConfig& unet,
                         std::int64_t latentFactor, const std::string& path);

// Sizes ("320 channels, channel_mult [1, 2, 4, 4], 2 res blocks, context 768, hint 1/8"), for
// messages.
std::string describeControlNetSize(const ControlNetConfig& config);

// A ControlNet read from named tensors, sized from them, checked against the UNet it will
// attach to, in float32 and eval mode. Errors name `path`.
ControlNetModel loadControlNetFor(const TensorMap& tensors, const UNetConfig& unet,
                                  std::int64_t latentFactor, const std::string& path);

} // namespace deadiff::nn
