// The Python transcriptions of upstream code that produced some committed fixtures
// (acceptance.md, "LoRA and few-step"): tests rerun them when Debian's python3-torch is installed
// and compare with what is committed, and skip that comparison with a message otherwise, so CI
// never depends on Python.
#pragma once

#include <string>
#include <vector>

namespace deadiff::test {

// A python3 that imports torch (DEADIFF_PYTHON, else /usr/bin/python3), or empty.
std::string pythonWithTorch();

// Runs tests/fixtures/<script> with `args` under pythonWithTorch(); throws std::runtime_error
// with the script's output when it fails.
void runPythonReference(const std::string& script, const std::vector<std::string>& args);

} // namespace deadiff::test

// Skips the current GoogleTest when python3-torch is absent, naming the script.
#define DEADIFF_REQUIRE_PYTHON_TORCH(script)                                                       \
    if (::deadiff::test::pythonWithTorch().empty())                                                \
    GTEST_SKIP() << "python3-torch is not installed (apt-get install python3-torch), so "          \
                 << (script) << " is not rerun; the committed fixtures stand"
