// Output file names of a batch: a template such as "{index}_{seed}_{style}_{prompt:20}.png"
// filled from each image's settings, then made safe on every OS (Windows, macOS, Linux).
#pragma once

#include "core/pipeline/request.h"

#include <cstddef>
#include <string>

namespace deadiff::batch {

// What a template can refer to for one image.
struct NameFields {
    int index = 0; // 0-based; printed 1-based, zero-padded to the width of `total`
    int total = 1;
    int batchIndex = 0; // printed 1-based
    const GenerationRequest* request = nullptr;
};

// Fields: {index} {seed} {style} (style file stems joined by '+', "none" without one)
// {prompt} {mix} {image_weight} {steps} {cfg} {width} {height} {sampler} {depth} {batch_index};
// "{name:N}" keeps the first N characters (code points) of the value. Throws BatchJobError
// naming "name_template" for an unknown field or an unclosed brace. The result is sanitised
// and ends in ".png".
std::string renderFileName(const std::string& nameTemplate, const NameFields& fields);

// A file name (not a path) that every common OS accepts: characters < > : " / \ | ? * and
// control characters become '_', runs of whitespace become one '_', trailing dots and spaces
// go, Windows device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, any extension) get
// a '_' prefix, the result is at most `maxBytes` bytes of valid UTF-8 with the extension
// kept, and never empty.
std::string sanitizeFileName(const std::string& name, std::size_t maxBytes = 200);

} // namespace deadiff::batch
