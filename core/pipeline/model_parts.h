// Which file supplies which part of the networks: LoadOptions (a DEADiff model, optionally a
// base model under its DEADiff parts and a separate VAE) -> one map of canonical tensors that
// the networks load from, plus what the pipeline must know about them (sizes, tokenizer, whether
// there are DEADiff parts at all). The split is the official configure_optimizers' (acceptance
// "Base model"): the base supplies every UNet tensor except attn2.i_to_k / i_to_v, the VAE and
// the CLIP text encoder; the DEADiff model supplies the rest; --vae replaces the VAE last.
// Tensors stay zero-copy views of the mapped files, and a part that comes from another file is
// never read from the DEADiff file (its pages are not touched).
#pragma once

#include "core/io/weight_file.h"
#include "core/nn/state_dict.h"
#include "core/pipeline/model_config.h"
#include "core/pipeline/pipeline.h"

#include <string>
#include <vector>

namespace deadiff::pipeline {

struct ModelParts {
    ModelConfig config; // sizes: the model folder's, else the real SD 1.5 / DEADiff ones
    // The CLIP vocabulary folder of the text encoder's source; empty: the default vocabulary.
    std::string tokenizerDir;
    // Names the weights the text encoder comes from (path, EMA or not): text contexts are
    // cached under it, so a context is never reused with another encoder.
    std::string textEncoderSource;
    // The model has DEADiff parts (Q-Formers, ProjLayers, i_to_k/i_to_v); false for a plain
    // SD 1.5 file, whose UNet is then built with plain cross-attention.
    bool referenceImages = true;
    std::vector<io::WeightFile> files; // keep the mappings the tensors view alive
    nn::TensorMap tensors;             // canonical keys of every network
    std::vector<std::string> notes;    // e.g. unknown keys ignored, per file
    // "M", "M with base B", "M with base B and VAE V": what load errors name.
    std::string sources;
};

// Opens the files of `options` (model, base, VAE) and merges their tensors. Throws
// std::runtime_error naming the file and what is wrong: not a model, a refused layout
// (sd_checkpoint.h), DEADiff parts incomplete, a base or VAE of other sizes than the model,
// --base-ema on a file without EMA weights.
ModelParts assembleModel(const LoadOptions& options);

// After `module` was loaded from parts.tensors under `prefix`: the mapped pages of the tensors
// it copied (converted dtype) rather than shares are released, so the file's bytes are not
// counted in RSS beside the module's own copy.
void releaseCopiedPages(const ModelParts& parts, const torch::nn::Module& module,
                        const std::string& prefix);

} // namespace deadiff::pipeline
