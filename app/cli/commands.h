// The `deadiff` command-line tool: one function per subcommand, dispatched by runCli.
#pragma once

#include "core/pipeline/pipeline.h"

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace deadiff::cli {

struct Streams {
    std::ostream& out;
    std::ostream& err;
};

using CommandFn = int (*)(const std::vector<std::string>& args, Streams io);

struct Command {
    const char* name;
    const char* summary;
    CommandFn run;
};

// Exit codes shared by every subcommand.
enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitCancelled = 130 };

const std::vector<Command>& commands();

// Entry point: `args` excludes the program name. Never throws.
int runCli(const std::vector<std::string>& args, Streams io);

int runVersion(const std::vector<std::string>& args, Streams io);
int runInspect(const std::vector<std::string>& args, Streams io);
int runConvert(const std::vector<std::string>& args, Streams io);
int runGenerate(const std::vector<std::string>& args, Streams io);
int runEncode(const std::vector<std::string>& args, Streams io);
int runTrain(const std::vector<std::string>& args, Streams io);
int runEval(const std::vector<std::string>& args, Streams io);
int runBatch(const std::vector<std::string>& args, Streams io);

// `deadiff batch` with an injectable loader (runBatch uses defaultPipelineLoader; tests pass a
// stand-in pipeline).
int runBatchJob(const std::vector<std::string>& args, Streams io, const PipelineLoader& load);

} // namespace deadiff::cli
