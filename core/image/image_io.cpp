#include "core/image/image_io.h"

#include "core/io/bytes.h"

#include "core/image/jpeg_decode.h"
#include "core/image/tiff_decode.h"
#include "core/io/bounded_file.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>

namespace deadiff::image {
namespace {

struct Size2 {
    std::uint64_t width = 0;
    std::uint64_t height = 0;
};

bool startsWith(const std::uint8_t* data, std::size_t size, const char* magic, std::size_t n,
                std::size_t at = 0) {
    return size >= at + n && std::memcmp(data + at, magic, n) == 0;
}

// A Netpbm header: "P1".."P6", then width, height and (but for bitmaps) the largest sample
// value as decimal text, with # comments, then one whitespace byte before the raster; "P7"
// (PAM) has "KEY value" lines up to ENDHDR instead. PFM's header is read the same way.
struct NetpbmHeader {
    char kind = '0';
    Size2 size;
    std::uint64_t channels = 1;
    std::uint64_t maxValue = 1;
    std::size_t rasterOffset = 0;
};

class NetpbmReader {
public:
    NetpbmReader(const std::uint8_t* data, std::size_t size)
        : data_(data)
        , size_(size) {}

    std::size_t at() const { return at_; }

    // The next run of non-space bytes after whitespace and comments; empty at the end.
    std::string token() {
        skipSpaceAndComments();
        std::string text;
        while (at_ < size_ && std::isspace(data_[at_]) == 0 && text.size() < 16)
            text.push_back(static_cast<char>(data_[at_++]));
        return text;
    }

    std::optional<std::uint64_t> number() {
        skipSpaceAndComments();
        if (at_ >= size_ || std::isdigit(data_[at_]) == 0)
            return std::nullopt;
        std::uint64_t value = 0;
        while (at_ < size_ && std::isdigit(data_[at_]) != 0 && value < (std::uint64_t{1} << 40))
            value = value * 10 + static_cast<std::uint64_t>(data_[at_++] - '0');
        return value;
    }

    void skipOneSpace() {
        if (at_ < size_ && std::isspace(data_[at_]) != 0)
            ++at_;
    }

    // To the end of the line: a carriage return or a newline, as Netpbm's comments end.
    void skipLine() {
        while (at_ < size_ && data_[at_] != '\n' && data_[at_] != '\r')
            ++at_;
        if (at_ < size_)
            ++at_;
    }

private:
    void skipSpaceAndComments() {
        while (at_ < size_ && (std::isspace(data_[at_]) != 0 || data_[at_] == '#')) {
            if (data_[at_] == '#')
                skipLine();
            else
                ++at_;
        }
    }

    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 2;
};

// PBM, PGM and PPM in text (1-3) and binary (4-6), and PAM (7).
constexpr char kNetpbmKinds[] = {'1', '2', '3', '4', '5', '6', '7'};

// "P1".."P7" (Netpbm) or "PF"/"Pf" (PFM, depth maps) and the whitespace OpenCV's checks want.
bool hasNetpbmMagic(const std::uint8_t* data, std::size_t size) {
    if (size < 3 || data[0] != 'P' || std::isspace(data[2]) == 0)
        return false;
    const char kind = static_cast<char>(data[1]);
    return kind == 'F' || kind == 'f' ||
           std::find(std::begin(kNetpbmKinds), std::end(kNetpbmKinds), kind) !=
               std::end(kNetpbmKinds);
}

std::optional<NetpbmHeader> netpbmHeader(const std::uint8_t* data, std::size_t size) {
    if (!hasNetpbmMagic(data, size))
        return std::nullopt;
    NetpbmHeader header;
    header.kind = static_cast<char>(data[1]);
    NetpbmReader reader(data, size);
    if (header.kind == 'F' || header.kind == 'f') {
        // PFM: "PF" (RGB) or "Pf" (gray) and a newline, width, height and a scale whose sign
        // gives the byte order, then 4-byte floats.
        if (data[2] != '\n')
            return std::nullopt;
        const auto width = reader.number();
        const auto height = reader.number();
        const std::string scale = reader.token();
        if (!width || !height || scale.empty())
            return std::nullopt;
        header.size = {*width, *height};
        header.channels = header.kind == 'F' ? 3 : 1;
        reader.skipOneSpace();
        header.rasterOffset = reader.at();
        return header;
    }
    if (header.kind == '7') {
        std::optional<std::uint64_t> width, height;
        for (std::string key = reader.token(); key != "ENDHDR"; key = reader.token()) {
            if (key.empty())
                return std::nullopt;
            if (key == "TUPLTYPE") {
                reader.skipLine();
                continue;
            }
            const auto value = reader.number();
            if (!value)
                return std::nullopt;
            if (key == "WIDTH")
                width = value;
            else if (key == "HEIGHT")
                height = value;
            else if (key == "DEPTH")
                header.channels = *value;
            else if (key == "MAXVAL")
                header.maxValue = *value;
        }
        if (!width || !height)
            return std::nullopt;
        reader.skipLine();
        header.size = {*width, *height};
        header.rasterOffset = reader.at();
        return header;
    }
    const auto width = reader.number();
    const auto height = reader.number();
    if (!width || !height)
        return std::nullopt;
    header.size = {*width, *height};
    header.channels = header.kind == '3' || header.kind == '6' ? 3 : 1;
    if (header.kind != '1' && header.kind != '4') {
        const auto maxValue = reader.number();
        if (!maxValue)
            return header; // the size is known; the decoder will find the rest missing
        header.maxValue = *maxValue;
    }
    reader.skipOneSpace();
    header.rasterOffset = reader.at();
    return header;
}

// The fewest raster bytes a Netpbm image of that header can have: binary samples are 1 or 2
// bytes (bitmaps 8 pixels a byte, rows padded), text samples at least one digit each. OpenCV
// allocates and fills the whole image before it finds the data missing (a 16-byte header
// declaring 16000x16000 cost half a second and 170 MB), so a short file is refused first.
std::uint64_t netpbmMinimumRasterBytes(const NetpbmHeader& header) {
    const std::uint64_t pixels = header.size.width * header.size.height;
    const std::uint64_t sampleBytes = header.maxValue > 255 ? 2 : 1;
    switch (header.kind) {
    case '4':
        return (header.size.width + 7) / 8 * header.size.height;
    case 'F':
    case 'f':
        return pixels * header.channels * 4;
    case '5':
    case '6':
    case '7':
        return pixels * header.channels * sampleBytes;
    default:
        return pixels * header.channels;
    }
}

const char* netpbmName(char kind) {
    switch (kind) {
    case '1':
    case '4':
        return "PBM";
    case '2':
    case '5':
        return "PGM";
    case '3':
    case '6':
        return "PPM";
    case '7':
        return "PAM";
    default:
        return "PFM";
    }
}

// The size a header announces, for the formats whose header is trivial to read, so that an
// absurd size is refused before the decoder allocates it. Other formats are checked after
// decoding (OpenCV itself refuses more than 2^30 pixels).
std::optional<Size2> announcedSize(const std::uint8_t* data, std::size_t size) {
    if (startsWith(data, size, "\x89PNG\r\n\x1a\n", 8) && startsWith(data, size, "IHDR", 4, 12) &&
        size >= 24)
        return Size2{io::readBigEndian32(data + 16), io::readBigEndian32(data + 20)};
    if (startsWith(data, size, "BM", 2) && size >= 26) {
        const std::uint32_t headerSize = io::readLittleEndian32(data + 14);
        if (headerSize == 12) // OS/2 BITMAPCOREHEADER: 16-bit sides
            return Size2{io::readLittleEndian16(data + 18), io::readLittleEndian16(data + 20)};
        const auto height = static_cast<std::int32_t>(io::readLittleEndian32(data + 22));
        const std::int64_t absHeight = height < 0 ? -std::int64_t{height} : height;
        return Size2{io::readLittleEndian32(data + 18), static_cast<std::uint64_t>(absHeight)};
    }
    if (startsWith(data, size, "RIFF", 4) && startsWith(data, size, "WEBP", 4, 8) && size >= 30) {
        if (startsWith(data, size, "VP8X", 4, 12))
            return Size2{io::readLittleEndian(data + 24, 3) + 1u,
                         io::readLittleEndian(data + 27, 3) + 1u};
        if (startsWith(data, size, "VP8L", 4, 12) && data[20] == 0x2f) {
            const std::uint32_t bits = io::readLittleEndian32(data + 21);
            return Size2{(bits & 0x3fff) + 1u, ((bits >> 14) & 0x3fff) + 1u};
        }
        if (startsWith(data, size, "VP8 ", 4, 12))
            return Size2{io::readLittleEndian16(data + 26) & 0x3fffu,
                         io::readLittleEndian16(data + 28) & 0x3fffu};
    }
    if (const auto netpbm = netpbmHeader(data, size))
        return netpbm->size;
    return std::nullopt;
}

// The formats whose bytes may reach cv::imdecode. OpenCV also hands bytes to decoders of
// formats no reference comes in (DICOM through GDCM, JPEG 2000, OpenEXR, Radiance HDR, Sun
// raster, ...), and Debian's GDCM aborts the whole process on a malformed file (an assert in
// gdcm::Reader; fuzzing found a 134-byte "DICM" file that took the studio down).
// OpenCV gives the bytes to the first decoder whose signature check accepts them, and for WebP
// (the header must parse) and big TIFF its checks are stricter than the magic bytes here: such
// a file that fails them falls through to the decoders after ours, two of which look at fixed
// offsets, GDCM ("DICM" at byte 128) and GDAL ("DTED" at byte 140). So those are refused unless
// a magic whose decoder accepts on the magic alone decides: PNG, BMP and classic TIFF. Netpbm
// and PFM need the space OpenCV's checks want and are kept behind the guard all the same (a
// real one with those bytes there is refused: cheaper than trusting every OpenCV version's
// check to match ours).
bool openCvMayDecode(const std::uint8_t* data, std::size_t size) {
    const bool claimedByMagic =
        startsWith(data, size, "\x89PNG\r\n\x1a\n", 8) || startsWith(data, size, "BM", 2) ||
        startsWith(data, size, "II*\0", 4) || startsWith(data, size, "MM\0*", 4);
    if (claimedByMagic)
        return true;
    if (startsWith(data, size, "DICM", 4, 128) || startsWith(data, size, "DTED", 4, 140))
        return false;
    return (startsWith(data, size, "RIFF", 4) && startsWith(data, size, "WEBP", 4, 8)) ||
           startsWith(data, size, "II+\0", 4) || startsWith(data, size, "MM\0+", 4) ||
           hasNetpbmMagic(data, size);
}

std::string sizeText(std::uint64_t width, std::uint64_t height) {
    return std::to_string(width) + "x" + std::to_string(height);
}

void checkSize(std::uint64_t width, std::uint64_t height, const std::string& name) {
    if (width == 0 || height == 0)
        throw ImageError(name + ": the image has zero size (" + sizeText(width, height) + ")");
    if (width > static_cast<std::uint64_t>(kMaxImageSide) ||
        height > static_cast<std::uint64_t>(kMaxImageSide))
        throw ImageError(name + ": the image is " + sizeText(width, height) +
                         " pixels; the largest side accepted is " + std::to_string(kMaxImageSide) +
                         " (scale it down first)");
}

// Pillow's conversions to RGB of what OpenCV decoded unchanged (BGR order, any depth).
cv::Mat toRgb8(const cv::Mat& decoded, const std::string& name) {
    const int channels = decoded.channels();
    cv::Mat eightBit;
    switch (decoded.depth()) {
    case CV_8U:
        eightBit = decoded;
        break;
    case CV_16U:
        if (channels == 1) {
            // Pillow opens 16-bit grayscale as mode "I" and its I->RGB conversion clips.
            decoded.convertTo(eightBit, CV_8U); // saturates: min(v, 255)
        } else {
            // Pillow unpacks 16-bit colour samples by keeping the most significant byte.
            eightBit.create(decoded.size(), CV_MAKETYPE(CV_8U, channels));
            for (int y = 0; y < decoded.rows; ++y) {
                const std::uint16_t* in = decoded.ptr<std::uint16_t>(y);
                std::uint8_t* out = eightBit.ptr<std::uint8_t>(y);
                for (int i = 0; i < decoded.cols * channels; ++i)
                    out[i] = static_cast<std::uint8_t>(in[i] >> 8);
            }
        }
        break;
    default:
        decoded.convertTo(eightBit, CV_8U); // float/signed data: rounded and clipped
        break;
    }
    cv::Mat rgb;
    switch (channels) {
    case 1:
        cv::cvtColor(eightBit, rgb, cv::COLOR_GRAY2RGB);
        break;
    case 3:
        cv::cvtColor(eightBit, rgb, cv::COLOR_BGR2RGB);
        break;
    case 4:
        cv::cvtColor(eightBit, rgb, cv::COLOR_BGRA2RGB); // drops alpha, as Pillow does
        break;
    default:
        throw ImageError(name + ": unsupported image with " + std::to_string(channels) +
                         " channels");
    }
    return rgb;
}

} // namespace

namespace {

constexpr const char* kUnsupportedFormat =
    ": not an image in a supported format (PNG, JPEG, WebP, BMP, TIFF, PBM/PGM/PPM, PFM)";

// What OpenCV (or our JPEG/TIFF decoders) decoded, before any depth or colour conversion.
struct Decoded {
    cv::Mat pixels;
    bool rgbOrder = false; // true: RGB (our JPEG/TIFF decoders); false: OpenCV's BGR(A)
};

Decoded decodeUnchanged(const std::uint8_t* data, std::size_t size,
                        const std::string& nameForErrors) {
    if (size == 0 || data == nullptr)
        throw ImageError(nameForErrors + ": empty file (0 bytes), not an image");
    if (detail::looksLikeJpeg(data, size))
        return {detail::decodeJpegRgb(data, size, nameForErrors, kMaxImageSide), true};
    if (size > static_cast<std::size_t>(INT_MAX))
        throw ImageError(nameForErrors + ": file too large to be decoded (" + std::to_string(size) +
                         " bytes)");
    if (const auto announced = announcedSize(data, size))
        checkSize(announced->width, announced->height, nameForErrors);
    if (const auto netpbm = netpbmHeader(data, size)) {
        const std::uint64_t needed = netpbmMinimumRasterBytes(*netpbm);
        const std::uint64_t present = size - std::min(size, netpbm->rasterOffset);
        if (present < needed)
            throw ImageError(nameForErrors + ": the image data is truncated: a " +
                             sizeText(netpbm->size.width, netpbm->size.height) + " " +
                             netpbmName(netpbm->kind) + " needs at least " +
                             std::to_string(needed) + " bytes of pixels, the file has " +
                             std::to_string(present));
    } else if (hasNetpbmMagic(data, size)) {
        // OpenCV's own header readers take more than ours (PFM's reads any text up to a space
        // as a number: "7777\x01" is 7777), so a header ours cannot read never reaches them.
        throw ImageError(nameForErrors + ": the " + netpbmName(static_cast<char>(data[1])) +
                         " header is damaged or incomplete");
    }
    if (detail::looksLikeTiff(data, size))
        if (auto rgb = detail::decodeTiffWithExtraSamples(data, size, nameForErrors, kMaxImageSide))
            return {*rgb, true};

    if (!openCvMayDecode(data, size)) {
        if (startsWith(data, size, "GIF8", 4))
            throw ImageError(nameForErrors +
                             ": GIF images are not supported; convert it to PNG first");
        throw ImageError(nameForErrors + kUnsupportedFormat);
    }
    // IMREAD_UNCHANGED: no EXIF rotation, no colour conversion by OpenCV (its 16->8 bit
    // scaling and gray weights differ from Pillow's); toRgb8 does Pillow's conversion.
    const cv::Mat encoded(1, static_cast<int>(size), CV_8U, const_cast<std::uint8_t*>(data));
    cv::Mat decoded;
    try {
        decoded = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        throw ImageError(nameForErrors + ": cannot decode image: " + e.what());
    }
    if (decoded.empty()) {
        const bool known =
            announcedSize(data, size).has_value() || detail::looksLikeTiff(data, size);
        throw ImageError(nameForErrors +
                         (known ? std::string(": the image data is truncated or corrupt")
                                : std::string(kUnsupportedFormat)));
    }
    checkSize(static_cast<std::uint64_t>(decoded.cols), static_cast<std::uint64_t>(decoded.rows),
              nameForErrors);
    // OpenCV returns PAM samples in the file's order (RGB, RGBA), unlike its other decoders.
    if (startsWith(data, size, "P7", 2) && (decoded.channels() == 3 || decoded.channels() == 4))
        cv::cvtColor(decoded, decoded,
                     decoded.channels() == 3 ? cv::COLOR_RGB2BGR : cv::COLOR_RGBA2BGRA);
    return {decoded, false};
}

std::vector<std::uint8_t> readFileBytes(const std::string& path) {
    try {
        return io::readBoundedFile(path, io::kMaxImageFileBytes, "image");
    } catch (const io::FileAccessError& error) {
        throw ImageError(error.what());
    }
}

} // namespace

cv::Mat decodeImageRgb(const std::uint8_t* data, std::size_t size,
                       const std::string& nameForErrors) {
    const Decoded decoded = decodeUnchanged(data, size, nameForErrors);
    return decoded.rgbOrder ? decoded.pixels : toRgb8(decoded.pixels, nameForErrors);
}

cv::Mat decodeImageRgb(const std::vector<std::uint8_t>& bytes, const std::string& nameForErrors) {
    return decodeImageRgb(bytes.data(), bytes.size(), nameForErrors);
}

cv::Mat readImageRgb(const std::string& path) {
    return decodeImageRgb(readFileBytes(path), path);
}

cv::Mat readImageGrayFloat(const std::string& path) {
    const std::vector<std::uint8_t> bytes = readFileBytes(path);
    return decodeImageGrayFloat(bytes.data(), bytes.size(), path);
}

cv::Mat decodeImageGrayFloat(const std::uint8_t* data, std::size_t size,
                             const std::string& nameForErrors) {
    const Decoded decoded = decodeUnchanged(data, size, nameForErrors);
    cv::Mat pixels = decoded.pixels;
    // cvtColor takes 8- and 16-bit unsigned and float samples only; a TIFF may hold signed or
    // 32-bit integers or doubles (OpenCV threw from cvtColor and the process ended).
    if (pixels.depth() != CV_8U && pixels.depth() != CV_16U && pixels.depth() != CV_32F)
        pixels.convertTo(pixels, CV_32F);
    cv::Mat gray;
    switch (pixels.channels()) {
    case 1:
        gray = pixels;
        break;
    case 3:
        cv::cvtColor(pixels, gray, decoded.rgbOrder ? cv::COLOR_RGB2GRAY : cv::COLOR_BGR2GRAY);
        break;
    case 4:
        cv::cvtColor(pixels, gray, cv::COLOR_BGRA2GRAY); // drops alpha
        break;
    default:
        throw ImageError(nameForErrors + ": unsupported image with " +
                         std::to_string(pixels.channels()) + " channels");
    }
    cv::Mat result;
    gray.convertTo(result, CV_32F);
    return result;
}

} // namespace deadiff::image
