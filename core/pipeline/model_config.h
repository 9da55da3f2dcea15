// A model folder: `model.json` (the network sizes and where the rest lives) beside
// `model.safetensors` (weights under the official checkpoint's key names) and the tokenizer
// files. This is how small DEADiff models (the bundled demo model, test models) are stored, so
// that one key mapping serves them and the official checkpoint. Every size has one home: the
// config structs of the networks, whose defaults are the real SD 1.5 / DEADiff sizes; a
// field missing from model.json keeps that default.
//
// model.json (all sections and fields optional except "format"):
//   { "format": "deadiff-model", "version": 1,
//     "weights": "model.safetensors",        // relative to the folder
//     "weight_overlays": ["overlay.safetensors"], // optional, read after "weights": their
//                                            // tensors replace those of the same name (a
//                                            // model that differs from another in a few parts)
//     "tokenizer": "tokenizer",              // CLIP vocab.json + merges.txt (or the .gz) folder
//     "default_image_size": 64,
//     "auto_dtype": "float32",               // what dtype "auto" means for this model (default:
//                                            // bfloat16 where the CPU computes it natively)
//     "text_encoder": { "vocab_size", "max_positions", "width", "layers", "heads", "mlp_width",
//                       "layer_norm_eps" },
//     "unet": { "in_channels", "out_channels", "model_channels", "channel_mult",
//               "num_res_blocks", "attention_resolutions", "num_heads", "transformer_depth",
//               "context_dim", "content_layers", "image_tokens" },
//     "vae": { "ch", "ch_mult", "num_res_blocks", "in_channels", "out_channels", "z_channels",
//              "embed_dim", "scale_factor" },
//     "reference": { "vision": { "image_size", "patch_size", "channels", "width", "layers",
//                                "heads", "mlp_width", "layer_norm_eps" },
//                    "qformer": { "vocab_size", "hidden", "layers", "heads", "intermediate",
//                                 "max_positions", "encoder_width",
//                                 "cross_attention_frequency", "layer_norm_eps" },
//                    "query_tokens", "vision_layer_norm_eps",
//                    "proj": { "width", "hidden", "layer_norm_eps" },
//                    "style_text_ids": [..], "content_text_ids": [..] },
//     "schedule": { "linear_start", "linear_end" },
//     "trained_on": { "subjects", "styles", "words" } } // model_card.h
#pragma once

#include "core/io/weight_file.h"
#include "core/nn/clip_text.h"
#include "core/nn/state_dict.h"
#include "core/nn/unet.h"
#include "core/nn/vae.h"
#include "core/pipeline/model_card.h"
#include "core/pipeline/reference_encoder.h"
#include "core/runtime/compute_dtype.h"

#include <string>
#include <vector>

namespace deadiff::pipeline {

inline constexpr const char* kModelConfigName = "model.json";
inline constexpr const char* kModelFormat = "deadiff-model";

struct ScheduleConfig {
    double linearStart = 0.00085;
    double linearEnd = 0.012;
};

struct ModelConfig {
    std::string weights = "model.safetensors"; // relative to the folder
    std::string tokenizer = "tokenizer";       // relative to the folder
    std::vector<std::string> weightOverlays;   // relative to the folder, applied in order
    int defaultImageSize = 512;
    ComputeDtype autoDtype = ComputeDtype::Auto; // Float32, BFloat16 or Auto (the CPU decides)
    nn::ClipTextConfig text;
    nn::UNetConfig unet;
    nn::VaeConfig vae;
    ReferenceEncoderConfig reference;
    ScheduleConfig schedule;
    ModelCard card; // "trained_on": empty unless the training captions were a closed set

    // Pixel size of one latent cell (8 for SD's KL-f8) and the latent's channel count.
    std::int64_t latentFactor() const;
    std::int64_t latentChannels() const { return vae.embedDim; }
};

// `path` is a folder holding model.json, or a .json file: the config's path; empty when `path`
// is neither (an ordinary checkpoint file).
std::string modelConfigPath(const std::string& path);

// Reads and checks model.json: unknown format, a field of the wrong type, or sizes that do not
// fit together (context widths, query tokens) throw std::runtime_error naming the file and the
// field.
ModelConfig readModelConfig(const std::string& jsonPath);
std::string modelConfigToJson(const ModelConfig& config);

// The tensors of a model folder: `weights`, then each overlay replacing tensors of the same
// name (a tensor an overlay adds is an error). `files` keeps the mappings open; files[0] is
// `weights`.
struct ModelWeights {
    std::vector<io::WeightFile> files;
    nn::TensorMap tensors;
};
ModelWeights openModelWeights(const std::string& jsonPath, const ModelConfig& config);

// The model's DDPM schedule: its weights' `alphas_cumprod` when stored (validated: a trained
// folder keeps the schedule it was trained with), else `config.schedule`'s scaled-linear one.
torch::Tensor modelAlphasCumprod(const nn::TensorMap& tensors, const ModelConfig& config);

// Every tensor of a model under the official checkpoint's key names (what writeModelFolder
// stores and Pipeline::load reads), plus the DDPM `alphas_cumprod` when given.
nn::TensorMap modelTensors(const nn::ClipTextModel& text, const nn::UNetModel& unet,
                           const nn::AutoencoderKL& vae, ReferenceEncoder& references,
                           const torch::Tensor& alphasCumprod = {});

// Writes `folder`/model.json and `folder`/<config.weights> (safetensors, atomic, creating the
// folder). The tokenizer files are the caller's (train::writeClipWordVocabulary). `half` stores
// the network weights as float16 (half the size; loading upcasts them exactly), keeping
// `alphas_cumprod` in float32.
void writeModelFolder(const std::string& folder, const ModelConfig& config,
                      const nn::TensorMap& tensors, bool half = false);

// Writes `folder` as an overlay of the model folder `baseFolder`: model.json (this `config`,
// with "weights" and "tokenizer" pointing into the base folder by relative paths) and
// overlay.safetensors holding only the tensors whose stored form (after `half`) differs from
// the base's. How the demo model's ablations ship: 1 MB each instead of a full copy.
void writeModelOverlay(const std::string& folder, ModelConfig config, const nn::TensorMap& tensors,
                       const std::string& baseFolder, bool half = false);

} // namespace deadiff::pipeline
