#include "tests/core/nn/checkpoint_manifest.h"

#include "tests/support/paths.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>

namespace deadiff::test {

std::map<std::string, std::vector<std::int64_t>>
manifestEntriesUnder(const std::string& prefix, const std::vector<std::string>& ignoredPrefixes,
                     const std::string& manifest) {
    const std::string path = sharedDir() + "/oracle/" + manifest;
    std::ifstream stream(path);
    if (!stream)
        throw std::runtime_error("cannot read " + path);
    const nlohmann::json entriesJson = nlohmann::json::parse(stream);
    std::map<std::string, std::vector<std::int64_t>> entries;
    for (const auto& entry : entriesJson) {
        const std::string key = entry.at(0).get<std::string>();
        if (key.compare(0, prefix.size(), prefix) != 0)
            continue;
        bool ignored = false;
        for (const std::string& ignoredPrefix : ignoredPrefixes)
            ignored =
                ignored || key.compare(prefix.size(), ignoredPrefix.size(), ignoredPrefix) == 0;
        if (!ignored)
            entries.emplace(key, entry.at(1).get<std::vector<std::int64_t>>());
    }
    return entries;
}

std::set<std::string> manifestKeysUnder(const std::string& prefix, const std::string& manifest) {
    std::set<std::string> keys;
    for (const auto& entry : manifestEntriesUnder(prefix, {}, manifest))
        keys.insert(entry.first.substr(prefix.size()));
    return keys;
}

} // namespace deadiff::test
