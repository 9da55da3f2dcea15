#include "core/pipeline/sd_checkpoint.h"

#include "core/nn/blip2_qformer.h"
#include "core/nn/clip_text.h"
#include "core/nn/proj_layer.h"
#include "core/nn/unet.h"
#include "core/nn/vae.h"

#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>
#include <stdexcept>

namespace deadiff::pipeline {
namespace {

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

bool anyKeyStartsWith(const nn::TensorMap& tensors, const std::string& prefix) {
    const auto it = tensors.lower_bound(prefix);
    return it != tensors.end() && startsWith(it->first, prefix);
}

bool anyKeyContains(const nn::TensorMap& tensors, const std::string& part) {
    return std::any_of(tensors.begin(), tensors.end(), [&](const auto& item) {
        return item.first.find(part) != std::string::npos;
    });
}

const std::string kUNetInput = std::string(nn::kUNetPrefix) + "input_blocks.0.0.weight";
const std::string kClipLegacyPrefix = "cond_stage_model.transformer.";
const std::string kPositionIds = std::string(nn::kClipTextPrefix) + "embeddings.position_ids";
const std::string kPositionEmbedding =
    std::string(nn::kClipTextPrefix) + "embeddings.position_embedding.weight";

// CompVis DDPM.register_schedule's buffers: SD 1.5's schedule is the default, and only
// alphas_cumprod is read (to validate a stored schedule).
constexpr std::array<const char*, 12> kScheduleBuffers = {"betas",
                                                          "alphas_cumprod",
                                                          "alphas_cumprod_prev",
                                                          "sqrt_alphas_cumprod",
                                                          "sqrt_one_minus_alphas_cumprod",
                                                          "log_one_minus_alphas_cumprod",
                                                          "sqrt_recip_alphas_cumprod",
                                                          "sqrt_recipm1_alphas_cumprod",
                                                          "posterior_variance",
                                                          "posterior_log_variance_clipped",
                                                          "posterior_mean_coef1",
                                                          "posterior_mean_coef2"};

bool isScheduleBuffer(const std::string& key) {
    return std::find(kScheduleBuffers.begin(), kScheduleBuffers.end(), key) !=
           kScheduleBuffers.end();
}

bool isDeadiffPart(const std::string& key) {
    for (const char* prefix : {nn::kStyleBlipPrefix, nn::kContentBlipPrefix, nn::kStyleProjPrefix,
                               nn::kContentProjPrefix})
        if (startsWith(key, prefix))
            return true;
    return isImageProjectionKey(key);
}

// LitEma keeps `model_ema.` + the parameter's name under the LatentDiffusion's `model`
// (a DiffusionWrapper: "diffusion_model.input_blocks.0.0.weight") with the dots removed.
std::string emaKeyOf(const std::string& unetKey) {
    std::string name = "diffusion_model." + unetKey.substr(std::string(nn::kUNetPrefix).size());
    name.erase(std::remove(name.begin(), name.end(), '.'), name.end());
    return kEmaPrefix + name;
}

std::string metadataValue(const std::map<std::string, std::string>& metadata,
                          const std::string& key) {
    const auto it = metadata.find(key);
    std::string value = it == metadata.end() ? std::string() : it->second;
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return value;
}

void ignore(SdFileReport& report, const std::string& key) {
    ++report.ignoredKeys;
    if (report.ignoredExamples.size() < 3)
        report.ignoredExamples.push_back(key);
}

// The CLIP position ids as the text encoder's int64 buffer: absent in files written with
// transformers >= 4.31, and stored as (sometimes off-by-a-little) floats by some merges.
void fixPositionIds(nn::TensorMap& tensors) {
    const auto stored = tensors.find(kPositionIds);
    if (stored != tensors.end()) {
        if (stored->second.scalar_type() != torch::kLong)
            stored->second = stored->second.to(torch::kDouble).round().to(torch::kLong);
        return;
    }
    const auto embedding = tensors.find(kPositionEmbedding);
    if (embedding != tensors.end() && embedding->second.dim() == 2)
        tensors.emplace(kPositionIds,
                        torch::arange(embedding->second.size(0), torch::kLong).unsqueeze(0));
}

} // namespace

bool isImageProjectionKey(const std::string& key) {
    return key.find("attn2.i_to_k.") != std::string::npos ||
           key.find("attn2.i_to_v.") != std::string::npos;
}

bool isBaseModelKey(const std::string& key) {
    return (startsWith(key, nn::kUNetPrefix) && !isImageProjectionKey(key)) ||
           startsWith(key, nn::kVaePrefix) || startsWith(key, "cond_stage_model.");
}

void checkSdCheckpoint(const nn::TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata,
                       const std::string& path) {
    const auto refuse = [&](const std::string& what) {
        throw std::runtime_error(path + " " + what);
    };
    const std::string onlySd15 = "; DEADiff runs on Stable Diffusion 1.5 models only";
    if (anyKeyStartsWith(tensors, "conditioner.embedders.") ||
        anyKeyStartsWith(tensors, std::string(nn::kUNetPrefix) + "label_emb."))
        refuse("is an SDXL checkpoint (two text encoders, conditioner.embedders.*)" + onlySd15);
    if (anyKeyStartsWith(tensors, "cond_stage_model.model."))
        refuse("is a Stable Diffusion 2.x checkpoint (OpenCLIP text encoder, "
               "cond_stage_model.model.*)" +
               onlySd15);
    const auto toK = tensors.find(std::string(nn::kUNetPrefix) +
                                  "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight");
    if (toK != tensors.end() && toK->second.dim() == 2 && toK->second.size(1) == 1024)
        refuse("is a Stable Diffusion 2.x checkpoint (1024-wide text context)" + onlySd15);
    const std::string prediction = metadataValue(metadata, "modelspec.prediction_type");
    if (tensors.count("v_pred") != 0 || prediction == "v" || prediction == "v_prediction" ||
        prediction == "v-prediction" || metadataValue(metadata, "ss_v_parameterization") == "true")
        refuse("is a v-prediction model; DEADiff's samplers need a model that predicts the noise "
               "(epsilon), as Stable Diffusion 1.5 does");

    const auto input = tensors.find(kUNetInput);
    if (input != tensors.end()) {
        const std::int64_t channels = input->second.dim() == 4 ? input->second.size(1) : -1;
        if (channels == 9)
            refuse("is an inpainting model (9-channel UNet input: latent, mask and masked "
                   "image); choose the ordinary model it was made from");
        if (channels == 8)
            refuse("is an image-editing model (8-channel UNet input, as instruct-pix2pix); "
                   "choose an ordinary Stable Diffusion 1.5 model");
        if (channels != 4)
            refuse("has a " + std::to_string(channels) +
                   "-channel UNet input; Stable Diffusion 1.5 has 4");
        return;
    }
    if (anyKeyStartsWith(tensors, "control_model."))
        refuse("is a ControlNet checkpoint, not a DEADiff or Stable Diffusion model; choose it "
               "as the ControlNet and a DEADiff checkpoint as the model");
    if (anyKeyStartsWith(tensors, "lora_unet_") || anyKeyStartsWith(tensors, "lora_te") ||
        anyKeyContains(tensors, ".lora_down.") || anyKeyContains(tensors, ".lora_A."))
        refuse("is a LoRA, not a full model; choose a Stable Diffusion 1.5 or DEADiff "
               "checkpoint as the model");
    if ((tensors.count("encoder.conv_in.weight") != 0 &&
         tensors.count("decoder.conv_out.weight") != 0) ||
        tensors.count(std::string(nn::kVaePrefix) + "encoder.conv_in.weight") != 0)
        refuse("is a standalone VAE, not a full model; give it as the VAE (--vae)");
    if (anyKeyStartsWith(tensors, "down_blocks.") || anyKeyStartsWith(tensors, "unet.") ||
        anyKeyStartsWith(tensors, "time_embedding."))
        refuse("is in diffusers' layout (down_blocks.*); convert it to a single-file "
               "checkpoint (.safetensors with model.diffusion_model.* keys)");
    refuse(std::string("has no Stable Diffusion UNet (") + nn::kUNetPrefix +
           "*): it is not a DEADiff or Stable Diffusion 1.5 checkpoint");
}

nn::TensorMap canonicalSdTensors(const nn::TensorMap& tensors, bool ema, const std::string& path,
                                 SdFileReport& report) {
    nn::TensorMap out;
    nn::TensorMap emaCopies;
    for (const auto& [key, tensor] : tensors) {
        if (startsWith(key, nn::kUNetPrefix)) {
            report.deadiffParts = report.deadiffParts || isImageProjectionKey(key);
            out[key] = tensor;
        } else if (startsWith(key, nn::kVaePrefix)) {
            // A VAE's training losses (LPIPS, discriminator) are not part of the model.
            if (startsWith(key, std::string(nn::kVaePrefix) + "loss."))
                ignore(report, key);
            else
                out[key] = tensor;
        } else if (startsWith(key, kClipLegacyPrefix)) {
            const std::string rest = key.substr(kClipLegacyPrefix.size());
            // transformers before 4.x kept CLIPTextTransformer's children directly here.
            out[startsWith(rest, "text_model.") ? key : std::string(nn::kClipTextPrefix) + rest] =
                tensor;
        } else if (startsWith(key, kEmaPrefix)) {
            if (key != std::string(kEmaPrefix) + "decay" &&
                key != std::string(kEmaPrefix) + "num_updates") {
                report.emaAvailable = true;
                emaCopies.emplace(key, tensor);
            }
        } else if (isScheduleBuffer(key)) {
            if (key == "alphas_cumprod") {
                report.storedSchedule = true;
                out[key] = tensor;
            }
        } else if (isDeadiffPart(key)) {
            report.deadiffParts = true;
            out[key] = tensor;
        } else if (key != "ctx_embeddings_cache") { // DEADiff's, unused at inference
            ignore(report, key);
        }
    }
    fixPositionIds(out);
    if (!ema)
        return out;
    if (!report.emaAvailable)
        throw std::runtime_error(path + " holds no EMA weights (" + kEmaPrefix +
                                 "*); use its main weights (leave the EMA option off)");
    std::vector<std::string> missing;
    for (auto& [key, tensor] : out) {
        if (!startsWith(key, nn::kUNetPrefix) || isImageProjectionKey(key))
            continue;
        const auto copy = emaCopies.find(emaKeyOf(key));
        if (copy == emaCopies.end())
            missing.push_back(key);
        else
            tensor = copy->second;
    }
    if (!missing.empty())
        throw std::runtime_error(path + ": the EMA weights (" + kEmaPrefix + "*) lack " +
                                 std::to_string(missing.size()) + " UNet tensors, e.g. " +
                                 emaKeyOf(missing.front()) + " for " + missing.front());
    report.emaUsed = true;
    return out;
}

SdWeights readSdCheckpoint(const std::string& path, bool ema) {
    SdWeights weights;
    weights.files.push_back(io::WeightFile::open(path));
    const nn::TensorMap raw = nn::tensorsOf(weights.files.back());
    checkSdCheckpoint(raw, weights.files.back().metadata(), path);
    weights.tensors = canonicalSdTensors(raw, ema, path, weights.report);
    return weights;
}

SdWeights readVaeFile(const std::string& path) {
    SdWeights weights;
    weights.files.push_back(io::WeightFile::open(path));
    const nn::TensorMap raw = nn::tensorsOf(weights.files.back());
    const std::string fullPrefix = nn::kVaePrefix;
    const bool full = raw.count(fullPrefix + "encoder.conv_in.weight") != 0;
    const bool standalone =
        raw.count("encoder.conv_in.weight") != 0 && raw.count("decoder.conv_in.weight") != 0;
    if (!full && !standalone) {
        if (raw.count("encoder.down_blocks.0.resnets.0.conv1.weight") != 0)
            throw std::runtime_error(path + " is a VAE in diffusers' layout (encoder.down_blocks."
                                            "*); use the original single-file VAE "
                                            "(encoder.down.*, e.g. vae-ft-mse-840000-ema-"
                                            "pruned.safetensors)");
        throw std::runtime_error(path + " holds no VAE (neither encoder.*/decoder.* nor " +
                                 fullPrefix + "*)");
    }
    for (const auto& [key, tensor] : raw) {
        if (full) {
            // The VAE of a full checkpoint; its other parts are not unknown, only not wanted.
            if (startsWith(key, fullPrefix) && !startsWith(key, fullPrefix + "loss."))
                weights.tensors[key] = tensor;
            continue;
        }
        if (startsWith(key, "encoder.") || startsWith(key, "decoder.") ||
            startsWith(key, "quant_conv.") || startsWith(key, "post_quant_conv."))
            weights.tensors[fullPrefix + key] = tensor;
        else
            ignore(weights.report, key);
    }
    return weights;
}

std::string ignoredKeysNote(const SdFileReport& report) {
    if (report.ignoredKeys == 0)
        return {};
    std::ostringstream note;
    note << report.ignoredKeys << " unknown key" << (report.ignoredKeys == 1 ? "" : "s")
         << " ignored (";
    for (std::size_t i = 0; i < report.ignoredExamples.size(); ++i)
        note << (i ? ", " : "") << report.ignoredExamples[i];
    if (static_cast<std::size_t>(report.ignoredKeys) > report.ignoredExamples.size())
        note << ", ...";
    note << ")";
    return note.str();
}

} // namespace deadiff::pipeline
