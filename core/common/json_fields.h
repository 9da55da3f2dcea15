// The one typed JSON reader behind model.json, requests (PNG metadata, batch templates, saved
// studio state) and batch job files: each accessor checks the value's type and throws a
// FieldError naming the field ("styles[1].weight") and the problem, which each format turns
// into its own error (RequestError, BatchJobError, a model-config error naming the file).
#pragma once

#include "core/common/enum_names.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff::json {

using Value = nlohmann::ordered_json;

class FieldError : public std::runtime_error {
public:
    // `field` may be empty (the whole document); what() is "'field' problem".
    FieldError(std::string field, std::string problem);
    const std::string& field() const { return field_; }
    const std::string& problem() const { return problem_; }

private:
    std::string field_;
    std::string problem_;
};

[[noreturn]] void fail(const std::string& field, const std::string& problem);

// Parses `text`; a syntax error is a FieldError with an empty field ("not valid JSON: ...").
Value parse(const std::string& text);

std::string asString(const Value& value, const std::string& field);
bool asBool(const Value& value, const std::string& field);
double asNumber(const Value& value, const std::string& field);
std::int64_t asInteger(const Value& value, const std::string& field);
int asInt(const Value& value, const std::string& field); // within int's range
std::vector<std::string> asStrings(const Value& value, const std::string& field);
std::vector<std::int64_t> asIntegers(const Value& value, const std::string& field);

// A value of an enum with a name table (core/common/enum_names.h).
template <typename Enum> Enum asEnum(const Value& value, const std::string& field) {
    const std::string name = asString(value, field);
    if (const auto parsed = enumFromName<Enum>(name))
        return *parsed;
    fail(field, "must be " + enumNameList<Enum>() + ", got '" + name + "'");
}

// "key" at the top level, "parent.key" below it.
std::string fieldName(const std::string& parent, const std::string& key);

} // namespace deadiff::json
