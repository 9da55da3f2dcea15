// What a result PNG says about how it was made: an A1111 "parameters" chunk (readable by other
// tools) and the full request as JSON. One writer for the CLI, the studio and batch export; one
// reader for the studio's drop and the batch resume. Torch-free.
#pragma once

#include "core/io/png.h"
#include "core/pipeline/request.h"

#include <optional>
#include <string>

namespace deadiff {

// The text chunks of a result made with `asRun` (the resolved request generate() returned).
io::PngText resultMetadata(const GenerationRequest& asRun);

// The request a PNG records (its JSON chunk, read leniently: keys of newer versions are
// ignored); nullopt when the file is a PNG without one. Throws std::runtime_error for a file
// that is not a readable PNG, RequestError for a chunk that is not a request.
std::optional<GenerationRequest> recordedRequest(const std::string& pngPath);

} // namespace deadiff
