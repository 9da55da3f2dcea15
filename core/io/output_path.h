// Where results will go, checked before any work starts: a typo in an output path must fail in
// a second, not after minutes of loading and sampling. Both checks write and remove a probe
// file, so a read-only file system, missing permissions or ACLs fail here as they would later
// (checking permission bits alone says "writable" to root on a read-only mount).
#pragma once

#include <stdexcept>
#include <string>

namespace deadiff::io {

// The output location cannot be written; the message names the path and what is wrong.
class OutputPathError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// `path` is a file to be written: its folder exists and is writable, and the path is not a
// folder, a device, a FIFO or a socket (an atomic write would replace /dev/null).
void checkOutputFile(const std::string& path);

// `folder` will receive files: it is a writable folder, or it does not exist yet and can be
// created (its nearest existing ancestor is a writable folder). Creates nothing.
void checkOutputFolder(const std::string& folder);

} // namespace deadiff::io
