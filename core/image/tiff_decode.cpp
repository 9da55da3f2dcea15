#include "core/image/tiff_decode.h"

#include "core/image/image_io.h"

#include <tiffio.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

namespace deadiff::image::detail {
namespace {

struct MemoryStream {
    const std::uint8_t* data;
    toff_t size;
    toff_t position;
};

MemoryStream* streamOf(thandle_t handle) {
    return static_cast<MemoryStream*>(handle);
}

tmsize_t readProc(thandle_t handle, void* buffer, tmsize_t count) {
    MemoryStream* s = streamOf(handle);
    if (count <= 0 || s->position >= s->size)
        return 0;
    const toff_t available = s->size - s->position;
    const toff_t n = std::min<toff_t>(available, static_cast<toff_t>(count));
    std::memcpy(buffer, s->data + s->position, static_cast<std::size_t>(n));
    s->position += n;
    return static_cast<tmsize_t>(n);
}

tmsize_t writeProc(thandle_t, void*, tmsize_t) {
    return -1;
}

toff_t seekProc(thandle_t handle, toff_t offset, int whence) {
    MemoryStream* s = streamOf(handle);
    toff_t base = 0;
    if (whence == SEEK_CUR)
        base = s->position;
    else if (whence == SEEK_END)
        base = s->size;
    // libtiff passes negative offsets as wrapped unsigned values.
    s->position = base + offset;
    return s->position;
}

int closeProc(thandle_t) {
    return 0;
}

toff_t sizeProc(thandle_t handle) {
    return streamOf(handle)->size;
}

int mapProc(thandle_t, void**, toff_t*) {
    return 0;
}

void unmapProc(thandle_t, void*, toff_t) {}

struct TiffCloser {
    void operator()(TIFF* tiff) const { TIFFClose(tiff); }
};

} // namespace

bool looksLikeTiff(const std::uint8_t* data, std::size_t size) {
    return size >= 4 &&
           ((std::memcmp(data, "II*\0", 4) == 0) || (std::memcmp(data, "MM\0*", 4) == 0) ||
            (std::memcmp(data, "II+\0", 4) == 0) || (std::memcmp(data, "MM\0+", 4) == 0));
}

std::optional<cv::Mat> decodeTiffWithExtraSamples(const std::uint8_t* data, std::size_t size,
                                                  const std::string& nameForErrors, int maxSide) {
    MemoryStream stream{data, static_cast<toff_t>(size), 0};
    std::unique_ptr<TIFF, TiffCloser> tiff(TIFFClientOpen("memory", "rm", &stream, readProc,
                                                          writeProc, seekProc, closeProc, sizeProc,
                                                          mapProc, unmapProc));
    if (!tiff)
        return std::nullopt; // let OpenCV report it

    std::uint32_t width = 0, height = 0;
    std::uint16_t bits = 0, samples = 0, planar = 0, photometric = 0, format = SAMPLEFORMAT_UINT;
    std::uint16_t extraCount = 0;
    std::uint16_t* extraTypes = nullptr;
    TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_SAMPLESPERPIXEL, &samples);
    TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetFieldDefaulted(tiff.get(), TIFFTAG_EXTRASAMPLES, &extraCount, &extraTypes);
    // Checked for every TIFF, before OpenCV (whose own limit is 2^30 pixels) allocates.
    if (width == 0 || height == 0)
        throw ImageError(nameForErrors + ": the image has zero size");
    if (width > static_cast<std::uint32_t>(maxSide) || height > static_cast<std::uint32_t>(maxSide))
        throw ImageError(nameForErrors + ": the image is " + std::to_string(width) + "x" +
                         std::to_string(height) + " pixels; the largest side accepted is " +
                         std::to_string(maxSide) + " (scale it down first)");
    if (!TIFFGetField(tiff.get(), TIFFTAG_PHOTOMETRIC, &photometric))
        return std::nullopt;

    const int colourSamples = photometric == PHOTOMETRIC_RGB          ? 3
                              : photometric == PHOTOMETRIC_MINISBLACK ? 1
                                                                      : 0;
    if (colourSamples == 0 || extraCount == 0 || samples != colourSamples + extraCount ||
        bits != 8 || planar != PLANARCONFIG_CONTIG || format != SAMPLEFORMAT_UINT ||
        TIFFIsTiled(tiff.get()))
        return std::nullopt;

    const tmsize_t lineSize = TIFFScanlineSize(tiff.get());
    if (lineSize < static_cast<tmsize_t>(width) * samples)
        throw ImageError(nameForErrors + ": corrupt TIFF (scanline size)");
    std::vector<std::uint8_t> line(static_cast<std::size_t>(lineSize));
    cv::Mat rgb(static_cast<int>(height), static_cast<int>(width), CV_8UC3);
    for (std::uint32_t y = 0; y < height; ++y) {
        if (TIFFReadScanline(tiff.get(), line.data(), y, 0) < 0)
            throw ImageError(nameForErrors + ": the image data is truncated or corrupt (TIFF row " +
                             std::to_string(y) + ")");
        std::uint8_t* out = rgb.ptr<std::uint8_t>(static_cast<int>(y));
        for (std::uint32_t x = 0; x < width; ++x) {
            const std::uint8_t* p = &line[static_cast<std::size_t>(x) * samples];
            for (int c = 0; c < 3; ++c)
                out[3 * x + c] = colourSamples == 3 ? p[c] : p[0];
        }
    }
    return rgb;
}

} // namespace deadiff::image::detail
