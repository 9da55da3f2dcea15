#include "core/io/bytes.h"

namespace deadiff::io {

std::string printableBytes(const std::string& text, std::size_t limit) {
    static const char* const hex = "0123456789abcdef";
    std::string out;
    for (const char c : text.substr(0, limit)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) {
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 15];
        } else {
            out += c;
        }
    }
    if (text.size() > limit)
        out += "...";
    return out;
}

} // namespace deadiff::io
