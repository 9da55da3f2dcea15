#include "app/cli/args.h"
#include "app/cli/commands.h"

#include "core/build_config.h"
#include "core/runtime/system_info.h"

#include <exception>
#include <ostream>

namespace deadiff::cli {
namespace {

void printUsage(std::ostream& out) {
    out << "DEADiff Studio " << DEADIFF_VERSION_STRING
        << ": reference-image stylization for Stable Diffusion 1.5 (DEADiff).\n\n"
        << "Usage: deadiff <command> [options]\n"
        << "       deadiff --version [--verbose]\n\n"
        << "Commands:\n";
    for (const Command& command : commands()) {
        const std::string name = command.name;
        out << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ')
            << command.summary << "\n";
    }
    out << "\nRun 'deadiff <command> --help' for the options of a command.\n";
}

const Command* findCommand(const std::string& name) {
    for (const Command& command : commands())
        if (name == command.name)
            return &command;
    return nullptr;
}

} // namespace

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"batch", "run a batch job file (prompts x styles x seeds ...) into a folder", &runBatch},
        {"encode", "print shape and statistics of the contexts the UNet would read", &runEncode},
        {"generate", "paint a prompt in the style of reference images; writes a PNG", &runGenerate},
        {"inspect", "describe a weight file: components, tensor and parameter counts, dtypes",
         &runInspect},
        {"convert", "convert a .ckpt/.pth/.pt (or safetensors) file to safetensors", &runConvert},
        {"train", "train the demo DEADiff on procedural data (stage 1 base model, stage 2 DEADiff)",
         &runTrain},
        {"eval", "score demo models on held-out pairs with subject/style classifiers", &runEval},
        {"models", "list, download (resumable, verified) and verify models in the models folder",
         &runModels},
        {"version", "print the version; with --verbose, the runtime (LibTorch, threads, BLAS)",
         &runVersion},
    };
    return table;
}

int runCli(const std::vector<std::string>& args, Streams io) {
    if (args.empty()) {
        printUsage(io.err);
        return kExitUsage;
    }
    const std::string& first = args.front();
    if (first == "--help" || first == "-h" || first == "help") {
        if (first == "help" && args.size() > 1) {
            if (const Command* command = findCommand(args[1]))
                return command->run({"--help"}, io);
        }
        printUsage(io.out);
        return kExitOk;
    }
    if (first == "--version" || first == "-V")
        return runVersion({args.begin() + 1, args.end()}, io);

    const Command* command = findCommand(first);
    if (command == nullptr) {
        io.err << "deadiff: unknown command '" << first << "'.\n"
               << "Run 'deadiff --help' for the list of commands.\n";
        return kExitUsage;
    }
    // Before any tensor operation: the kernel choice and the thread count are read once.
    configureKernels();
    configureThreads();
    configureAllocator();
    try {
        return command->run({args.begin() + 1, args.end()}, io);
    } catch (const UsageError& error) {
        io.err << "deadiff " << command->name << ": " << error.what() << "\n"
               << "Run 'deadiff " << command->name << " --help' for usage.\n";
        return kExitUsage;
    } catch (const std::exception& error) {
        io.err << "deadiff " << command->name << ": error: " << error.what() << "\n";
        return kExitFailure;
    }
}

} // namespace deadiff::cli
