#include "core/models/catalog.h"

#include "core/models/models_folder.h"
#include "core/runtime/data_dirs.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace deadiff::models {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr std::uintmax_t kMaxCatalogBytes = 1 << 20;

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// The URL's path without query or fragment: "https://host/a/b.ckpt?download=true" -> "/a/b.ckpt".
std::string urlPath(const std::string& url) {
    const std::size_t scheme = url.find("://");
    if (scheme == std::string::npos)
        return {};
    const std::size_t slash = url.find('/', scheme + 3);
    if (slash == std::string::npos)
        return {};
    const std::size_t end = url.find_first_of("?#", slash);
    return url.substr(slash, end == std::string::npos ? std::string::npos : end - slash);
}

std::string percentDecoded(const std::string& text) {
    std::string decoded;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
            hexValue(text[i + 2]) >= 0) {
            decoded += static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2]));
            i += 2;
        } else {
            decoded += text[i];
        }
    }
    return decoded;
}

std::string requireString(const Json& entry, const char* key, const std::string& where) {
    const auto it = entry.find(key);
    if (it == entry.end() || !it->is_string() || it->get<std::string>().empty())
        throw CatalogError(where + ": \"" + key + "\" must be a non-empty string");
    return it->get<std::string>();
}

CatalogEntry parseEntry(const Json& json, const std::string& where) {
    if (!json.is_object())
        throw CatalogError(where + ": an entry must be an object");
    static const std::set<std::string> kKeys = {"name", "kind", "url", "size", "sha256", "licence"};
    for (const auto& item : json.items())
        if (kKeys.count(item.key()) == 0)
            throw CatalogError(where + ": unknown key \"" + item.key() + "\"");
    CatalogEntry entry;
    entry.name = requireString(json, "name", where);
    const std::string named = where + " (\"" + entry.name + "\")";
    entry.kind = requireString(json, "kind", named);
    if (!isModelKind(entry.kind)) {
        std::string kinds;
        for (const std::string& kind : modelKinds())
            kinds += (kinds.empty() ? "" : ", ") + kind;
        throw CatalogError(named + ": \"kind\" is \"" + entry.kind + "\"; it must be one of " +
                           kinds);
    }
    entry.url = requireString(json, "url", named);
    if (entry.url.rfind("https://", 0) != 0 && entry.url.rfind("http://", 0) != 0)
        throw CatalogError(named + ": \"url\" must start with https:// or http://");
    const std::string fileName = entry.fileName();
    if (fileName.empty() || fileName == "." || fileName == ".." ||
        fileName.find_first_of(std::string("/\\\0", 3)) != std::string::npos ||
        fileName.front() == '.')
        throw CatalogError(named + ": the URL does not end in a plain file name");
    const auto size = json.find("size");
    if (size == json.end() || !size->is_number_unsigned() || size->get<std::uint64_t>() == 0)
        throw CatalogError(named + ": \"size\" must be a positive whole number of bytes");
    entry.size = size->get<std::uint64_t>();
    entry.sha256 = requireString(json, "sha256", named);
    if (entry.sha256.size() != 64 || !std::all_of(entry.sha256.begin(), entry.sha256.end(),
                                                  [](char c) { return hexValue(c) >= 0; }))
        throw CatalogError(named + ": \"sha256\" must be 64 hexadecimal digits");
    std::transform(entry.sha256.begin(), entry.sha256.end(), entry.sha256.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    entry.licence = requireString(json, "licence", named);
    return entry;
}

} // namespace

std::string CatalogEntry::fileName() const {
    const std::string path = urlPath(url);
    const std::size_t slash = path.rfind('/');
    return percentDecoded(slash == std::string::npos ? path : path.substr(slash + 1));
}

std::vector<CatalogEntry> parseCatalog(const std::string& text, const std::string& origin) {
    Json json;
    try {
        json = Json::parse(text);
    } catch (const Json::exception& error) {
        throw CatalogError(origin + ": not valid JSON: " + error.what());
    }
    if (!json.is_object() || !json.contains("models") || !json["models"].is_array())
        throw CatalogError(origin + ": a catalogue is an object with a \"models\" array");
    std::vector<CatalogEntry> entries;
    std::set<std::string> names;
    for (std::size_t i = 0; i < json["models"].size(); ++i) {
        CatalogEntry entry =
            parseEntry(json["models"][i], origin + ": models[" + std::to_string(i) + "]");
        if (!names.insert(entry.name).second)
            throw CatalogError(origin + ": the name \"" + entry.name + "\" appears twice");
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::vector<CatalogEntry> readCatalog(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw CatalogError("cannot read the catalogue " + path + ": not a regular file");
    if (fs::file_size(path, ec) > kMaxCatalogBytes)
        throw CatalogError("the catalogue " + path + " is larger than 1 MB; it is not a catalogue");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof())
        throw CatalogError("cannot read the catalogue " + path);
    return parseCatalog(text.str(), path);
}

std::string defaultCatalogPath() {
    for (const std::string& candidate : bundledDataCandidates("model-catalog.json")) {
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec))
            return candidate;
    }
    return {};
}

const CatalogEntry* findEntry(const std::vector<CatalogEntry>& catalog, const std::string& name) {
    for (const CatalogEntry& entry : catalog)
        if (entry.name == name)
            return &entry;
    return nullptr;
}

std::string installPath(const CatalogEntry& entry, const std::string& root) {
    return (fs::path(root) / entry.kind / entry.fileName()).string();
}

EntryStatus entryStatus(const CatalogEntry& entry, const std::string& root) {
    EntryStatus status;
    status.path = installPath(entry, root);
    std::error_code ec;
    status.installed = fs::is_regular_file(status.path, ec);
    const std::string part = status.path + kPartSuffix;
    if (fs::is_regular_file(part, ec))
        status.partialBytes = fs::file_size(part, ec);
    const std::string converted = convertedPath(status.path);
    if (converted != status.path && fs::is_regular_file(converted, ec))
        status.converted = converted;
    return status;
}

} // namespace deadiff::models
