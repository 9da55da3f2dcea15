// Fixed-width integers from raw file bytes, and raw bytes made printable for error messages:
// the one home for what every reader of a binary format (safetensors, zip, pickle, PNG, JPEG,
// TIFF) needs. The caller has checked that the bytes are there. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace deadiff::io {

// The first `count` (1..8) bytes at `p` as an unsigned little-endian integer.
inline std::uint64_t readLittleEndian(const std::uint8_t* p, int count) {
    std::uint64_t value = 0;
    for (int i = count - 1; i >= 0; --i)
        value = (value << 8) | p[i];
    return value;
}

// The first `count` (1..8) bytes at `p` as an unsigned big-endian integer.
inline std::uint64_t readBigEndian(const std::uint8_t* p, int count) {
    std::uint64_t value = 0;
    for (int i = 0; i < count; ++i)
        value = (value << 8) | p[i];
    return value;
}

inline std::uint16_t readLittleEndian16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(readLittleEndian(p, 2));
}
inline std::uint32_t readLittleEndian32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(readLittleEndian(p, 4));
}
inline std::uint64_t readLittleEndian64(const std::uint8_t* p) {
    return readLittleEndian(p, 8);
}
inline std::uint32_t readBigEndian32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(readBigEndian(p, 4));
}

// `text` for a message: control bytes and bytes from 0x7f up as \xNN, cut after `limit` bytes
// with "...". A name read from a hostile file cannot garble a terminal or a log this way.
std::string printableBytes(const std::string& text, std::size_t limit = 120);

} // namespace deadiff::io
