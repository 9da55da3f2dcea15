// Where a LoRA file's module names land in our networks: the one place that knows how the
// spellings of a Linear or Conv2d module in LoRA files name our LDM/CompVis modules.
//
//   kohya / A1111      lora_unet_down_blocks_0_attentions_0_proj_in     (diffusers path, '.' ->
//   '_')
//                      lora_te_text_model_encoder_layers_0_self_attn_q_proj
//   diffusers / PEFT   unet.down_blocks.0.attentions.0.proj_in          (+ .lora_A.weight, ...)
//                      text_encoder.text_model.encoder.layers.0.self_attn.q_proj
//   CompVis (SGM)      lora_unet_input_blocks_1_1_proj_in               (our own path, '.' -> '_')
//   ours               model.diffusion_model.input_blocks.1.1.proj_in
//                      cond_stage_model.transformer.text_model.encoder.layers.0.self_attn.q_proj
//
// The diffusers path of each of our UNet modules is derived from the live module tree (which
// layer of which block is a ResBlock, a transformer, a down- or upsampler), as diffusers'
// convert_ldm_unet_checkpoint pairs them: input_blocks.k ↔ down_blocks.(k−1)/(R+1) with
// resnets/attentions index (k−1)%(R+1), middle_block.0/1/2 ↔ mid_block.resnets.0 /
// attentions.0 / resnets.1, output_blocks.k ↔ up_blocks.k/(R+1) index k%(R+1), R = res blocks
// per level; inside a ResBlock in_layers.2/out_layers.3/emb_layers.1/skip_connection ↔
// conv1/conv2/time_emb_proj/conv_shortcut, `op` ↔ downsamplers.0.conv. The CLIP text encoder
// already has Hugging Face names.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deadiff::nn {

struct UNetModelImpl;
struct ClipTextModelImpl;

// A Linear or Conv2d weight a LoRA file may change.
struct LoraTarget {
    std::string weightKey; // checkpoint key, e.g. "model.diffusion_model.….proj_in.weight"
    std::vector<std::int64_t> shape; // [out, in] or [out, in, kh, kw]
    bool textEncoder = false;
    std::string kohyaName; // "lora_unet_…" / "lora_te_…": how a writer spells it
};

class LoraTargetNames {
public:
    // Every Linear and Conv2d of `unet` (under kUNetPrefix) and, when given, of `text` (under
    // kClipTextPrefix).
    explicit LoraTargetNames(const UNetModelImpl& unet, const ClipTextModelImpl* text = nullptr);

    // The target a LoRA module name denotes in any spelling above (a diffusers name with its
    // `unet.` / `text_encoder.` prefix), or null.
    const LoraTarget* find(const std::string& moduleName) const;
    const std::vector<LoraTarget>& targets() const { return targets_; }

    // Our UNet module path (relative to kUNetPrefix, e.g. "input_blocks.1.1.proj_in") in
    // diffusers' UNet2DConditionModel ("down_blocks.0.attentions.0.proj_in"); empty for a path
    // of no Linear/Conv2d.
    std::string diffusersUNetPath(const std::string& ourPath) const;

private:
    std::vector<LoraTarget> targets_;
    std::map<std::string, std::size_t> byName_;
    std::map<std::string, std::string> diffusersPaths_;
};

} // namespace deadiff::nn
