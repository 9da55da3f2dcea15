#include "core/batch/file_names.h"

#include "core/batch/batch_job.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <iomanip>
#include <sstream>

namespace deadiff::batch {
namespace {

std::string number(double value) {
    std::ostringstream text;
    text << std::setprecision(6) << value;
    return text.str();
}

bool isContinuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

// The first `count` code points of UTF-8 text.
std::string firstCodePoints(const std::string& text, std::size_t count) {
    std::size_t i = 0;
    for (std::size_t seen = 0; i < text.size() && seen < count; ++seen) {
        ++i;
        while (i < text.size() && isContinuation(static_cast<unsigned char>(text[i])))
            ++i;
    }
    return text.substr(0, i);
}

// At most `bytes` bytes, cut at a code point boundary.
std::string firstBytes(const std::string& text, std::size_t bytes) {
    if (text.size() <= bytes)
        return text;
    std::size_t end = bytes;
    while (end > 0 && isContinuation(static_cast<unsigned char>(text[end])))
        --end;
    return text.substr(0, end);
}

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

bool isWindowsDeviceName(const std::string& stem) {
    const std::string name = upper(stem);
    static const std::array<const char*, 4> fixed = {"CON", "PRN", "AUX", "NUL"};
    for (const char* device : fixed)
        if (name == device)
            return true;
    return name.size() == 4 && (name.compare(0, 3, "COM") == 0 || name.compare(0, 3, "LPT") == 0) &&
           name[3] >= '1' && name[3] <= '9';
}

std::string fieldValue(const std::string& field, const NameFields& f) {
    const GenerationRequest& r = *f.request;
    if (field == "index") {
        const int width = static_cast<int>(std::to_string(std::max(1, f.total)).size());
        std::ostringstream text;
        text << std::setw(width) << std::setfill('0') << f.index + 1;
        return text.str();
    }
    if (field == "batch_index")
        return std::to_string(f.batchIndex + 1);
    if (field == "seed")
        return r.seed ? std::to_string(*r.seed) : "random";
    if (field == "style") {
        std::string styles;
        for (const StyleReference& style : r.styles)
            styles +=
                (styles.empty() ? "" : "+") + std::filesystem::path(style.path).stem().string();
        return styles.empty() ? "none" : styles;
    }
    if (field == "prompt")
        return r.prompt;
    if (field == "mix")
        return r.mix ? number(*r.mix) : "none";
    if (field == "image_weight")
        return number(r.imageWeight);
    if (field == "steps")
        return std::to_string(r.steps);
    if (field == "cfg")
        return number(r.cfg);
    if (field == "width")
        return std::to_string(r.width);
    if (field == "height")
        return std::to_string(r.height);
    if (field == "sampler")
        return nameOf(r.sampler);
    if (field == "depth" || field == "hint")
        return r.controls.empty()
                   ? "none"
                   : std::filesystem::path(control::hintSource(r.controls.front())).stem().string();
    throw BatchJobError("'name_template' has an unknown field {" + field +
                        "} (known: index, seed, style, prompt, mix, image_weight, steps, cfg, "
                        "width, height, sampler, depth, hint, batch_index)");
}

} // namespace

std::string renderFileName(const std::string& nameTemplate, const NameFields& fields) {
    std::string name;
    for (std::size_t i = 0; i < nameTemplate.size(); ++i) {
        const char c = nameTemplate[i];
        if (c == '}')
            throw BatchJobError("'name_template' has a '}' without '{'");
        if (c != '{') {
            name += c;
            continue;
        }
        const std::size_t close = nameTemplate.find('}', i);
        if (close == std::string::npos)
            throw BatchJobError("'name_template' has a '{' without '}'");
        std::string field = nameTemplate.substr(i + 1, close - i - 1);
        std::size_t limit = std::string::npos;
        if (const std::size_t colon = field.find(':'); colon != std::string::npos) {
            const std::string digits = field.substr(colon + 1);
            if (digits.empty() || digits.size() > 4 ||
                !std::all_of(digits.begin(), digits.end(),
                             [](unsigned char d) { return std::isdigit(d); }))
                throw BatchJobError("'name_template' field {" + field +
                                    "}: the length after ':' must be a number");
            limit = std::stoul(digits);
            field = field.substr(0, colon);
        }
        std::string value = fieldValue(field, fields);
        if (limit != std::string::npos)
            value = firstCodePoints(value, limit);
        name += value;
        i = close;
    }
    // The extension is ours: PNG data gets a .png name whatever the template says.
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (lower.size() < 4 || lower.compare(lower.size() - 4, 4, ".png") != 0)
        name += ".png";
    else
        name = name.substr(0, name.size() - 4) + ".png";
    return sanitizeFileName(name);
}

std::string sanitizeFileName(const std::string& input, std::size_t maxBytes) {
    // Separate the extension (a short ASCII-alphanumeric suffix) so truncation keeps it.
    std::string stem = input;
    std::string extension;
    if (const std::size_t dot = input.rfind('.');
        dot != std::string::npos && dot > 0 && input.size() - dot <= 6 &&
        std::all_of(input.begin() + static_cast<long>(dot) + 1, input.end(),
                    [](unsigned char c) { return std::isalnum(c) != 0; })) {
        stem = input.substr(0, dot);
        extension = input.substr(dot);
    }
    std::string clean;
    bool lastWasSpace = false;
    for (const char ch : stem) {
        const auto c = static_cast<unsigned char>(ch);
        const bool space =
            c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
        if (space) {
            if (!lastWasSpace)
                clean += '_';
            lastWasSpace = true;
            continue;
        }
        lastWasSpace = false;
        if (c < 0x20 || c == 0x7F || std::string("<>:\"/\\|?*").find(ch) != std::string::npos)
            clean += '_';
        else
            clean += ch;
    }
    // Invalid UTF-8 (a prompt typed in a legacy encoding) would be refused by some file systems:
    // replace stray bytes.
    std::string valid;
    for (std::size_t i = 0; i < clean.size();) {
        const auto c = static_cast<unsigned char>(clean[i]);
        const std::size_t length = c < 0x80           ? 1
                                   : (c >> 5) == 0x6  ? 2
                                   : (c >> 4) == 0xE  ? 3
                                   : (c >> 3) == 0x1E ? 4
                                                      : 0;
        bool ok = length > 0 && i + length <= clean.size();
        for (std::size_t k = 1; ok && k < length; ++k)
            ok = isContinuation(static_cast<unsigned char>(clean[i + k]));
        if (ok) {
            valid.append(clean, i, length);
            i += length;
        } else {
            valid += '_';
            ++i;
        }
    }
    const std::size_t budget = maxBytes > extension.size() + 1 ? maxBytes - extension.size() : 1;
    valid = firstBytes(valid, budget);
    while (!valid.empty() && (valid.back() == '.' || valid.back() == ' ' || valid.back() == '_'))
        valid.pop_back();
    while (!valid.empty() && (valid.front() == '.' || valid.front() == '-'))
        valid.erase(valid.begin()); // no hidden files, no names that look like options
    if (valid.empty())
        valid = "image";
    const std::string deviceStem = valid.substr(0, valid.find('.'));
    if (isWindowsDeviceName(deviceStem))
        valid = "_" + valid;
    return valid + extension;
}

} // namespace deadiff::batch
