// Where tests find data that is not in the repository: ../shared (spec, vocabularies, oracle
// reference tensors) and the big random-weight oracle checkpoint.
#pragma once

#include <string>

namespace deadiff::test {

// The shared folder beside the checkout (CMake's DEADIFF_SHARED_DIR).
std::string sharedDir();

// `sharedDir()/oracle/ref/<name>`.
std::string oracleRef(const std::string& name);

// DEADIFF_ORACLE_CKPT, else ~/.cache/deadiff/oracle/deadiff_random_s2024.safetensors.
// Empty when the file does not exist.
std::string oracleCheckpoint();

// The command that writes the oracle checkpoint, for skip messages.
std::string oracleCheckpointRecipe();

} // namespace deadiff::test

// Skips the current GoogleTest when the oracle checkpoint is absent, saying how to make it.
#define DEADIFF_REQUIRE_ORACLE_CHECKPOINT(var)                                                     \
    const std::string var = ::deadiff::test::oracleCheckpoint();                                   \
    if (var.empty())                                                                               \
    GTEST_SKIP() << "oracle checkpoint absent; make it with: "                                     \
                 << ::deadiff::test::oracleCheckpointRecipe()
