// What the studio and batch resume read from a PNG: its text chunks (tEXt, zTXt, iTXt through
// libpng, `parameters` and `deadiff_request` among them), then the request JSON as the
// "restore settings" drop does (lenient), validated and written back out. Any input must give
// text chunks or a std::runtime_error, and a request or a RequestError.
#include "core/io/png.h"
#include "core/pipeline/request.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace deadiff;
    io::PngText text;
    try {
        text = io::decodePngText(data, size, "fuzz.png");
    } catch (const std::runtime_error&) {
        return 0;
    }
    for (const auto& [keyword, value] : text) {
        if (keyword != io::kRequestJsonKeyword && keyword != io::kA1111ParametersKeyword)
            continue;
        try {
            const GenerationRequest request = requestFromJson(value, JsonStrictness::Lenient);
            // What we write back must read back to itself (writing resolves the mode, so the
            // first round may change it; after that nothing may change).
            const std::string json = toJson(request);
            if (toJson(requestFromJson(json, JsonStrictness::Lenient)) != json)
                std::abort();
            (void)toA1111Parameters(request);
            validate(request);
        } catch (const RequestError&) {
        }
    }
    return 0;
}
