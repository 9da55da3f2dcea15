#include "app/cli/args.h"
#include "app/cli/commands.h"

#include "core/build_config.h"
#include "core/runtime/system_info.h"

#include <iomanip>
#include <ostream>

namespace deadiff::cli {

int runVersion(const std::vector<std::string>& argv, Streams io) {
    Args args("version [--verbose]",
              "Print the version. With --verbose, also what decides speed on this machine:\n"
              "LibTorch version, thread count, bf16 support and the BLAS that serves sgemm.");
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
    const double gflops = measureSgemmGflops(1024);
    io.out << "sgemm:      " << std::fixed << std::setprecision(1) << gflops
           << " GFLOP/s (float32 1024x1024x1024, " << info.torchThreads << " threads)\n";
    return kExitOk;
}

} // namespace deadiff::cli
