// The model catalogue: what `deadiff models download NAME` and the studio's download dialog can
// fetch. A JSON file (conventions.md):
//
//   {"models": [{"name": "deadiff_v1", "kind": "deadiff", "url": "https://…/deadiff_v1.ckpt",
//                "size": 7431519287, "sha256": "b485…", "licence": "…"}]}
//
// The file is stored as <models folder>/<kind>/<last segment of the URL's path>. Torch-free.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff::models {

struct CatalogEntry {
    std::string name;
    std::string kind; // one of modelKinds()
    std::string url;  // http:// or https://
    std::uint64_t size = 0;
    std::string sha256; // 64 lowercase hex digits
    std::string licence;

    // The name the file gets in its folder: the URL path's last segment, percent-decoded.
    std::string fileName() const;
};

// A catalogue that cannot be used; the message names the file, the entry and the field.
class CatalogError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses and checks a catalogue: every field present with its type, a known kind, a positive
// size, a 64-digit hex sha256 (any case; stored lowercase), an http(s) URL whose file name is a
// plain name (no "..", no slash), unique names. `origin` names the file in messages.
std::vector<CatalogEntry> parseCatalog(const std::string& json, const std::string& origin);
// Reads and parses a catalogue file (refused above 1 MB: it is a list, not data).
std::vector<CatalogEntry> readCatalog(const std::string& path);

// The catalogue shipped with the application (resources/model-catalog.json, installed in
// share/deadiff-studio/); empty when none is found.
std::string defaultCatalogPath();

// The entry called `name`, or null.
const CatalogEntry* findEntry(const std::vector<CatalogEntry>& catalog, const std::string& name);

// Where the entry's file goes: <root>/<kind>/<fileName()>.
std::string installPath(const CatalogEntry& entry, const std::string& root);

// What of an entry is in the models folder.
struct EntryStatus {
    std::string path;               // installPath()
    bool installed = false;         // the file is there (downloads appear only once verified)
    std::uint64_t partialBytes = 0; // bytes of a download in progress (NAME.part)
    std::string converted;          // the file's safetensors conversion, when there
};
EntryStatus entryStatus(const CatalogEntry& entry, const std::string& root);

} // namespace deadiff::models
