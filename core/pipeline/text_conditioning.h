// The prompt as the UNet reads it: A1111's emphasis and long prompts (core/tokenize/
// prompt_weights.h) on the CLIP text encoder's output. Each 77-token chunk is encoded on its own;
// a chunk with emphasis has its token embeddings scaled by their multipliers, then the whole
// chunk rescaled so its mean is what it was (A1111's "Original" emphasis); the chunks are
// concatenated along the token axis, [1, 77·k, width].
#pragma once

#include "core/nn/clip_text.h"
#include "core/tokenize/prompt_weights.h"

#include <torch/torch.h>

#include <vector>

namespace deadiff::pipeline {

// One chunk's hidden states z [B, tokens, width] with one multiplier per token (EmphasisOriginal
// .after_transformers): z·m, then ·(mean(z) / mean(z·m)). All multipliers 1 returns z itself.
torch::Tensor applyEmphasis(const torch::Tensor& z, const std::vector<double>& multipliers);

// Every chunk of `prompt` through `text` (one batched forward), emphasis applied per chunk ->
// [1, 77·chunks, width]. A prompt of at most 75 tokens without emphasis gives exactly the plain
// CLIP encoding of its 77 ids.
torch::Tensor encodeWeightedPrompt(nn::ClipTextModel& text, const tokenize::WeightedPrompt& prompt);

} // namespace deadiff::pipeline
