#include "core/io/png.h"

#include "core/io/atomic_file.h"
#include "core/io/bounded_file.h"

#include <png.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace deadiff::io {
namespace {

struct ErrorSink {
    char message[256] = {0};
};

void onPngError(png_structp png, png_const_charp message) {
    auto* sink = static_cast<ErrorSink*>(png_get_error_ptr(png));
    std::snprintf(sink->message, sizeof sink->message, "%s", message);
    png_longjmp(png, 1);
}

void onPngWarning(png_structp, png_const_charp) {}

// libpng treats a chunk longer than png_set_chunk_malloc_max as a "benign" error, which reading
// turns into a warning, and then allocates the chunk anyway: a 600-byte PNG claiming a 1.9 GB
// tEXt chunk made us allocate and clear 1.9 GB (found by fuzz_png_metadata). Those warnings
// are errors here.
void onPngReadWarning(png_structp png, png_const_charp message) {
    if (std::strstr(message, "too large") != nullptr || std::strstr(message, "memory") != nullptr)
        png_error(png, message);
}

bool isAscii(const std::string& text) {
    for (const unsigned char c : text)
        if (c >= 0x80)
            return false;
    return true;
}

// libpng reports errors by longjmp: this frame holds only trivially destructible objects.
bool encode(std::FILE* out, const png_bytep* rows, png_uint_32 width, png_uint_32 height,
            int colorType, png_text* text, int textCount, ErrorSink* sink) {
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, onPngError, onPngWarning);
    if (png == nullptr)
        return false;
    png_infop info = png_create_info_struct(png);
    if (info == nullptr || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return false;
    }
    png_init_io(png, out);
    png_set_IHDR(png, info, width, height, 8, colorType, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (textCount > 0)
        png_set_text(png, info, text, textCount);
    png_write_info(png, info);
    png_write_image(png, const_cast<png_bytepp>(rows));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return true;
}

struct RawText {
    int compression;
    const char* key;
    const char* text;
    std::size_t length;
};

bool decodeText(std::FILE* in, void (*emit)(void*, const RawText&), void* context,
                ErrorSink* sink) {
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, sink, onPngError, onPngReadWarning);
    if (png == nullptr)
        return false;
    png_infop info = png_create_info_struct(png);
    if (info == nullptr || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, nullptr);
        return false;
    }
    // Bound what a hostile file can make us allocate for metadata.
    png_set_chunk_malloc_max(png, 16 * 1024 * 1024);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    // Mutated chunks reach the text parsers instead of stopping at their checksums.
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#endif
    png_init_io(png, in);
    png_read_info(png, info);
    png_textp text = nullptr;
    int count = 0;
    png_get_text(png, info, &text, &count);
    for (int i = 0; i < count; ++i) {
        const std::size_t length = text[i].compression >= PNG_ITXT_COMPRESSION_NONE
                                       ? text[i].itxt_length
                                       : text[i].text_length;
        emit(context, {text[i].compression, text[i].key, text[i].text, length});
    }
    png_destroy_read_struct(&png, &info, nullptr);
    return true;
}

} // namespace

void writePng(const std::string& path, const cv::Mat& rgb, const PngText& text) {
    if (rgb.empty() || rgb.depth() != CV_8U || (rgb.channels() != 3 && rgb.channels() != 4))
        throw std::runtime_error("cannot write " + path + ": expected an 8-bit RGB/RGBA image");
    std::vector<png_bytep> rows(static_cast<std::size_t>(rgb.rows));
    for (int y = 0; y < rgb.rows; ++y)
        rows[static_cast<std::size_t>(y)] = const_cast<png_bytep>(rgb.ptr<png_byte>(y));

    std::vector<png_text> chunks(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        png_text& chunk = chunks[i];
        std::memset(&chunk, 0, sizeof chunk);
        chunk.key = const_cast<png_charp>(text[i].first.c_str());
        chunk.text = const_cast<png_charp>(text[i].second.c_str());
        if (isAscii(text[i].second)) {
            chunk.compression = PNG_TEXT_COMPRESSION_NONE;
            chunk.text_length = text[i].second.size();
        } else {
            chunk.compression = PNG_ITXT_COMPRESSION_NONE;
            chunk.itxt_length = text[i].second.size();
            chunk.lang = const_cast<png_charp>("");
            chunk.lang_key = const_cast<png_charp>("");
        }
    }

    AtomicFile out(path);
    ErrorSink sink;
    const int colorType = rgb.channels() == 4 ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB;
    if (!encode(out.stream(), rows.data(), static_cast<png_uint_32>(rgb.cols),
                static_cast<png_uint_32>(rgb.rows), colorType, chunks.data(),
                static_cast<int>(chunks.size()), &sink)) {
        const int error = errno;
        throw std::runtime_error(
            "cannot write " + path + ": " +
            (sink.message[0] ? std::string(sink.message) : std::string(std::strerror(error))) +
            " (disk full?)");
    }
    out.commit();
}

namespace {

PngText readPngTextStream(std::FILE* in, const std::string& name) {
    unsigned char signature[8] = {0};
    if (std::fread(signature, 1, 8, in) != 8 || png_sig_cmp(signature, 0, 8) != 0)
        throw std::runtime_error(name + " is not a PNG file");
    std::rewind(in);
    PngText result;
    ErrorSink sink;
    const auto emit = [](void* context, const RawText& raw) {
        static_cast<PngText*>(context)->emplace_back(
            raw.key, std::string(raw.text != nullptr ? raw.text : "", raw.length));
    };
    if (!decodeText(in, emit, &result, &sink))
        throw std::runtime_error(name + " is a damaged PNG file: " + sink.message);
    return result;
}

using Stream = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

} // namespace

PngText readPngText(const std::string& path) {
    const Stream in(BoundedFile::open(path, kMaxImageFileBytes, "PNG file").releaseToStream(),
                    &std::fclose);
    return readPngTextStream(in.get(), path);
}

PngText decodePngText(const std::uint8_t* data, std::size_t size,
                      const std::string& nameForErrors) {
    if (size < 8)
        throw std::runtime_error(nameForErrors + " is not a PNG file");
    const Stream in(::fmemopen(const_cast<std::uint8_t*>(data), size, "rb"), &std::fclose);
    if (!in)
        throw std::runtime_error("cannot read " + nameForErrors + ": " + std::strerror(errno));
    return readPngTextStream(in.get(), nameForErrors);
}

std::string findPngText(const PngText& text, const std::string& keyword) {
    for (const auto& [key, value] : text)
        if (key == keyword)
            return value;
    return {};
}

} // namespace deadiff::io
