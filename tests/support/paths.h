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

// DEADIFF_ORACLE_CONTROL_CKPT, else ~/.cache/deadiff/oracle/control_random_s2024.safetensors
// (tests/prepare-oracle.sh). Empty when the file does not exist.
std::string oracleControlNetCheckpoint();

// DEADIFF_ORACLE_BASE_CKPT, else ~/.cache/deadiff/oracle/sd15_base_random_s7.safetensors: the
// plain SD 1.5 file of oracle section (h). Empty when the file does not exist.
std::string oracleBaseCheckpoint();

} // namespace deadiff::test

// Skips the current GoogleTest when the oracle checkpoint is absent, saying how to make it.
#define DEADIFF_REQUIRE_ORACLE_CHECKPOINT(var)                                                     \
    const std::string var = ::deadiff::test::oracleCheckpoint();                                   \
    if (var.empty())                                                                               \
    GTEST_SKIP() << "oracle checkpoint absent; make it with: "                                     \
                 << ::deadiff::test::oracleCheckpointRecipe()

// The same for the ControlNet oracle checkpoint.
#define DEADIFF_REQUIRE_ORACLE_CONTROLNET(var)                                                     \
    const std::string var = ::deadiff::test::oracleControlNetCheckpoint();                         \
    if (var.empty())                                                                               \
    GTEST_SKIP() << "ControlNet oracle checkpoint absent; make it with: cd "                       \
                 << ::deadiff::test::sharedDir()                                                   \
                 << "/oracle && /usr/bin/python3 make_weights.py controlnet_manifest.json 2024 "   \
                    "~/.cache/deadiff/oracle/control_random_s2024.safetensors"

// The same for the plain SD 1.5 oracle file (section h).
#define DEADIFF_REQUIRE_ORACLE_BASE(var)                                                           \
    const std::string var = ::deadiff::test::oracleBaseCheckpoint();                               \
    if (var.empty())                                                                               \
    GTEST_SKIP() << "SD 1.5 base oracle file absent; make it with: cd "                            \
                 << ::deadiff::test::sharedDir()                                                   \
                 << "/oracle && /usr/bin/python3 make_weights.py sd15_base_manifest.json 7 "       \
                    "~/.cache/deadiff/oracle/sd15_base_random_s7.safetensors"
