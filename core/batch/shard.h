// A batch job split over the tasks of a scheduler's array job (a Slurm job array, a Kubernetes
// Indexed Job): which requests a task renders and where the task learns its index. Shards are
// contiguous blocks of the job's requests in cartesian order, so the set a shard renders depends
// only on K and N, and seeds and file names (which depend only on the image index) are those of a
// one-machine run. Blocks rather than i mod N: the first axes vary slowest, so a block sees few
// distinct prompts and references and each task runs its text encoder and vision tower less.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace deadiff::batch {

// A shard specification that cannot be used; the message says what to pass instead.
class ShardError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

struct Shard {
    int index = 0; // K, 0-based
    int count = 1; // N
};

// "K/N" with 0 <= K < N (e.g. "0/4").
Shard parseShard(const std::string& text);

// The value of an environment variable, or nullopt when unset (tests pass a map).
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvironmentLookup processEnvironment();

// `--shard env`. Without `count`: a Slurm array task, K = SLURM_ARRAY_TASK_ID -
// SLURM_ARRAY_TASK_MIN, N = SLURM_ARRAY_TASK_COUNT (so --array=0-3 and --array=1-4 are both
// shards 0..3 of 4). With `count` (--shard-count N): K is the task's own index, SLURM_ARRAY_TASK_ID
// or else Kubernetes' JOB_COMPLETION_INDEX, which must lie in 0..N-1 (re-running shards 2 and 5
// of 8 is --array=2,5 with --shard-count 8). Throws ShardError naming what is missing.
Shard shardFromEnvironment(const EnvironmentLookup& environment, std::optional<int> count);

// The requests [begin, end) of `requestCount` that shard K/N renders:
// [floor(K * R / N), floor((K + 1) * R / N)); blocks differ in size by at most one.
struct RequestRange {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool contains(std::size_t request) const { return request >= begin && request < end; }
};
RequestRange shardRequests(std::size_t requestCount, const Shard& shard);

// "K/N", as the CLI takes it.
std::string toString(const Shard& shard);

} // namespace deadiff::batch
