// PNG files with text metadata, written through libpng so the CLI, the GUI and batch export
// share one writer. Settings travel as an A1111 "parameters" chunk and a JSON chunk of the full
// GenerationRequest (keyword kRequestJsonKeyword).
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace deadiff::io {

using PngText = std::vector<std::pair<std::string, std::string>>; // keyword, UTF-8 text

constexpr const char* kA1111ParametersKeyword = "parameters";
constexpr const char* kRequestJsonKeyword = "deadiff_request";

// `rgb`: CV_8UC3 in RGB order (or CV_8UC4 RGBA). Text chunks precede the image data; ASCII text
// goes into tEXt, anything else into UTF-8 iTXt. Atomic: a failure (disk full) leaves no file.
// Throws std::runtime_error naming the path.
void writePng(const std::string& path, const cv::Mat& rgb, const PngText& text = {});

// Text chunks (tEXt, zTXt, iTXt) that precede the image data. Throws std::runtime_error naming
// the path for a file that is not a PNG or is damaged before the image data, and
// io::FileAccessError for a path that is not a regular file (a FIFO, a device).
PngText readPngText(const std::string& path);
// The same from a file's bytes in memory; `nameForErrors` stands for it in messages.
PngText decodePngText(const std::uint8_t* data, std::size_t size, const std::string& nameForErrors);

// The value of the first chunk with `keyword`, or empty.
std::string findPngText(const PngText& text, const std::string& keyword);

} // namespace deadiff::io
