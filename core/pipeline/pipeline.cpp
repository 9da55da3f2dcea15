#include "core/pipeline/pipeline.h"

#include <random>

namespace deadiff {

GenerationRequest resolveRequest(const GenerationRequest& request, const std::string& modelPath) {
    GenerationRequest resolved = request;
    if (!resolved.seed) {
        // The official app draws from [0, 2^32 - 1] when the seed is -1.
        std::random_device entropy;
        resolved.seed = static_cast<std::uint64_t>(entropy());
    }
    resolved.mode = effectiveMode(resolved);
    if (resolved.model.empty())
        resolved.model = modelPath;
    return resolved;
}

std::unique_ptr<Pipeline> Pipeline::load(const std::string& modelPath, const PipelineOptions&,
                                         const LoadProgress&) {
    // Transitional: the engine (UNet, VAE, encoders) lands in the generation work.
    throw std::runtime_error("cannot load " + modelPath +
                             ": this build has no generation engine yet");
}

} // namespace deadiff
