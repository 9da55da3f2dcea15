#include "core/common/json_fields.h"

#include <climits>

namespace deadiff::json {

FieldError::FieldError(std::string field, std::string problem)
    : std::runtime_error(field.empty() ? problem : "'" + field + "' " + problem)
    , field_(std::move(field))
    , problem_(std::move(problem)) {}

void fail(const std::string& field, const std::string& problem) {
    throw FieldError(field, problem);
}

Value parse(const std::string& text) {
    try {
        return Value::parse(text);
    } catch (const Value::exception& error) {
        fail("", std::string("not valid JSON: ") + error.what());
    }
}

std::string asString(const Value& value, const std::string& field) {
    if (!value.is_string())
        fail(field, "must be a string");
    return value.get<std::string>();
}

bool asBool(const Value& value, const std::string& field) {
    if (!value.is_boolean())
        fail(field, "must be true or false");
    return value.get<bool>();
}

double asNumber(const Value& value, const std::string& field) {
    if (!value.is_number())
        fail(field, "must be a number");
    return value.get<double>();
}

std::int64_t asInteger(const Value& value, const std::string& field) {
    if (!value.is_number_integer() ||
        (value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX))
        fail(field, "must be an integer");
    return value.get<std::int64_t>();
}

int asInt(const Value& value, const std::string& field) {
    const std::int64_t wide = asInteger(value, field);
    if (wide < INT_MIN || wide > INT_MAX)
        fail(field, "is out of range");
    return static_cast<int>(wide);
}

std::vector<std::string> asStrings(const Value& value, const std::string& field) {
    if (!value.is_array())
        fail(field, "must be an array of strings");
    std::vector<std::string> strings;
    for (const Value& item : value) {
        if (!item.is_string())
            fail(field, "must be an array of strings");
        strings.push_back(item.get<std::string>());
    }
    return strings;
}

std::vector<std::int64_t> asIntegers(const Value& value, const std::string& field) {
    if (!value.is_array())
        fail(field, "must be an array of integers");
    std::vector<std::int64_t> integers;
    for (const Value& item : value) {
        if (!item.is_number_integer())
            fail(field, "must be an array of integers");
        integers.push_back(item.get<std::int64_t>());
    }
    return integers;
}

std::string fieldName(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

} // namespace deadiff::json
