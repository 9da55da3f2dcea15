// The safetensors header parser: any input must give a validated header or a FormatError.
#include "core/io/format_error.h"
#include "core/io/safetensors.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace deadiff::io;
    try {
        const SafetensorsHeader header = parseSafetensorsHeader(data, size, "fuzz");
        volatile std::uint8_t sink = 0;
        for (const TensorInfo& tensor : header.tensors)
            if (tensor.byteSize > 0) // the span must be readable
                sink = sink + data[tensor.offset] + data[tensor.offset + tensor.byteSize - 1];
    } catch (const FormatError&) {
    }
    return 0;
}
