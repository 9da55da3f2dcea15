// Loading a module's parameters from named checkpoint tensors: the one place where a missing,
// unexpected or mis-shaped tensor becomes an error naming the key and both shapes.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace deadiff::io {
class SafetensorsFile;
class WeightFile;
} // namespace deadiff::io

namespace deadiff::nn {

// Checkpoint key -> tensor (usually zero-copy views into a mapped file).
using TensorMap = std::map<std::string, torch::Tensor>;

TensorMap tensorsOf(const io::SafetensorsFile& file);
TensorMap tensorsOf(const io::WeightFile& file);

struct LoadOptions {
    // Keys under the prefix that the module does not have but that are expected in real files
    // and unused at inference (e.g. "Qformer.cls."); matched as prefixes after `prefix`.
    std::vector<std::string> ignoredKeyPrefixes;
    // Share the checkpoint's memory when dtype and layout already match (no copy); otherwise,
    // and always when false, copy into the module's own storage.
    bool shareMemory = true;
    // Only check that the tensors fit (the same errors), setting nothing: lets a caller refuse
    // weights before it frees the networks they would replace.
    bool checkOnly = false;
};

// Sets every parameter and buffer `name` of `module` from `tensors[prefix + name]`, converted
// to the parameter's dtype (fp16 weights are upcast exactly). Throws std::runtime_error listing
// missing keys, unexpected keys under `prefix`, and shape mismatches (key, checkpoint shape,
// module shape), so nothing is left silently random.
void loadStateDict(torch::nn::Module& module, const TensorMap& tensors, const std::string& prefix,
                   const LoadOptions& options = {});

// The module's parameters and buffers as checkpoint keys: for writing small test checkpoints
// and the bundled model with the same names the loader expects.
TensorMap stateDictOf(const torch::nn::Module& module, const std::string& prefix);

} // namespace deadiff::nn
