#include "core/batch/shard.h"

#include <cstdint>
#include <cstdlib>

namespace deadiff::batch {
namespace {

constexpr const char* kNoScheduler =
    "--shard env: neither SLURM_ARRAY_TASK_ID (a Slurm array task) nor JOB_COMPLETION_INDEX (a "
    "Kubernetes Indexed Job) is set; outside a scheduler pass --shard K/N";

// A non-negative decimal integer that fits an int; nullopt for anything else ("", "-1", "2x").
std::optional<int> parseCount(const std::string& text) {
    if (text.empty() || text.size() > 9)
        return std::nullopt;
    int value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

int requireInteger(const EnvironmentLookup& environment, const std::string& name) {
    const std::optional<std::string> text = environment(name);
    if (!text)
        throw ShardError("--shard env: " + name + " is not set");
    const std::optional<int> value = parseCount(*text);
    if (!value)
        throw ShardError("--shard env: " + name + "='" + *text + "' is not a non-negative integer");
    return *value;
}

} // namespace

Shard parseShard(const std::string& text) {
    const std::size_t slash = text.find('/');
    const std::optional<int> index =
        slash == std::string::npos ? std::nullopt : parseCount(text.substr(0, slash));
    const std::optional<int> count =
        slash == std::string::npos ? std::nullopt : parseCount(text.substr(slash + 1));
    if (!index || !count || *count < 1)
        throw ShardError("--shard '" + text +
                         "': expected K/N with 0 <= K < N (e.g. 0/4), or 'env' inside a Slurm "
                         "array task or a Kubernetes Indexed Job");
    if (*index >= *count)
        throw ShardError("--shard " + text + ": K counts from 0, so it must be below N (0/" +
                         std::to_string(*count) + " ... " + std::to_string(*count - 1) + "/" +
                         std::to_string(*count) + ")");
    return {*index, *count};
}

EnvironmentLookup processEnvironment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr)
            return std::nullopt;
        return std::string(value);
    };
}

Shard shardFromEnvironment(const EnvironmentLookup& environment, std::optional<int> count) {
    const bool slurm = environment("SLURM_ARRAY_TASK_ID").has_value();
    const bool kubernetes = environment("JOB_COMPLETION_INDEX").has_value();
    if (count) {
        if (*count < 1)
            throw ShardError("--shard-count must be at least 1");
        if (!slurm && !kubernetes)
            throw ShardError(kNoScheduler);
        const char* variable = slurm ? "SLURM_ARRAY_TASK_ID" : "JOB_COMPLETION_INDEX";
        const int index = requireInteger(environment, variable);
        if (index >= *count)
            throw ShardError(std::string("--shard env: ") + variable + "=" + std::to_string(index) +
                             " is not below --shard-count " + std::to_string(*count) +
                             ": with --shard-count the task indices are the shard indices 0.." +
                             std::to_string(*count - 1));
        return {index, *count};
    }
    if (slurm) {
        const int id = requireInteger(environment, "SLURM_ARRAY_TASK_ID");
        const int first = requireInteger(environment, "SLURM_ARRAY_TASK_MIN");
        const int tasks = requireInteger(environment, "SLURM_ARRAY_TASK_COUNT");
        if (tasks < 1 || id < first || id - first >= tasks)
            throw ShardError(
                "--shard env: array task " + std::to_string(id) + " of an array from " +
                std::to_string(first) + " with " + std::to_string(tasks) +
                " tasks is not one of a contiguous range: submit --array=" + std::to_string(first) +
                "-" + std::to_string(first + tasks - 1) +
                ", or pass --shard-count N to use the task ids as shard indices");
        return {id - first, tasks};
    }
    if (kubernetes)
        throw ShardError("--shard env: JOB_COMPLETION_INDEX is set but a Kubernetes Job does not "
                         "tell its pods how many completions it has: pass --shard-count N (the "
                         "Job's spec.completions)");
    throw ShardError(kNoScheduler);
}

RequestRange shardRequests(std::size_t requestCount, const Shard& shard) {
    const auto boundary = [&](int k) {
        return static_cast<std::size_t>(static_cast<std::uint64_t>(requestCount) *
                                        static_cast<std::uint64_t>(k) /
                                        static_cast<std::uint64_t>(shard.count));
    };
    return {boundary(shard.index), boundary(shard.index + 1)};
}

std::string toString(const Shard& shard) {
    return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

} // namespace deadiff::batch
