// The zip + restricted-unpickler path of PyTorch checkpoints: any input must give a layout or a
// FormatError, never a crash, an out-of-bounds read, a leak or a huge allocation.
#include "core/io/format_error.h"
#include "core/io/torch_checkpoint_layout.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace deadiff::io;
    try {
        const TorchCheckpointLayout layout = readTorchCheckpointLayout(data, size, "fuzz");
        // Touch what the tensor views would read: the first and last byte of every storage.
        volatile std::uint8_t sink = 0;
        for (const TorchTensorRecord& tensor : layout.tensors) {
            const ZipEntry& entry = layout.archive.entries()[tensor.storageEntry];
            if (entry.method == ZipEntry::Method::Stored && entry.uncompressedSize > 0) {
                const std::uint8_t* bytes = layout.archive.storedData(entry);
                sink = sink + bytes[0] + bytes[entry.uncompressedSize - 1];
            }
        }
    } catch (const FormatError&) {
    }
    // The zip layer alone, with every entry read (inflate, CRC) under a small limit.
    try {
        const ZipArchive archive = ZipArchive::parse(data, size, "fuzz");
        for (const ZipEntry& entry : archive.entries()) {
            try {
                archive.read(entry, 1 << 20);
            } catch (const FormatError&) {
            }
        }
    } catch (const FormatError&) {
    }
    return 0;
}
