// A1111's extra-network syntax for LoRAs in a prompt: `<lora:NAME>` or `<lora:NAME:WEIGHT>`.
// The tags stay in the prompt as the user wrote it (so a PNG's prompt reads back the same in
// A1111), are left out of what the text encoder reads, and name LoRAs that load with the model
// like `--lora` ones. NAME is a name in the models folder (lora/ first: file name, stem or
// "kind/name") or a path. Torch-free.
#pragma once

#include "core/pipeline/request.h"

#include <string>
#include <vector>

namespace deadiff::pipeline {

struct PromptLora {
    std::string name;
    double weight = 1.0;
};

// The `<lora:…>` tags of `prompt`, in order. Throws RequestError on field "prompt" for a tag
// without a name or with a weight that is not a number.
std::vector<PromptLora> findPromptLoras(const std::string& prompt);

// `prompt` without its `<lora:…>` tags (what the text encoder reads).
std::string withoutPromptLoras(const std::string& prompt);

// Adds the prompt's LoRAs to request.loras (resolved to files: a models-folder name or a path,
// else a file of that name in the request's model folder's lora/; one the list already names, by
// path, is not added again, so a request read back from a PNG does not merge it twice). Throws
// RequestError on "prompt" naming a tag whose LoRA is neither a models-folder name nor a file.
void addPromptLoras(GenerationRequest& request, const std::string& modelsRoot);

} // namespace deadiff::pipeline
