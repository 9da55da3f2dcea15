// sha256 of model files, computed once per file and remembered: the A1111 "Model hash" of a
// 7 GB checkpoint takes a minute to read, so a hash is cached by (absolute path, size,
// modification time) in memory and in a small JSON file under $XDG_CACHE_HOME/deadiff
// (~/.cache/deadiff without it). A changed file (other size or time) is hashed again.
// Torch-free.
#pragma once

#include "core/io/sha256.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace deadiff::io {

// The lower-case hex sha256 of bytes in memory.
std::string sha256Hex(const void* data, std::size_t size);

// Where the cache file lives: $XDG_CACHE_HOME/deadiff/file-hashes.json, else
// $HOME/.cache/deadiff/file-hashes.json; empty when neither variable is set.
std::string defaultFileHashCachePath();

class FileHashCache {
public:
    // `cachePath` empty: in memory only.
    explicit FileHashCache(std::string cachePath = defaultFileHashCachePath());

    // The file's sha256 (hex), from the cache when path, size and modification time match;
    // otherwise computed and stored (the cache file is rewritten atomically; failing to write
    // it only loses the memory). Thread-safe. Throws as sha256OfFile.
    std::string sha256(const std::string& path);
    // The sha256 of a .safetensors file's tensor data (everything after its JSON header):
    // kohya's "addnet" hash, which A1111 prints in "Lora hashes" and which stays the same when
    // only the file's metadata changes. Cached like sha256(); throws as sha256OfFile, or when
    // the file is too short for its header.
    std::string safetensorsDataSha256(const std::string& path);
    // How many files were actually read since construction (tests).
    int filesHashed() const;

    // The process-wide cache at the default path.
    static FileHashCache& shared();

private:
    struct Entry {
        std::uint64_t size = 0;
        std::int64_t modified = 0; // nanoseconds since the epoch
        std::string sha256;
    };
    std::string cached(const std::string& path, const char* kind,
                       const std::function<std::string(const std::string&)>& compute);
    void read();
    void write() const;

    std::string cachePath_;
    mutable std::mutex mutex_;
    std::map<std::string, Entry> entries_; // by absolute path
    bool loaded_ = false;
    int filesHashed_ = 0;
};

// The first 10 hex digits, as A1111 prints a "Model hash".
inline std::string shortHash(const std::string& sha256) {
    return sha256.substr(0, 10);
}

} // namespace deadiff::io
