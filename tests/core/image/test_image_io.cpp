#include "core/image/image_io.h"
#include "core/io/safetensors.h"
#include "tests/core/image/image_test_util.h"
#include "tests/support/paths.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <unistd.h>

namespace deadiff::image {
namespace {

namespace fs = std::filesystem;
using testing::compareBytes;
using testing::fixture;
using testing::readExpectedRgb;

std::vector<std::uint8_t> readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Expects `action` to throw ImageError whose message contains every one of `parts`.
template <typename Action>
void expectImageError(Action action, const std::vector<std::string>& parts) {
    try {
        action();
        ADD_FAILURE() << "no ImageError thrown";
    } catch (const ImageError& e) {
        const std::string message = e.what();
        for (const auto& part : parts)
            EXPECT_NE(message.find(part), std::string::npos)
                << "message \"" << message << "\" lacks \"" << part << "\"";
    }
}

class DecodeFixture : public ::testing::TestWithParam<std::string> {};

// Expected bytes: Pillow 9.4 `Image.open(f).convert('RGB')` of the same file.
TEST_P(DecodeFixture, MatchesPillowConvertRgb) {
    const std::string file = GetParam();
    const std::string stem = file.substr(0, file.rfind('.'));
    const cv::Mat expected = readExpectedRgb(fixture("decode/" + stem + ".expected.png"));
    const cv::Mat ours = readImageRgb(fixture("decode/" + file));
    ASSERT_EQ(ours.type(), CV_8UC3);
    ASSERT_EQ(ours.size(), expected.size());
    const auto diff = compareBytes(ours, expected);
    EXPECT_EQ(diff.maxAbs, 0) << diff.mismatches << " bytes differ";
}

std::string decodeName(const ::testing::TestParamInfo<std::string>& info) {
    std::string name = info.param;
    for (char& c : name)
        if (c == '.')
            c = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(
    Formats, DecodeFixture,
    ::testing::Values("jpeg_420.jpg", "jpeg_422.jpg", "jpeg_444.jpg", "jpeg_gray.jpg",
                      "jpeg_progressive.jpg", "jpeg_cmyk.jpg", "jpeg_exif_rot90.jpg", "png_rgb.png",
                      "png_rgba.png", "png_gray.png", "png_la.png", "png_palette.png",
                      "png_palette_trns.png", "png_1bit.png", "png_exif_rot90.png", "png_rgb16.png",
                      "png_gray16.png", "webp_lossy.webp", "webp_lossless.webp", "webp_rgba.webp",
                      "bmp_rgb.bmp", "bmp_palette.bmp", "tiff_rgb.tif", "tiff_lzw_rgba.tif",
                      "tiff_gray.tif", "tiff_rgba.tif", "tiff_la.tif"),
    decodeName);

TEST(ImageIo, DecodesTheOracleJpegExactly) {
    const auto ref = io::SafetensorsFile::open(test::oracleRef("style_01.safetensors"));
    const cv::Mat expected = testing::matFromHwcTensor(ref.tensor("image_decoded_u8"));
    const cv::Mat ours = readImageRgb(test::oracleRef("style_01.jpeg"));
    ASSERT_EQ(ours.cols, 512);
    ASSERT_EQ(ours.rows, 744);
    const auto diff = compareBytes(ours, expected);
    EXPECT_EQ(diff.maxAbs, 0) << diff.mismatches << " bytes differ";
}

TEST(ImageIo, BytesAndPathGiveTheSameImage) {
    const std::string path = fixture("decode/webp_lossy.webp");
    const cv::Mat fromPath = readImageRgb(path);
    const cv::Mat fromBytes = decodeImageRgb(readBytes(path), "memory");
    EXPECT_EQ(compareBytes(fromPath, fromBytes).maxAbs, 0);
}

class ImageIoErrors : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff-image-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::vector<std::uint8_t>& bytes) {
        const std::string path = (dir_ / name).string();
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()));
        return path;
    }
    std::string write(const std::string& name, const std::string& text) {
        return write(name, std::vector<std::uint8_t>(text.begin(), text.end()));
    }

    fs::path dir_;
};

TEST_F(ImageIoErrors, MissingFile) {
    const std::string path = (dir_ / "absent.png").string();
    expectImageError([&] { readImageRgb(path); }, {path, "no such file"});
}

TEST_F(ImageIoErrors, Directory) {
    expectImageError([&] { readImageRgb(dir_.string()); }, {dir_.string(), "a folder"});
}

TEST_F(ImageIoErrors, EmptyFile) {
    const std::string path = write("empty.jpg", std::string());
    expectImageError([&] { readImageRgb(path); }, {path, "empty file"});
}

TEST_F(ImageIoErrors, TextIsNotAnImage) {
    const std::string path = write("notes.png", "this is text, not a picture\n");
    expectImageError([&] { readImageRgb(path); }, {path, "not an image"});
    expectImageError([&] { decodeImageRgb(std::vector<std::uint8_t>(300, 0x42), "blob"); },
                     {"blob", "not an image"});
}

TEST_F(ImageIoErrors, TruncatedJpeg) {
    auto bytes = readBytes(test::oracleRef("style_01.jpeg"));
    bytes.resize(bytes.size() / 2);
    const std::string path = write("half.jpeg", bytes);
    expectImageError([&] { readImageRgb(path); }, {path, "truncated"});
}

TEST_F(ImageIoErrors, JpegHeaderOnlyIsTruncated) {
    auto bytes = readBytes(test::oracleRef("style_01.jpeg"));
    bytes.resize(40);
    const std::string path = write("stub.jpeg", bytes);
    expectImageError([&] { readImageRgb(path); }, {path, "JPEG"});
}

TEST_F(ImageIoErrors, CorruptJpeg) {
    auto bytes = readBytes(test::oracleRef("style_01.jpeg"));
    // A 12-bit sample precision in the frame header: not decodable by the 8-bit libjpeg.
    std::size_t sof = 0;
    for (std::size_t i = 2; i + 1 < bytes.size(); ++i)
        if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {
            sof = i;
            break;
        }
    ASSERT_NE(sof, 0u);
    bytes[sof + 4] = 12;
    const std::string path = write("corrupt.jpeg", bytes);
    expectImageError([&] { readImageRgb(path); }, {path, "cannot decode JPEG", "precision"});
}

class TruncatedFormat : public ImageIoErrors, public ::testing::WithParamInterface<std::string> {};

// Pillow raises "image file is truncated" for all of these; so must we (never a padded image).
TEST_P(TruncatedFormat, IsAnError) {
    const auto bytes = readBytes(fixture("decode/" + GetParam()));
    for (const double fraction : {0.9, 0.5}) {
        const std::vector<std::uint8_t> cut(
            bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() * fraction));
        const std::string path = write("cut_" + GetParam(), cut);
        expectImageError([&] { readImageRgb(path); }, {path, "truncated"});
    }
}

INSTANTIATE_TEST_SUITE_P(Formats, TruncatedFormat,
                         ::testing::Values("jpeg_420.jpg", "jpeg_progressive.jpg", "png_rgb.png",
                                           "webp_lossy.webp", "webp_lossless.webp", "bmp_rgb.bmp",
                                           "tiff_rgb.tif", "tiff_lzw_rgba.tif", "tiff_rgba.tif"),
                         decodeName);

TEST_F(ImageIoErrors, TruncatedPng) {
    auto bytes = readBytes(fixture("decode/png_rgb.png"));
    bytes.resize(bytes.size() * 2 / 3);
    const std::string path = write("cut.png", bytes);
    expectImageError([&] { readImageRgb(path); }, {path, "truncated or corrupt"});
}

// An IHDR announcing 20000x20000 (1.2 GB) is refused before anything is allocated.
TEST_F(ImageIoErrors, AbsurdPngSizeRefused) {
    auto bytes = readBytes(fixture("decode/png_rgb.png"));
    ASSERT_GT(bytes.size(), 24u);
    const std::uint8_t big[4] = {0x00, 0x00, 0x4E, 0x20}; // 20000, big-endian
    std::copy(big, big + 4, bytes.begin() + 16);
    std::copy(big, big + 4, bytes.begin() + 20);
    const std::string path = write("huge.png", bytes);
    expectImageError([&] { readImageRgb(path); }, {path, "20000x20000", "16384"});
}

TEST_F(ImageIoErrors, AbsurdJpegSizeRefused) {
    auto bytes = readBytes(test::oracleRef("style_01.jpeg"));
    // Find the SOF0 marker and announce 40000 rows.
    std::size_t sof = 0;
    for (std::size_t i = 2; i + 1 < bytes.size(); ++i)
        if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {
            sof = i;
            break;
        }
    ASSERT_NE(sof, 0u);
    bytes[sof + 5] = 0x9C; // height = 0x9C40 = 40000
    bytes[sof + 6] = 0x40;
    const std::string path = write("tall.jpeg", bytes);
    expectImageError([&] { readImageRgb(path); }, {path, "512x40000", "16384"});
}

// A JPEG whose data cannot fill the size it declares is refused before decoding: fuzzing found
// this 294-byte CMYK file declaring 8237x7936 pixels, which libjpeg decoded whole (gray fill),
// 65 Mpx for a few hundred bytes. A real flat image that compresses very well still decodes.
TEST_F(ImageIoErrors, JpegDeclaringFarMoreThanItsDataCanFillIsRefused) {
    const std::vector<std::uint8_t> bomb = {
        0xff, 0xd8, 0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00,
        0x00, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x03, 0x02, 0x02, 0x03, 0x02, 0x02, 0x03,
        0x03, 0x03, 0x03, 0x04, 0x03, 0x03, 0x04, 0x05, 0x08, 0x05, 0x05, 0x04, 0x04, 0x05, 0x52,
        0x49, 0x46, 0x46, 0x0a, 0x07, 0x07, 0x06, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0,
        0x08, 0x0c, 0x0a, 0x0c, 0x0c, 0x0b, 0x0a, 0x0b, 0x0b, 0x0d, 0x0e, 0x12, 0x10, 0x0d, 0x0e,
        0x11, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0,
        0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0,
        0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0,
        0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0,
        0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0,
        0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0xd0, 0x0e, 0x0b,
        0x10, 0x10, 0x16, 0x11, 0x15, 0x13, 0x0b, 0x94, 0x15, 0x15, 0x0c, 0x0f, 0x17, 0x18, 0x16,
        0x14, 0x18, 0x12, 0x14, 0x15, 0x14, 0xff, 0xc0, 0x00, 0x14, 0x08, 0x1f, 0x00, 0x20, 0x2d,
        0x04, 0x43, 0x11, 0x00, 0x4d, 0x11, 0x00, 0x59, 0x11, 0x00, 0x4b, 0x11, 0x00, 0xd9, 0xda,
        0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5,
        0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xda, 0x00, 0x0e, 0x04, 0x43, 0x00, 0x4d, 0x00, 0x59,
        0x00, 0x4b, 0x00, 0x00, 0x3f, 0x00, 0xfc, 0xd5, 0xf0, 0xdb, 0x11, 0x77, 0x0b, 0xce, 0x0c,
        0x18, 0xe7, 0x3f, 0xda, 0x84, 0xe0, 0x64, 0x9c, 0x7b, 0xe3, 0xbf, 0x3f, 0xa7, 0x39, 0xde,
        0x2c, 0xfd, 0x91, 0xb5, 0xcd, 0x55, 0x2c, 0x8f, 0xc2, 0x5f, 0x14, 0x2c, 0xb7, 0x61, 0xa3,
        0xa6, 0x9e, 0x5c, 0xaf, 0x3c, 0xe6, 0x8a, 0xff, 0xd9,
    };
    ASSERT_EQ(bomb.size(), 294u);
    expectImageError([&] { decodeImageRgb(bomb, "bomb.jpg"); },
                     {"bomb.jpg", "8237x7936", "294 bytes", "too little data"});
    expectImageError([&] { decodeImageGrayFloat(bomb.data(), bomb.size(), "bomb.jpg"); },
                     {"bomb.jpg", "8237x7936"});

    std::vector<std::uint8_t> flat;
    ASSERT_TRUE(cv::imencode(".jpg", cv::Mat(2048, 2048, CV_8UC3, cv::Scalar(128, 128, 128)), flat,
                             {cv::IMWRITE_JPEG_QUALITY, 50}));
    const cv::Mat decoded = decodeImageRgb(flat, "flat.jpg");
    EXPECT_EQ(decoded.cols, 2048);
    EXPECT_EQ(decoded.rows, 2048);
}

// Found by fuzzing: OpenCV hands a file with "DICM" at byte 128 to GDCM, whose reader asserts
// (abort: the whole studio) on this one. Formats no reference comes in never reach OpenCV.
TEST_F(ImageIoErrors, FormatsOutsideTheSupportedOnesNeverReachOpenCv) {
    std::vector<std::uint8_t> dicom = {'6', '6', '#', ' ', 0x10};
    dicom.resize(128, '\n');
    for (const char c : std::string("DICM4"))
        dicom.push_back(static_cast<std::uint8_t>(c));
    dicom.push_back(0);
    ASSERT_EQ(dicom.size(), 134u);
    expectImageError([&] { decodeImageRgb(dicom, "scan.dcm"); },
                     {"scan.dcm", "not an image in a supported format", "PFM"});
    expectImageError([&] { decodeImageGrayFloat(dicom.data(), dicom.size(), "scan.dcm"); },
                     {"scan.dcm", "not an image in a supported format"});
    // The same DICOM tail behind the start of a supported format that OpenCV's own signature
    // check refuses (a WebP header that does not parse, a Netpbm magic without its space),
    // so OpenCV would pass it on to GDCM (fuzzing found the "P6" one); and GDAL's DTED mark.
    const auto disguised = [](const std::string& start, std::size_t at, const std::string& mark) {
        std::vector<std::uint8_t> bytes(start.begin(), start.end());
        bytes.resize(at, '\n');
        bytes.insert(bytes.end(), mark.begin(), mark.end());
        return bytes;
    };
    for (const std::string& start :
         {std::string("P69 I05\n"), std::string("P7x"), std::string("RIFF\x10\0\0\0WEBPXXXX", 16),
          std::string("II+\0", 4), std::string("Pf\n2 1\n-1.0\n")}) {
        expectImageError(
            [&] { decodeImageRgb(disguised(start, 128, std::string("DICM4\0", 6)), "x.dcm"); },
            {"x.dcm", "not an image in a supported format"});
        expectImageError(
            [&] { decodeImageRgb(disguised(start, 140, std::string("DTED", 4)), "x.dt0"); },
            {"x.dt0", "not an image in a supported format"});
    }
    // A real BMP whose pixels happen to hold those bytes is BMP's by its magic and decodes.
    std::vector<std::uint8_t> bmp;
    ASSERT_TRUE(cv::imencode(".bmp", cv::Mat(8, 16, CV_8UC3, cv::Scalar(1, 2, 3)), bmp));
    ASSERT_GT(bmp.size(), 200u);
    std::copy_n("DICM", 4, bmp.begin() + 128);
    std::copy_n("DTED", 4, bmp.begin() + 140);
    EXPECT_EQ(decodeImageRgb(bmp, "dicm.bmp").size(), cv::Size(16, 8));
    // Radiance HDR and Sun raster, which OpenCV would decode: refused by name too.
    for (const std::string& text :
         {std::string("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n"),
          std::string("\x59\xa6\x6a\x95") + std::string(40, '\0')})
        expectImageError(
            [&] { decodeImageRgb(std::vector<std::uint8_t>(text.begin(), text.end()), "other"); },
            {"other", "not an image in a supported format"});
    // What is supported still decodes: a PFM depth map (MiDaS writes them) and a PAM.
    const std::string pfm = std::string("Pf\n2 1\n-1.0\n") + std::string(8, '\0');
    const cv::Mat depth = decodeImageGrayFloat(reinterpret_cast<const std::uint8_t*>(pfm.data()),
                                               pfm.size(), "depth.pfm");
    EXPECT_EQ(depth.cols, 2);
    EXPECT_EQ(depth.rows, 1);
}

TEST_F(ImageIoErrors, AbsurdTiffAndPpmSizesRefused) {
    // A gray TIFF whose IFD announces 100000 x 8 (one strip, data absent): refused from the
    // tags, before anything reads or allocates the pixels.
    std::vector<std::uint8_t> tiff = {'I', 'I', 42, 0, 8, 0, 0, 0, 8, 0};
    auto entry = [&](std::uint16_t tag, std::uint16_t type, std::uint32_t value) {
        const std::uint8_t bytes[12] = {static_cast<std::uint8_t>(tag),
                                        static_cast<std::uint8_t>(tag >> 8),
                                        static_cast<std::uint8_t>(type),
                                        0,
                                        1,
                                        0,
                                        0,
                                        0,
                                        static_cast<std::uint8_t>(value),
                                        static_cast<std::uint8_t>(value >> 8),
                                        static_cast<std::uint8_t>(value >> 16),
                                        static_cast<std::uint8_t>(value >> 24)};
        tiff.insert(tiff.end(), bytes, bytes + 12);
    };
    entry(256, 4, 100000); // ImageWidth, LONG
    entry(257, 4, 8);      // ImageLength
    entry(258, 3, 8);      // BitsPerSample, SHORT
    entry(262, 3, 1);      // PhotometricInterpretation: black is zero
    entry(273, 4, 200);    // StripOffsets
    entry(277, 3, 1);      // SamplesPerPixel
    entry(278, 4, 8);      // RowsPerStrip
    entry(279, 4, 800000); // StripByteCounts
    tiff.insert(tiff.end(), {0, 0, 0, 0});
    const std::string tiffPath = write("wide.tif", tiff);
    expectImageError([&] { readImageRgb(tiffPath); }, {tiffPath, "100000x8", "16384"});

    const std::string ppmPath = write("big.ppm", "P6\n# comment\n32768 32768\n255\n\x01\x02\x03");
    expectImageError([&] { readImageRgb(ppmPath); }, {ppmPath, "32768x32768", "16384"});
    // PAM states its size in "KEY value" lines; checked before decoding as well.
    const std::string pamPath =
        write("big.pam", "P7\nWIDTH 20000\nHEIGHT 20\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n");
    expectImageError([&] { readImageRgb(pamPath); }, {pamPath, "20000x20", "16384"});
}

std::string repeat(const std::string& text, int times) {
    std::string out;
    for (int i = 0; i < times; ++i)
        out += text;
    return out;
}

// A Netpbm header alone made OpenCV allocate and fill the whole declared image before it found
// the pixels missing; a file shorter than its raster is refused from the header, with the
// numbers. The smallest raster: bitmaps 8 pixels a byte with rows padded, binary samples 1 or 2
// bytes, text samples one digit.
TEST_F(ImageIoErrors, NetpbmFilesShorterThanTheirPixelsRefusedFromTheHeader) {
    struct Case {
        std::string name, header;
        std::size_t rasterBytes; // what the file carries after the header
        std::string neededText;
    };
    const std::vector<Case> cases = {
        {"bits.pbm", "P4\n# 16000 x 16000 bitmap\n16000 16000\n", 0, "needs at least 32000000"},
        {"gray.pgm", "P5\n16000 16000\n255\n", 0, "needs at least 256000000"},
        {"deep.pgm", "P5 10 10 65535\n", 199, "needs at least 200"},
        {"rgb.ppm", "P6\n10 10\n255\n", 299, "needs at least 300"},
        {"text.pbm", "P1\n10 10\n", 99, "needs at least 100"},
        {"text.ppm", "P3\n10 10\n255\n", 299, "needs at least 300"},
        {"odd.pbm", "P4\n10 2\n", 3, "needs at least 4"}, // rows of 10 bits take 2 bytes
        {"float.pfm", "Pf\n2 1\n-1.0\n", 7, "needs at least 8"},
        {"rgb.pfm", "PF\n10 10\n-1\n", 1199, "needs at least 1200"},
        {"rgba.pam", "P7\nWIDTH 10\nHEIGHT 10\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n",
         399, "needs at least 400"},
    };
    for (const Case& c : cases) {
        const std::string path = write(c.name, c.header + std::string(c.rasterBytes, '1'));
        expectImageError(
            [&] { readImageRgb(path); },
            {path, "truncated", c.neededText, "the file has " + std::to_string(c.rasterBytes)});
    }
    // Files with their pixels decode (a binary raster of exactly the bound is complete).
    const cv::Mat pgm =
        readImageRgb(write("deep_ok.pgm", "P5 10 10 65535\n" + std::string(200, '\x80')));
    EXPECT_EQ(pgm.size(), cv::Size(10, 10));
    const cv::Mat odd = readImageRgb(write("odd_ok.pbm", "P4\n10 2\n" + std::string(4, '\xf0')));
    EXPECT_EQ(odd.size(), cv::Size(10, 2));
    const cv::Mat pbm = readImageRgb(write("text_ok.pbm", "P1\n10 10\n" + repeat("1 ", 100)));
    EXPECT_EQ(pbm.size(), cv::Size(10, 10));
    const cv::Mat pam =
        readImageRgb(write("rgba_ok.pam", "P7\nWIDTH 10\nHEIGHT 10\nDEPTH 4\nMAXVAL 255\nTUPLTYPE "
                                          "RGB_ALPHA\nENDHDR\n" +
                                              std::string(400, '\x40')));
    EXPECT_EQ(pam.size(), cv::Size(10, 10));
    EXPECT_EQ(pam.at<cv::Vec3b>(3, 3), cv::Vec3b(0x40, 0x40, 0x40));
}

// Netpbm comments end at a carriage return as well as a newline, and PAM headers may carry
// comment lines: such headers are read as OpenCV reads them, so their size is checked before
// decoding and valid files still decode. PFM headers are checked the same way.
TEST_F(ImageIoErrors, NetpbmHeadersWithCarriageReturnsCommentsAndPfmSizesAreRead) {
    const std::string crBomb = write("cr.pgm", std::string("P5\r#\r30000 30000\r255\r"));
    expectImageError([&] { readImageRgb(crBomb); }, {crBomb, "30000x30000", "16384"});
    const std::string pfmBomb = write("big.pfm", std::string("PF\n30000 30000\n-1\n"));
    expectImageError([&] { readImageRgb(pfmBomb); }, {pfmBomb, "30000x30000", "16384"});
    // OpenCV's PFM reader takes "7777\x01" for 7777 (and so 7777x77777: 2.4 GB); ours cannot
    // read such a header, and what it cannot read is refused, not handed on (found by fuzzing).
    const std::string damaged =
        write("damaged.pfm", std::string("Pf\n7777\x01\n77777\n7777\x01\n") + std::string(64, '7'));
    expectImageError([&] { readImageRgb(damaged); }, {damaged, "PFM header is damaged"});

    const cv::Mat cr = readImageRgb(write("cr_ok.pgm", std::string("P5\r#\r4 1\r255\r\n9 9")));
    EXPECT_EQ(cr.size(), cv::Size(4, 1));
    EXPECT_EQ(cr.at<cv::Vec3b>(0, 1), cv::Vec3b('9', '9', '9'));
    const cv::Mat pam = readImageRgb(
        write("commented.pam", "P7\n# written by hand\nWIDTH 2\nHEIGHT 1\nDEPTH 3\nMAXVAL "
                               "255\n# two pixels\nTUPLTYPE RGB\nENDHDR\n" +
                                   std::string("\x01\x02\x03\x04\x05\x06", 6)));
    EXPECT_EQ(pam.size(), cv::Size(2, 1));
    EXPECT_EQ(pam.at<cv::Vec3b>(0, 1), cv::Vec3b(4, 5, 6));
}

// Netpbm samples are stored red first; OpenCV hands back PPM and PFM as BGR but PAM in file
// order, and every one must come out as the file's RGB (alpha dropped).
TEST_F(ImageIoErrors, NetpbmAndPfmColoursKeepTheirOrder) {
    const std::string rgb("\x04\x05\x06", 3);
    EXPECT_EQ(readImageRgb(write("p.ppm", "P6\n1 1\n255\n" + rgb)).at<cv::Vec3b>(0, 0),
              cv::Vec3b(4, 5, 6));
    EXPECT_EQ(readImageRgb(write("p.pam", "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 3\nMAXVAL 255\nTUPLTYPE "
                                          "RGB\nENDHDR\n" +
                                              rgb))
                  .at<cv::Vec3b>(0, 0),
              cv::Vec3b(4, 5, 6));
    EXPECT_EQ(readImageRgb(write("pa.pam", "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 4\nMAXVAL "
                                           "255\nTUPLTYPE RGB_ALPHA\nENDHDR\n" +
                                               rgb + "\x07"))
                  .at<cv::Vec3b>(0, 0),
              cv::Vec3b(4, 5, 6));
    const float floats[3] = {4.0f, 5.0f, 6.0f}; // little endian: negative scale
    EXPECT_EQ(readImageRgb(write("p.pfm", "PF\n1 1\n-1.0\n" +
                                              std::string(reinterpret_cast<const char*>(floats),
                                                          sizeof floats)))
                  .at<cv::Vec3b>(0, 0),
              cv::Vec3b(4, 5, 6));
}

// Damaged files of every format either decode to some RGB image or throw ImageError: no
// other exception, no crash, no huge allocation (run under the asan preset to see more).
TEST(ImageIoRobustness, MutatedFilesDecodeOrThrowImageError) {
    std::mt19937 rng(2024);
    int decoded = 0, refused = 0;
    for (const char* name :
         {"jpeg_420.jpg", "jpeg_progressive.jpg", "jpeg_cmyk.jpg", "png_rgba.png",
          "png_palette.png", "webp_lossy.webp", "webp_lossless.webp", "bmp_palette.bmp",
          "tiff_lzw_rgba.tif", "tiff_rgb.tif"}) {
        const auto original = readBytes(fixture(std::string("decode/") + name));
        ASSERT_FALSE(original.empty()) << name;
        for (int trial = 0; trial < 40; ++trial) {
            auto bytes = original;
            const std::size_t span =
                trial % 2 == 0 ? std::min<std::size_t>(bytes.size(), 96) : bytes.size();
            const int changes = 1 + static_cast<int>(rng() % 6);
            for (int i = 0; i < changes; ++i)
                bytes[rng() % span] = static_cast<std::uint8_t>(rng());
            if (trial % 5 == 4)
                bytes.resize(1 + rng() % bytes.size());
            try {
                const cv::Mat rgb = decodeImageRgb(bytes, name);
                EXPECT_EQ(rgb.type(), CV_8UC3) << name << " trial " << trial;
                EXPECT_LE(rgb.cols, kMaxImageSide);
                EXPECT_LE(rgb.rows, kMaxImageSide);
                ++decoded;
            } catch (const ImageError& e) {
                EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
                ++refused;
            }
        }
    }
    EXPECT_GT(refused, 0);
    EXPECT_GT(decoded, 0);
}

TEST_F(ImageIoErrors, GifIsNamedAsUnsupported) {
    // A 1x1 GIF89a (header, logical screen, 2-colour table, image descriptor, LZW data).
    const std::vector<std::uint8_t> gif = {'G',  'I',  'F',  '8',  '9',  'a',  0x01, 0x00, 0x01,
                                           0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
                                           0xff, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
                                           0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
    const std::string path = write("dot.gif", gif);
    expectImageError([&] { readImageRgb(path); }, {path, "GIF"});
}

} // namespace
} // namespace deadiff::image
