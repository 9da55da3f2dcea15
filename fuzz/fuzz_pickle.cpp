// The restricted unpickler alone (no zip wrapper and CRC in the way of mutations).
#include "core/io/format_error.h"
#include "core/io/pickle.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace deadiff::io;
    UnpickleLimits limits;
    limits.maxValues = 100'000; // keeps each run fast; the limits themselves are under test too
    limits.maxStack = 10'000;
    limits.maxMemo = 10'000;
    try {
        const PickleDocument document = unpickle(data, size, "fuzz", limits);
        (void)document.root().kind;
    } catch (const FormatError&) {
    }
    return 0;
}
