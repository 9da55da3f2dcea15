// The `deadiff` command-line tool: one function per subcommand, dispatched by runCli.
#pragma once

#include "core/batch/batch_runner.h"
#include "core/io/convert.h"
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

// Exit codes shared by every subcommand. kExitRetry (sysexits' EX_TEMPFAIL) is a failure that
// a scheduler or the user may retry: interrupted, out of memory, disk full, a network failure.
enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,
    kExitUsage = 2,
    kExitRetry = 75,
    kExitCancelled = 130
};

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
int runModels(const std::vector<std::string>& args, Streams io);

// " (a path, or a name from 'deadiff models list': ROOT)": what a model option that names no
// file may also be.
std::string modelsHint();

// `deadiff convert`'s work with its progress lines on `err` (also run after a download).
io::ConvertSummary convertReporting(const std::string& input, const std::string& output,
                                    std::ostream& err);

// `deadiff batch` with an injectable loader (runBatch uses defaultPipelineLoader; tests pass a
// stand-in pipeline) and PNG writer (empty: the atomic io::writePng; tests inject a full disk).
int runBatchJob(const std::vector<std::string>& args, Streams io, const PipelineLoader& load,
                const batch::PngWriter& writer = {});

} // namespace deadiff::cli
