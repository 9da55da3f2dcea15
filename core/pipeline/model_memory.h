// What a model costs in memory, for the check before a request starts
// (core/runtime/memory_budget): its network sizes and the bytes of its weights as loaded, from
// model.json and the weight files' tables. No tensor data is read. Torch-free header.
#pragma once

#include "core/pipeline/request.h"
#include "core/runtime/memory_budget.h"

#include <string>
#include <vector>

namespace deadiff::pipeline {

// `dtype` as a request states it; Auto resolves as Pipeline::load does. Throws like
// Pipeline::load for a missing or malformed model.
ModelMemoryFacts modelMemoryFacts(const std::string& modelPath, ComputeDtype dtype);

// The same facts with a ControlNet checkpoint's weights in `facts.controlNetBytes`.
void addControlNetMemory(ModelMemoryFacts& facts, const std::string& controlNetPath);

RequestShape requestShape(const GenerationRequest& request);

// Throws MemoryBudgetError when the most demanding of `requests` (run on the model of `facts`,
// one at a time, ControlNets included) would not fit in what `limits` leave. `modelLoaded`:
// the model's weights are resident already (the studio).
void checkRequestsFit(const ModelMemoryFacts& facts, const std::vector<GenerationRequest>& requests,
                      bool modelLoaded, const MemoryLimits& limits);

// checkRequestsFit before the model at `modelPath` is loaded, its weights counted; sizes not
// given (`widthGiven`, `heightGiven`, as for applyNativeSize) are the model's native size. A
// model whose files cannot be read is not checked: loading it says what is wrong.
void checkRequestsFitBeforeLoad(const std::string& modelPath, ComputeDtype dtype,
                                const std::vector<GenerationRequest>& requests, bool widthGiven,
                                bool heightGiven, const MemoryLimits& limits);

} // namespace deadiff::pipeline
