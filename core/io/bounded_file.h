// The one way the product opens a file a user named (images, weights, model.json, tokenizer
// vocabularies, depth models, batch jobs, manifests, PNGs dropped on the studio): only a regular
// file is read, and only up to a size bound the caller states before anything is read. A FIFO,
// a socket, a device (/dev/zero, /dev/stdin, a terminal) or a folder is refused at once with a
// message naming the path, instead of blocking in open() or read() forever or filling memory.
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff::io {

// The path is missing, unreadable, not a regular file, or larger than its bound. The message
// names the path and says which.
class FileAccessError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Bounds per kind of file. Each is far above any real file of its kind and far below what
// would exhaust memory when the file is read whole.
inline constexpr std::uint64_t kMaxJsonFileBytes = std::uint64_t{16} << 20;  // model.json, jobs
inline constexpr std::uint64_t kMaxVocabFileBytes = std::uint64_t{64} << 20; // tokenizer files
inline constexpr std::uint64_t kMaxImageFileBytes = std::uint64_t{1} << 30;  // references, maps
inline constexpr std::uint64_t kMaxOnnxFileBytes = std::uint64_t{2} << 30;   // protobuf's limit
// Weight files are mapped, not read: the bound only catches nonsense (SD 1.5 is 4-8 GB).
inline constexpr std::uint64_t kMaxWeightFileBytes = std::uint64_t{256} << 30;

// An open, read-only descriptor of a regular file; closed on destruction.
class BoundedFile {
public:
    // `what` names the file's role in messages ("image", "batch job"). Never blocks: a FIFO
    // with no writer is refused, not waited for.
    static BoundedFile open(const std::string& path, std::uint64_t maxBytes,
                            const std::string& what);

    BoundedFile(BoundedFile&& other) noexcept;
    BoundedFile& operator=(BoundedFile&& other) noexcept;
    BoundedFile(const BoundedFile&) = delete;
    BoundedFile& operator=(const BoundedFile&) = delete;
    ~BoundedFile();

    int fd() const { return fd_; }
    // The size when opened.
    std::uint64_t size() const { return size_; }
    const std::string& path() const { return path_; }

    // The whole file, at most the bound (a file that grew past it, or a /proc file that never
    // ends, is an error).
    std::vector<std::uint8_t> readAll();
    // Up to `count` bytes from the start (fewer at the end of the file).
    std::vector<std::uint8_t> readHead(std::size_t count);
    // A stdio stream over the descriptor (for libpng); the stream owns it from then on.
    std::FILE* releaseToStream();

private:
    BoundedFile(std::string path, int fd, std::uint64_t size, std::uint64_t maxBytes,
                std::string what);
    std::vector<std::uint8_t> read(std::uint64_t limit, bool failPastLimit);

    std::string path_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::uint64_t maxBytes_ = 0;
    std::string what_;
};

// BoundedFile::open(path, maxBytes, what).readAll(), as bytes or as text.
std::vector<std::uint8_t> readBoundedFile(const std::string& path, std::uint64_t maxBytes,
                                          const std::string& what);
std::string readBoundedTextFile(const std::string& path, std::uint64_t maxBytes,
                                const std::string& what);

// Why `path` cannot be opened as a regular file, as the messages above say it; empty when it
// can. For front ends that check paths before starting work (no file is opened).
std::string regularFileProblem(const std::string& path, const std::string& what);

} // namespace deadiff::io
