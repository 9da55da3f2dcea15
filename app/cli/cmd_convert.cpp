#include "app/cli/args.h"
#include "app/cli/commands.h"

#include "core/io/convert.h"

#include <cstdio>
#include <filesystem>
#include <ostream>

namespace deadiff::cli {

io::ConvertSummary convertReporting(const std::string& input, const std::string& output,
                                    std::ostream& err) {
    int reportedTenth = -1;
    return io::convertToSafetensors(input, output, [&](const io::ConvertProgress& progress) {
        const int tenth = progress.totalBytes == 0
                              ? 10
                              : static_cast<int>(progress.doneBytes * 10 / progress.totalBytes);
        if (tenth == reportedTenth && progress.doneTensors != progress.totalTensors)
            return;
        reportedTenth = tenth;
        char line[160];
        std::snprintf(line, sizeof line, "convert: %zu/%zu tensors, %.2f/%.2f GB\n",
                      progress.doneTensors, progress.totalTensors,
                      static_cast<double>(progress.doneBytes) / 1e9,
                      static_cast<double>(progress.totalBytes) / 1e9);
        err << line << std::flush;
    });
}

int runConvert(const std::vector<std::string>& argv, Streams io) {
    Args args("convert IN OUT.safetensors",
              "Convert a weight file (a PyTorch .ckpt/.pth/.pt zip checkpoint, or safetensors)\n"
              "to safetensors, tensor by tensor: every tensor keeps its name, dtype, shape and\n"
              "bytes. Memory stays small (the input is memory-mapped and streamed). The output\n"
              "appears only when complete; a failure leaves no partial file.");
    args.positional("IN", "the weight file to read").positional("OUT", "the .safetensors to write");
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    const std::string input = args.positionalValue("IN");
    const std::string output = args.positionalValue("OUT");
    std::error_code error;
    if (std::filesystem::equivalent(input, output, error))
        throw UsageError("IN and OUT are the same file");

    const io::ConvertSummary summary = convertReporting(input, output, io.err);
    io.out << "wrote " << output << ": " << summary.tensors << " tensors, " << summary.bytes
           << " bytes\n";
    return kExitOk;
}

} // namespace deadiff::cli
