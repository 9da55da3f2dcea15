// LoRA files (Hu et al. 2021) on our networks: reading kohya/A1111, LyCORIS LoCon and
// diffusers/PEFT files, the weight change ΔW each module stands for, and merging them into the
// model's weights so that switching LoRAs restores the base weights bit for bit.
//
// A LoRA module changes a weight W [out, in(, kh, kw)] by
//   ΔW = multiplier · (alpha / rank) · up · down            (rank = rows of `down`)
// with down [rank, in(, kh, kw)] and up [out, rank(, 1, 1)] (a 3x3 kernel on `down` is LoCon),
// or, with a LyCORIS Tucker core mid [rank_up, rank_down, kh, kw] and 1x1 down/up,
//   ΔW[i, j, k, l] = multiplier · (alpha / rank) · Σ_n,m mid[n, m, k, l] · up[i, n] · down[m, j];
// alpha defaults to rank (kohya). Key spellings (see lora_names.h for the module part):
//   <module>.lora_down.weight / .lora_up.weight / .lora_mid.weight / .alpha   kohya, LyCORIS
//   <module>.lora_A.weight / .lora_B.weight                                   PEFT
//   <module>.lora.down.weight / .lora.up.weight, .lora_linear_layer.down/up  diffusers
//   <attention>.processor.to_q_lora.down.weight (to_k, to_v, to_out)         diffusers (old)
// SDXL files are refused with a message; keys naming no module of the model are counted and
// reported; other LyCORIS types (LoHa, LoKr, DoRA, ...) are refused rather than half applied.
#pragma once

#include "core/nn/lora_names.h"

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace deadiff::nn {

struct LoraModule {
    LoraTarget target;
    torch::Tensor down, up, mid; // as stored (mid undefined unless Tucker)
    double alpha = 0.0;          // the file's alpha, or the rank when it has none
    std::int64_t rank() const { return down.size(0); }
};

struct LoraFile {
    std::string path;
    std::vector<LoraModule> modules; // ordered by target key
    // Keys that name no module of this model (another model's LoRA, or modules DEADiff lacks).
    std::vector<std::string> unmatchedKeys;
    bool touchesUNet() const;
    bool touchesTextEncoder() const;
};

// Reads `path` (safetensors or a PyTorch checkpoint, by content) against the model's targets.
// Throws io::FormatError naming the file and the problem: unreadable file, SDXL (or another
// base model) LoRA, a module with only one of down/up, shapes that do not compose to the target's
// weight, unsupported LoRA types, non-float tensors, or no key matching the model at all.
LoraFile readLoraFile(const std::string& path, const LoraTargetNames& names);

// ΔW of `module` at `multiplier`, in float32 with the target weight's shape. Differentiable in
// down/up/mid (a trainer can learn the factors through it).
torch::Tensor loraDelta(const LoraModule& module, double multiplier);

// A one-line summary for logs and the CLI: "name: 192 modules (UNet, text encoder), 3 keys
// matched nothing (first: …)".
std::string describeLora(const LoraFile& file);

struct WeightedLora {
    std::shared_ptr<const LoraFile> file;
    double weight = 1.0;
};

// Merges LoRAs into live model parameters and takes them out again exactly. The first merge of a
// weight keeps the original tensor aside (its storage is never written: merging replaces the
// parameter's data with a new tensor), so apply({}) hands back the very same bits and any
// sequence of apply() calls leaves no drift. Merging happens in float32 and rounds once to the
// weight's dtype (the compute dtype): W' = dtype(float32(W) + Σ weight·ΔW).
// Converting the module's dtype while LoRAs are merged would keep stale originals: apply({})
// first, convert, then merge again.
class LoraMerger {
public:
    // `parameters`: the live parameters by checkpoint key (parametersByKey()); those a LoRA names
    // must be among them.
    explicit LoraMerger(std::map<std::string, torch::Tensor> parameters);

    // Makes the parameters base + Σ weight·ΔW over `loras` (an empty list: the base weights).
    void apply(const std::vector<WeightedLora>& loras);

    // Parameters that currently differ from the base (merged).
    std::size_t mergedCount() const { return originals_.size(); }

private:
    std::map<std::string, torch::Tensor> parameters_;
    std::map<std::string, torch::Tensor> originals_;
};

// The module's parameters under `prefix` + name, as the live tensors (not detached copies), for
// LoraMerger.
std::map<std::string, torch::Tensor> parametersByKey(torch::nn::Module& module,
                                                     const std::string& prefix);

} // namespace deadiff::nn
