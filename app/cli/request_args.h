// The GenerationRequest flags shared by `generate` and `batch`: the conventions' field names
// with dashes (--negative-prompt, --image-weight, ...).
#pragma once

#include "app/cli/args.h"
#include "core/pipeline/pipeline.h"

#include <string>
#include <vector>

namespace deadiff::cli {

void addRequestOptions(Args& args);
GenerationRequest requestFromArgs(const Args& args);
// requestFromArgs, then a model is required and the request validated; problems are
// UsageErrors naming the field.
GenerationRequest validatedRequestFromArgs(const Args& args);

// `output` for one image; "<stem>-<i><ext>" for a batch; "./deadiff-<seed>.png" by default.
std::vector<std::string> outputPaths(const std::string& output, std::uint64_t seed, int count);

// Writes each image with the A1111 parameters and the JSON request in its metadata.
void saveResult(const GenerationResult& result, const std::vector<std::string>& paths);

} // namespace deadiff::cli
