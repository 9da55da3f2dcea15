#include "tests/support/test_bytes.h"

#include "tests/support/process.h"

#include <cstdio>
#include <fstream>
#include <random>

namespace deadiff::test {

std::string randomBytes(std::size_t size, unsigned seed) {
    std::mt19937 random(seed);
    std::string bytes(size, '\0');
    for (char& c : bytes)
        c = static_cast<char>(random() & 0xff);
    return bytes;
}

std::string sha256sumOfFile(const std::string& path) {
    const ProcessResult result = runProcess({"/usr/bin/sha256sum", path});
    if (result.exitCode != 0 || result.out.size() < 64)
        return {};
    return result.out.substr(0, 64);
}

std::string sha256sumOfBytes(const std::string& bytes, const std::string& scratchDir) {
    const std::string path = scratchDir + "/sha256sum-input.bin";
    std::ofstream(path, std::ios::binary) << bytes;
    std::string sum = sha256sumOfFile(path);
    std::remove(path.c_str());
    return sum;
}

} // namespace deadiff::test
