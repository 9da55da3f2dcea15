#include "core/io/file_hash.h"

#include "core/io/atomic_file.h"
#include "core/io/bounded_file.h"
#include "core/io/sha256.h"

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

namespace deadiff::io {
namespace {

namespace fs = std::filesystem;

struct FileStamp {
    std::uint64_t size = 0;
    std::int64_t modified = 0;
};

FileStamp stampOf(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    return {static_cast<std::uint64_t>(info.st_size),
            static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec};
}

} // namespace

std::string sha256Hex(const void* data, std::size_t size) {
    Sha256 hash;
    hash.update(data, size);
    return hash.hexDigest();
}

std::string defaultFileHashCachePath() {
    const char* cacheHome = std::getenv("XDG_CACHE_HOME");
    if (cacheHome != nullptr && *cacheHome == '/')
        return (fs::path(cacheHome) / "deadiff" / "file-hashes.json").string();
    const char* home = std::getenv("HOME");
    if (home != nullptr && *home != '\0')
        return (fs::path(home) / ".cache" / "deadiff" / "file-hashes.json").string();
    return {};
}

FileHashCache::FileHashCache(std::string cachePath)
    : cachePath_(std::move(cachePath)) {}

FileHashCache& FileHashCache::shared() {
    static FileHashCache cache;
    return cache;
}

int FileHashCache::filesHashed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return filesHashed_;
}

void FileHashCache::read() {
    loaded_ = true;
    if (cachePath_.empty())
        return;
    std::ifstream in(cachePath_, std::ios::binary);
    if (!in)
        return;
    // A damaged cache costs only time: everything is hashed again.
    const nlohmann::json root = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!root.is_object() || !root.contains("files") || !root["files"].is_object())
        return;
    for (auto it = root["files"].begin(); it != root["files"].end(); ++it) {
        const nlohmann::json& entry = *it;
        if (!entry.is_object() || !entry.contains("size") || !entry.contains("modified_ns") ||
            !entry.contains("sha256") || !entry["size"].is_number_unsigned() ||
            !entry["modified_ns"].is_number_integer() || !entry["sha256"].is_string())
            continue;
        entries_[it.key()] = {entry["size"].get<std::uint64_t>(),
                              entry["modified_ns"].get<std::int64_t>(),
                              entry["sha256"].get<std::string>()};
    }
}

void FileHashCache::write() const {
    if (cachePath_.empty())
        return;
    nlohmann::json files = nlohmann::json::object();
    for (const auto& [path, entry] : entries_) {
        // Files that are gone (test folders, deleted downloads) leave the cache.
        std::error_code error;
        if (!fs::exists(path, error))
            continue;
        files[path] = {
            {"size", entry.size}, {"modified_ns", entry.modified}, {"sha256", entry.sha256}};
    }
    const std::string text = nlohmann::json{{"version", 1}, {"files", files}}.dump(1) + "\n";
    try {
        std::error_code error;
        fs::create_directories(fs::path(cachePath_).parent_path(), error);
        AtomicFile file(cachePath_);
        file.write(text.data(), text.size());
        file.commit();
    } catch (const std::exception&) {
        // Not writable (read-only home, disk full): the hashes stay in memory.
    }
}

std::string FileHashCache::sha256(const std::string& path) {
    return cached(path, "", [](const std::string& file) { return sha256OfFile(file); });
}

std::string FileHashCache::safetensorsDataSha256(const std::string& path) {
    return cached(path, "safetensors-data:", [](const std::string& file) {
        // Through the bounded reader: a FIFO or device is refused, never waited for.
        const std::vector<std::uint8_t> length =
            BoundedFile::open(file, kMaxWeightFileBytes, "safetensors file").readHead(8);
        if (length.size() < 8)
            throw std::runtime_error("cannot read " + file + ": too short for a safetensors file");
        std::uint64_t headerBytes = 0;
        for (int i = 7; i >= 0; --i) // little-endian
            headerBytes = headerBytes << 8 | length[i];
        if (headerBytes > (std::uint64_t{1} << 40))
            throw std::runtime_error("cannot read " + file + ": not a safetensors file");
        return sha256OfFile(file, {}, 8 + headerBytes);
    });
}

// `kind` tells hashes of the same file apart in the cache ("" for the whole file's sha256).
std::string FileHashCache::cached(const std::string& path, const char* kind,
                                  const std::function<std::string(const std::string&)>& compute) {
    std::error_code error;
    const std::string absolute = fs::weakly_canonical(fs::absolute(path), error).string();
    const std::string file = error ? fs::absolute(path).string() : absolute;
    const std::string key = kind + file;
    const FileStamp stamp = stampOf(file);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!loaded_)
            read();
        const auto known = entries_.find(key);
        if (known != entries_.end() && known->second.size == stamp.size &&
            known->second.modified == stamp.modified)
            return known->second.sha256;
    }
    // Hashed outside the lock: a 7 GB file must not block other lookups.
    const std::string hash = compute(file);
    std::lock_guard<std::mutex> lock(mutex_);
    entries_[key] = {stamp.size, stamp.modified, hash};
    ++filesHashed_;
    write();
    return hash;
}

} // namespace deadiff::io
