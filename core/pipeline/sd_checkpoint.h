// The one place that knows the Stable Diffusion 1.5 single-file layouts people actually have,
// and turns them into the canonical keys the networks load from (the official DEADiff
// checkpoint's: `model.diffusion_model.*`, `first_stage_model.*`,
// `cond_stage_model.transformer.text_model.*`, plus `alphas_cumprod` when stored):
//   - .safetensors and PyTorch .ckpt (also nested under "state_dict": io::WeightFile);
//   - float32, float16 and bfloat16 (the loader converts to the compute dtype);
//   - EMA copies `model_ema.<name without dots>` (CompVis LitEma): main weights by default,
//     the EMA ones on request;
//   - CLIP keys with and without `text_model.` (transformers before 4.x stored the encoder
//     directly under `cond_stage_model.transformer.`), with or without `position_ids`;
//   - with or without the 12 DDPM schedule buffers (absent: SD 1.5's schedule);
//   - unknown extra keys are ignored and counted;
//   - standalone VAE files (`encoder.*`, `decoder.*`, `quant_conv.*`, `post_quant_conv.*`;
//     training leftovers `loss.*` ignored).
// SD 2.x, SDXL, inpainting (9-channel input) and v-prediction files, ControlNets, LoRAs and
// diffusers-format files are refused with a message that says what the file is.
#pragma once

#include "core/io/weight_file.h"
#include "core/nn/state_dict.h"

#include <map>
#include <string>
#include <vector>

namespace deadiff::pipeline {

inline constexpr const char* kEmaPrefix = "model_ema.";

// What reading a file found besides the weights it returns.
struct SdFileReport {
    bool deadiffParts = false;   // style/content Q-Formers or attn2.i_to_k/i_to_v present
    bool emaAvailable = false;   // model_ema.* copies of the UNet present
    bool emaUsed = false;        // the UNet weights returned are the EMA copies
    bool storedSchedule = false; // alphas_cumprod present
    int ignoredKeys = 0;         // unknown keys, not read
    std::vector<std::string> ignoredExamples; // the first few of them
};

// The canonical tensors of a file, and the files whose mappings they view.
struct SdWeights {
    std::vector<io::WeightFile> files;
    nn::TensorMap tensors;
    SdFileReport report;
};

// Refuses what is not an SD 1.5 (or DEADiff) UNet checkpoint, naming what it is: SDXL, SD 2.x,
// inpainting or other non-4-channel UNets, v-prediction, a ControlNet, a LoRA, a standalone VAE,
// diffusers' layout, or no UNet at all. `metadata` is the safetensors header's. Throws
// std::runtime_error starting with `path`.
void checkSdCheckpoint(const nn::TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata, const std::string& path);

// A checked file's keys mapped to the canonical layout (see the file comment). `ema` takes the
// UNet from the model_ema.* copies (error naming the file when there are none or some are
// missing). Schedule buffers other than alphas_cumprod and the EMA bookkeeping are dropped;
// anything else outside the known prefixes is dropped and counted in `report`.
nn::TensorMap canonicalSdTensors(const nn::TensorMap& tensors, bool ema, const std::string& path,
                                 SdFileReport& report);

// Opens a single-file SD 1.5 or DEADiff checkpoint: checkSdCheckpoint, then
// canonicalSdTensors. Tensors stay zero-copy views of the mapped file where the format allows.
SdWeights readSdCheckpoint(const std::string& path, bool ema = false);

// A standalone VAE file (keys `encoder.*`, `decoder.*`, `quant_conv.*`, `post_quant_conv.*`,
// optionally under `first_stage_model.`; `loss.*` and other keys ignored and counted), or a
// full SD checkpoint whose VAE is taken. Returns `first_stage_model.*` keys only. Throws naming
// the file when it holds no VAE (or a diffusers-format one).
SdWeights readVaeFile(const std::string& path);

// The base/DEADiff split of the official configure_optimizers (acceptance "Base model"): a
// base model supplies every UNet tensor except attn2.i_to_k / i_to_v, the VAE and the CLIP
// text encoder; the DEADiff file supplies everything else.
bool isImageProjectionKey(const std::string& key);
bool isBaseModelKey(const std::string& key);

// Summary of unknown keys for a load note: "3 unknown keys ignored (a, b, c)"; empty for none.
std::string ignoredKeysNote(const SdFileReport& report);

} // namespace deadiff::pipeline
