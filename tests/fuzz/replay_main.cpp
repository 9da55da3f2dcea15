// Runs the fuzz targets' entry points on their seed corpora in the ordinary (gcc, release)
// build, so CI replays every corpus in seconds without clang or a fuzzing campaign: a parser
// change that crashes on a seed, trips a target's own checks (abort) or throws what the target
// does not expect fails the suite. Each target's source is compiled here with its entry points
// renamed (tests/CMakeLists.txt), so all of them link into this one executable.
//
//   fuzz_replay TARGET FILE_OR_FOLDER...
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#define DEADIFF_FUZZ_TARGETS(X)                                                                    \
    X(torch_checkpoint)                                                                            \
    X(pickle)                                                                                      \
    X(safetensors_header)                                                                          \
    X(image_decode)                                                                                \
    X(png_metadata)                                                                                \
    X(batch_job)                                                                                   \
    X(model_json)                                                                                  \
    X(tokenizers)

#define DEADIFF_DECLARE_TARGET(name)                                                               \
    extern "C" int fuzzOne_##name(const std::uint8_t* data, std::size_t size);                     \
    extern "C" int fuzzInit_##name(int* argc, char*** argv);
DEADIFF_FUZZ_TARGETS(DEADIFF_DECLARE_TARGET)

namespace {

struct Target {
    const char* name;
    int (*one)(const std::uint8_t*, std::size_t);
    int (*init)(int*, char***);
};

#define DEADIFF_TARGET_ENTRY(name) Target{#name, fuzzOne_##name, fuzzInit_##name},
const Target kTargets[] = {DEADIFF_FUZZ_TARGETS(DEADIFF_TARGET_ENTRY)};

std::vector<std::filesystem::path> inputsUnder(const std::filesystem::path& path) {
    if (!std::filesystem::is_directory(path))
        return {path};
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(path))
        if (entry.is_regular_file())
            files.push_back(entry.path());
    return files;
}

} // namespace

// The targets without an initializer of their own.
#define DEADIFF_NO_INIT(name)                                                                      \
    extern "C" int fuzzInit_##name(int*, char***) {                                                \
        return 0;                                                                                  \
    }
DEADIFF_NO_INIT(torch_checkpoint)
DEADIFF_NO_INIT(pickle)
DEADIFF_NO_INIT(safetensors_header)
DEADIFF_NO_INIT(png_metadata)
DEADIFF_NO_INIT(batch_job)
DEADIFF_NO_INIT(model_json)

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: fuzz_replay TARGET FILE_OR_FOLDER...\n");
        return 2;
    }
    const std::string wanted = argv[1];
    for (const Target& target : kTargets) {
        if (wanted != target.name)
            continue;
        target.init(&argc, &argv);
        int count = 0;
        for (int i = 2; i < argc; ++i) {
            for (const std::filesystem::path& file : inputsUnder(argv[i])) {
                std::ifstream in(file, std::ios::binary);
                const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                                      std::istreambuf_iterator<char>()};
                target.one(bytes.data(), bytes.size());
                ++count;
            }
        }
        std::printf("%s: %d inputs replayed\n", target.name, count);
        // An empty corpus is a broken path, not a pass.
        return count > 0 ? 0 : 1;
    }
    std::fprintf(stderr, "fuzz_replay: no target '%s'\n", wanted.c_str());
    return 2;
}
