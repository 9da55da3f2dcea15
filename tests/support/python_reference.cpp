#include "tests/support/python_reference.h"

#include "tests/support/ckpt_writer.h"
#include "tests/support/process.h"

#include <cstdlib>
#include <stdexcept>

namespace deadiff::test {

std::string pythonWithTorch() {
    static const std::string found = [] {
        const char* env = std::getenv("DEADIFF_PYTHON");
        const std::string python = env != nullptr && *env != '\0' ? env : "/usr/bin/python3";
        const ProcessResult probe = runProcess({python, "-c", "import torch, numpy"});
        return probe.exitCode == 0 ? python : std::string();
    }();
    return found;
}

void runPythonReference(const std::string& script, const std::vector<std::string>& args) {
    std::vector<std::string> argv{pythonWithTorch(), fixturePath(script)};
    argv.insert(argv.end(), args.begin(), args.end());
    const ProcessResult result = runProcess(argv, {"OMP_NUM_THREADS=1"});
    if (result.exitCode != 0)
        throw std::runtime_error(script + " failed (exit " + std::to_string(result.exitCode) +
                                 "):\n" + result.out + result.err);
}

} // namespace deadiff::test
