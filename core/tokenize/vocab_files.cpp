#include "core/tokenize/vocab_files.h"

#include "core/io/bounded_file.h"
#include "core/io/format_error.h"

#include <zlib.h>

#include <stdexcept>

namespace deadiff::tokenize {

std::string readVocabFile(const std::string& path) {
    return io::readBoundedTextFile(path, io::kMaxVocabFileBytes, "vocabulary file");
}

std::string readGzipFile(const std::string& path) {
    const std::string compressed = readVocabFile(path);
    if (compressed.size() < 18 || static_cast<unsigned char>(compressed[0]) != 0x1F ||
        static_cast<unsigned char>(compressed[1]) != 0x8B)
        throw io::FormatError(path + " is not a gzip file (expected OpenAI's "
                                     "bpe_simple_vocab_16e6.txt.gz)");

    z_stream stream{};
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
        throw std::runtime_error("zlib could not start decompressing " + path);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());

    std::string out;
    char buffer[1 << 16];
    int status = Z_OK;
    while (status != Z_STREAM_END) {
        stream.next_out = reinterpret_cast<Bytef*>(buffer);
        stream.avail_out = sizeof(buffer);
        status = inflate(&stream, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END) {
            const std::string reason = stream.msg ? stream.msg : "truncated data";
            inflateEnd(&stream);
            throw io::FormatError(path + " is a corrupt or truncated gzip file: " + reason);
        }
        out.append(buffer, sizeof(buffer) - stream.avail_out);
        if (out.size() > (64u << 20)) {
            inflateEnd(&stream);
            throw io::FormatError(path + " decompresses to more than 64 MiB; not a CLIP "
                                         "BPE vocabulary");
        }
    }
    inflateEnd(&stream);
    return out;
}

} // namespace deadiff::tokenize
