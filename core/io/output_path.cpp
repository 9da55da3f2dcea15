#include "core/io/output_path.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace deadiff::io {
namespace {

namespace fs = std::filesystem;

// Creates and removes a file in `folder`; the error text when that fails, else empty.
std::string probeWritable(const fs::path& folder) {
    std::string probe = (folder / ".deadiff-write-test-XXXXXX").string();
    const int fd = ::mkstemp(probe.data());
    if (fd < 0)
        return std::strerror(errno);
    ::close(fd);
    ::unlink(probe.c_str());
    return {};
}

std::string shown(const fs::path& path) {
    return path.empty() ? std::string(".") : path.string();
}

// `folder` must exist as a writable folder.
void requireWritableFolder(const fs::path& folder, const std::string& what) {
    const fs::path where = folder.empty() ? fs::path(".") : folder;
    std::error_code error;
    const fs::file_status status = fs::status(where, error);
    if (!fs::exists(status))
        throw OutputPathError("cannot write " + what + ": the folder " + shown(folder) +
                              " does not exist");
    if (!fs::is_directory(status))
        throw OutputPathError("cannot write " + what + ": " + shown(folder) + " is not a folder");
    if (const std::string problem = probeWritable(where); !problem.empty())
        throw OutputPathError("cannot write " + what + ": the folder " + shown(folder) +
                              " is not writable (" + problem + ")");
}

} // namespace

void checkOutputFile(const std::string& path) {
    if (path.empty())
        throw OutputPathError("no output file given");
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode))
            throw OutputPathError("cannot write " + path + ": it is a folder; give a file name");
        if (!S_ISREG(st.st_mode))
            throw OutputPathError("cannot write " + path +
                                  ": it is not a regular file (a device, FIFO or socket)");
    }
    requireWritableFolder(fs::path(path).parent_path(), path);
}

void checkOutputFolder(const std::string& folder) {
    if (folder.empty())
        throw OutputPathError("no output folder given");
    std::error_code error;
    fs::path existing = fs::absolute(folder, error);
    if (error)
        throw OutputPathError("cannot write into " + folder + ": " + error.message());
    // The nearest existing ancestor decides: the folders below it can be created when it is a
    // writable folder; a file anywhere on the way cannot become a folder.
    while (!fs::exists(fs::symlink_status(existing, error)) && existing.has_relative_path())
        existing = existing.parent_path();
    if (existing == fs::absolute(folder, error)) {
        if (!fs::is_directory(existing, error))
            throw OutputPathError("cannot write into " + folder + ": it is not a folder");
        requireWritableFolder(existing, "into " + folder);
        return;
    }
    if (!fs::is_directory(existing, error))
        throw OutputPathError("cannot create the folder " + folder + ": " + existing.string() +
                              " is not a folder");
    if (const std::string problem = probeWritable(existing); !problem.empty())
        throw OutputPathError("cannot create the folder " + folder + ": " + existing.string() +
                              " is not writable (" + problem + ")");
}

} // namespace deadiff::io
