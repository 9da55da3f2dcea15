#include "core/image/jpeg_decode.h"

#include "core/image/image_io.h"

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <vector>

// jpeglib.h needs FILE and size_t declared first.
#include <jerror.h>
#include <jpeglib.h>

namespace deadiff::image::detail {
namespace {

// Everything the setjmp-protected code touches lives here, reached through a pointer, so
// nothing in a register is stale after a longjmp.
struct JpegJob;

// libjpeg hands callbacks only its jpeg_error_mgr; the bridge (standard layout, manager
// first) leads back to the job.
struct ErrorBridge {
    jpeg_error_mgr manager;
    JpegJob* job;
};

struct JpegJob {
    jpeg_decompress_struct cinfo{};
    ErrorBridge errorBridge{};
    std::jmp_buf jumpBuffer{};
    std::string error;
    bool truncated = false;
    cv::Mat result;
    std::vector<JSAMPLE> row;
};

JpegJob* jobOf(j_common_ptr cinfo) {
    return reinterpret_cast<ErrorBridge*>(cinfo->err)->job;
}

[[noreturn]] void onFatalError(j_common_ptr cinfo) {
    JpegJob* job = jobOf(cinfo);
    char text[JMSG_LENGTH_MAX] = {};
    (*cinfo->err->format_message)(cinfo, text);
    job->error = text;
    std::longjmp(job->jumpBuffer, 1);
}

// Pillow ignores libjpeg's corrupt-data warnings but fails on data that ends early
// ("image file is truncated"); libjpeg reports that as JWRN_JPEG_EOF and pads with gray.
void onMessage(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        JpegJob* job = jobOf(cinfo);
        job->truncated = true;
        job->error = "the data ends before the image does (truncated file)";
        std::longjmp(job->jumpBuffer, 1);
    }
}

// The least coded data a real JPEG can hold is about one bit per 8x8 block; 64 times less
// still passes (margin for arithmetic coding), anything below is refused unread.
constexpr std::uint64_t kBlocksPerCodedBitAllowed = 64;

// Pillow's "CMYK;I" unpacking (Adobe-inverted samples) followed by its cmyk2rgb.
inline std::uint8_t cmykChannelToRgb(int inverted, int invertedBlack) {
    const int c = 255 - inverted;
    const int nk = invertedBlack; // 255 - k, with k = 255 - invertedBlack
    const int product = c * nk + 128;
    const int scaled = ((product >> 8) + product) >> 8;
    const int value = nk - scaled;
    return static_cast<std::uint8_t>(value < 0 ? 0 : (value > 255 ? 255 : value));
}

// Returns false with job->error set; all libjpeg calls happen here.
bool decodeInto(JpegJob* job, const std::uint8_t* data, std::size_t size, int maxSide) {
    jpeg_decompress_struct* cinfo = &job->cinfo;
    job->errorBridge.job = job;
    cinfo->err = jpeg_std_error(&job->errorBridge.manager);
    job->errorBridge.manager.error_exit = onFatalError;
    job->errorBridge.manager.emit_message = onMessage;
    if (setjmp(job->jumpBuffer) != 0) {
        jpeg_destroy_decompress(cinfo);
        return false;
    }
    jpeg_create_decompress(cinfo);
    jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
    jpeg_read_header(cinfo, TRUE);
    if (cinfo->image_width == 0 || cinfo->image_height == 0) {
        job->error = "the image has zero size";
        jpeg_destroy_decompress(cinfo);
        return false;
    }
    if (cinfo->image_width > static_cast<JDIMENSION>(maxSide) ||
        cinfo->image_height > static_cast<JDIMENSION>(maxSide)) {
        job->error = "the image is " + std::to_string(cinfo->image_width) + "x" +
                     std::to_string(cinfo->image_height) +
                     " pixels; the largest side accepted is " + std::to_string(maxSide);
        jpeg_destroy_decompress(cinfo);
        return false;
    }
    // Every 8x8 block costs at least one bit of coded data (its DC difference, in baseline and
    // progressive files alike). A file with far less than that declares a size its data cannot
    // fill: libjpeg would decode it all the same, painting the rest gray, so a few hundred
    // bytes could cost a 16384-px decode (fuzzing found a 294-byte file declaring 8237x7936).
    const std::uint64_t blocks = ((std::uint64_t{cinfo->image_width} + 7) / 8) *
                                 ((std::uint64_t{cinfo->image_height} + 7) / 8);
    if (std::uint64_t{size} * 8 * kBlocksPerCodedBitAllowed < blocks) {
        job->error = "the file declares " + std::to_string(cinfo->image_width) + "x" +
                     std::to_string(cinfo->image_height) + " pixels in only " +
                     std::to_string(size) +
                     " bytes, far too little data for that size (a damaged file or a "
                     "decompression bomb)";
        jpeg_destroy_decompress(cinfo);
        return false;
    }
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo->out_color_space = JCS_CMYK;
        break;
    default:
        cinfo->out_color_space = JCS_RGB;
        break;
    }
    // libjpeg's defaults, which Pillow keeps outside draft mode; set so nothing depends on them.
    cinfo->dct_method = JDCT_ISLOW;
    cinfo->do_fancy_upsampling = TRUE;
    cinfo->scale_num = 1;
    cinfo->scale_denom = 1;
    jpeg_start_decompress(cinfo);

    const int width = static_cast<int>(cinfo->output_width);
    const int height = static_cast<int>(cinfo->output_height);
    const int components = cinfo->output_components;
    job->result.create(height, width, CV_8UC3);
    job->row.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(components));
    while (cinfo->output_scanline < cinfo->output_height) {
        const int y = static_cast<int>(cinfo->output_scanline);
        std::uint8_t* out = job->result.ptr<std::uint8_t>(y);
        JSAMPROW target = components == 3 ? out : job->row.data();
        jpeg_read_scanlines(cinfo, &target, 1);
        if (components == 1) {
            for (int x = 0; x < width; ++x)
                out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = job->row[x];
        } else if (components == 4) {
            for (int x = 0; x < width; ++x) {
                const JSAMPLE* p = &job->row[4 * static_cast<std::size_t>(x)];
                for (int c = 0; c < 3; ++c)
                    out[3 * x + c] = cmykChannelToRgb(p[c], p[3]);
            }
        }
    }
    jpeg_finish_decompress(cinfo);
    jpeg_destroy_decompress(cinfo);
    return true;
}

} // namespace

bool looksLikeJpeg(const std::uint8_t* data, std::size_t size) {
    return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

cv::Mat decodeJpegRgb(const std::uint8_t* data, std::size_t size, const std::string& nameForErrors,
                      int maxSide) {
    JpegJob job;
    if (!decodeInto(&job, data, size, maxSide)) {
        if (job.truncated)
            throw ImageError(nameForErrors + ": JPEG image is truncated: " + job.error);
        throw ImageError(nameForErrors + ": cannot decode JPEG image: " + job.error);
    }
    return job.result;
}

} // namespace deadiff::image::detail
