#include "core/pipeline/metadata.h"

namespace deadiff {

io::PngText resultMetadata(const GenerationRequest& asRun) {
    return {{io::kA1111ParametersKeyword, toA1111Parameters(asRun)},
            {io::kRequestJsonKeyword, toJson(asRun)}};
}

std::optional<GenerationRequest> recordedRequest(const std::string& pngPath) {
    const std::string json = io::findPngText(io::readPngText(pngPath), io::kRequestJsonKeyword);
    if (json.empty())
        return std::nullopt;
    return requestFromJson(json, JsonStrictness::Lenient);
}

} // namespace deadiff
