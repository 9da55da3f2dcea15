#include "app/cli/args.h"
#include "app/cli/commands.h"

#include "core/build_config.h"
#include "core/models/catalog.h"
#include "core/models/models_folder.h"
#include "core/pipeline/default_model.h"
#include "core/runtime/system_info.h"
#include "core/tokenize/vocab_location.h"

#include <iomanip>
#include <ostream>

namespace deadiff::cli {

int runVersion(const std::vector<std::string>& argv, Streams io) {
    Args args("version [--verbose]",
              "Print the version. With --verbose, also what decides speed on this machine:\n"
              "LibTorch version, thread count, bf16 support, the BLAS that serves sgemm, and\n"
              "where the vocabularies, the demo model, the catalogue and the models folder are.");
    args.flag("--verbose", "describe the runtime and time a 1024^3 float32 matrix product");
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    if (!args.has("--verbose")) {
        io.out << "deadiff " << DEADIFF_VERSION_STRING << "\n";
        return kExitOk;
    }
    configureThreads();
    const RuntimeInfo info = runtimeInfo();
    io.out << describeRuntime(info);
    // Where the data was found: an installed copy must use its own, not a source checkout's.
    std::string vocab;
    try {
        vocab = tokenize::defaultVocabDir();
    } catch (const std::exception& error) {
        vocab = error.what();
    }
    const std::string demo = pipeline::bundledModelDir();
    const std::string catalog = models::defaultCatalogPath();
    io.out << "vocabulary: " << vocab << "\n"
           << "demo model: " << (demo.empty() ? "not installed" : demo) << "\n"
           << "catalogue:  " << (catalog.empty() ? "not installed" : catalog) << "\n"
           << "models:     " << models::modelsRoot() << "\n";
    const double gflops = measureSgemmGflops(1024);
    io.out << "sgemm:      " << std::fixed << std::setprecision(1) << gflops
           << " GFLOP/s (float32 1024x1024x1024, " << info.torchThreads << " threads)\n";
    return kExitOk;
}

} // namespace deadiff::cli
