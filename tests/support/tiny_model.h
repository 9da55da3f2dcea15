// A tiny random-weight DEADiff model folder (model.json + model.safetensors + word-level CLIP
// tokenizer), written through the real network classes and the product's writer, so tests of
// anything that loads a model (pipeline, CLI, batch, ControlNet, GUI) run in a second without the
// 7.6 GB checkpoint. Weights are random: images are noise, but deterministic per seed.
#pragma once

#include "core/nn/state_dict.h"
#include "core/pipeline/model_config.h"
#include "tests/support/tiny_model_folder.h"

#include <cstdint>
#include <string>

namespace deadiff::test {

// The tiny sizes: the real topology (4 UNet levels, 2 res blocks, attention at 4/2/1, so the
// same 16 spatial transformers and content layers 4..8), widths of 32, one layer per
// transformer, a KL-f4 VAE (64 px -> 16x16 latents), 4 query tokens, 32 px references.
pipeline::ModelConfig tinyModelConfig();

// The tensors writeTinyModel(dir, seed) writes, under the checkpoint's key names (alphas_cumprod
// included), in float32.
nn::TensorMap tinyModelTensors(std::uint64_t seed = 0);

// torch.save(tensors) or torch.save({"state_dict": tensors}) as PyTorch writes it (zip archive,
// one storage per tensor, each tensor's own dtype: float32, float16, bfloat16 or int64).
void writeTorchCheckpoint(const std::string& path, const nn::TensorMap& tensors,
                          bool nestUnderStateDict);

} // namespace deadiff::test
