#include "app/cli/args.h"
#include "app/cli/commands.h"

#include "core/io/weight_file.h"

#include <torch/types.h>

#include <cstdio>
#include <filesystem>
#include <ostream>

namespace deadiff::cli {

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

    const io::WeightFile file = io::WeightFile::open(input);
    std::uint64_t totalBytes = 0;
    for (const io::TensorInfo& info : file.tensors())
        totalBytes += info.byteSize;

    std::vector<io::SafetensorsEntry> entries;
    std::uint64_t doneBytes = 0;
    std::size_t doneTensors = 0;
    int reportedTenth = -1;
    const std::size_t count = file.tensors().size();
    auto report = [&] {
        const int tenth = totalBytes == 0 ? 10 : static_cast<int>(doneBytes * 10 / totalBytes);
        if (tenth == reportedTenth && doneTensors != count)
            return;
        reportedTenth = tenth;
        char line[160];
        std::snprintf(line, sizeof line, "convert: %zu/%zu tensors, %.2f/%.2f GB\n", doneTensors,
                      count, static_cast<double>(doneBytes) / 1e9,
                      static_cast<double>(totalBytes) / 1e9);
        io.err << line << std::flush;
    };
    for (const io::TensorInfo& info : file.tensors()) {
        entries.push_back(
            {info.name, info.dtype, info.shape, [&file, &info, &doneBytes, &doneTensors, &report] {
                 torch::Tensor tensor = file.tensor(info.name);
                 doneBytes += info.byteSize;
                 ++doneTensors;
                 report();
                 return tensor;
             }});
    }
    std::map<std::string, std::string> metadata{
        {"format", "pt"}, {"converted_from", std::filesystem::path(input).filename().string()}};
    io::writeSafetensors(output, entries, metadata);
    io.out << "wrote " << output << ": " << count << " tensors, " << totalBytes << " bytes\n";
    return kExitOk;
}

} // namespace deadiff::cli
