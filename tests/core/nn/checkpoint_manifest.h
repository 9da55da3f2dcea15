// The released checkpoint's key layout (../shared/oracle/manifest.json), for tests that check a
// module's parameter names against it without any weights.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace deadiff::test {

// Manifest keys starting with `prefix` (prefix kept) -> shape, leaving out keys whose remainder
// after the prefix starts with one of `ignoredPrefixes`. `manifest`: a file in
// ../shared/oracle/ (controlnet_manifest.json for the ControlNet).
std::map<std::string, std::vector<std::int64_t>>
manifestEntriesUnder(const std::string& prefix,
                     const std::vector<std::string>& ignoredPrefixes = {},
                     const std::string& manifest = "manifest.json");

// The keys of manifestEntriesUnder(prefix) with `prefix` removed: module parameter names.
std::set<std::string> manifestKeysUnder(const std::string& prefix,
                                        const std::string& manifest = "manifest.json");

} // namespace deadiff::test
