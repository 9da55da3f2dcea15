// model.json of a model folder: parsed and checked as Pipeline::load does before it builds any
// network, then written back. Any input must give a config or a std::runtime_error naming the
// field.
#include "core/pipeline/model_config.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace deadiff::pipeline;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const ModelConfig config = parseModelConfig(text, "model.json");
        (void)config.latentFactor();
        // What we write must read back (a model folder written by `train` must load).
        const ModelConfig again = parseModelConfig(modelConfigToJson(config), "model.json");
        if (modelConfigToJson(again) != modelConfigToJson(config))
            std::abort();
    } catch (const std::runtime_error&) {
    }
    return 0;
}
