// Runs a program to completion and captures what it printed: for end-to-end CLI tests.
#pragma once

#include <string>
#include <vector>

namespace deadiff::test {

struct ProcessResult {
    int exitCode = -1; // -1 when the program did not exit normally
    std::string out;
    std::string err;
};

// argv[0] is the program's path. Extra environment entries are "NAME=value".
ProcessResult runProcess(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extraEnv = {});

} // namespace deadiff::test
