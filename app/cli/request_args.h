// The GenerationRequest flags shared by `generate` and `batch`: the conventions' field names
// with dashes (--negative-prompt, --image-weight, ...).
#pragma once

#include "app/cli/args.h"
#include "app/cli/progress.h"
#include "core/pipeline/pipeline.h"

#include <ostream>
#include <string>
#include <vector>

namespace deadiff::cli {

void addRequestOptions(Args& args);
// `--lora PATH[:W]` (W a number; weight 1 without it).
LoraChoice loraOption(const std::string& value);
GenerationRequest requestFromArgs(const Args& args);
// requestFromArgs, then a model is required and the request validated; problems are
// UsageErrors naming the field.
GenerationRequest validatedRequestFromArgs(const Args& args);

// The value of an enumerated option (--sampler, --mode, --dtype); UsageError naming the choices.
template <typename Enum> Enum enumOption(const Args& args, const std::string& flag) {
    const std::string value = args.value(flag);
    if (const auto parsed = enumFromName<Enum>(value))
        return *parsed;
    throw UsageError("option '" + flag + "' must be " + enumNameList<Enum>() + ", got '" + value +
                     "'");
}

// After loading: sizes the user did not give become the model's (applyNativeSize).
void fitToModel(GenerationRequest& request, const Args& args, const ModelFacts& facts);

// What loading noticed (unknown keys ignored...), one "note: ..." line each.
void printLoadNotes(const ModelFacts& facts, std::ostream& err);

// Model-loading progress drawn on `bar`.
LoadProgress loadProgressBar(ProgressBar& bar);

// `output` for one image; "<stem>-<i><ext>" for a batch; "./deadiff-<seed>.png" by default.
std::vector<std::string> outputPaths(const std::string& output, std::uint64_t seed, int count);

// Writes each image with the A1111 parameters and the JSON request in its metadata.
void saveResult(const GenerationResult& result, const std::vector<std::string>& paths);

} // namespace deadiff::cli
