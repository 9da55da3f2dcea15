#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/request_args.h"

#include "core/pipeline/pipeline.h"

#include <cstdio>
#include <ostream>

namespace deadiff::cli {

int runEncode(const std::vector<std::string>& argv, Streams io) {
    Args args("encode --model CKPT --prompt TEXT [--style a.png [--style b.png --mix W]] "
              "[--content c.png] [--mode MODE] [--save OUT.safetensors]",
              "Compute the contexts the UNet would read (prompt, negative prompt, style and\n"
              "content image tokens) and print each one's shape, mean and standard deviation.");
    addRequestOptions(args);
    args.option("--save", "PATH", "also write the contexts to a safetensors file");
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    GenerationRequest request = validatedRequestFromArgs(args);
    // The text and reference encoders run in float32; the UNet dtype does not matter here.
    LoadOptions options = loadOptionsFor(request, {});
    options.dtype = ComputeDtype::Float32;
    auto pipeline = Pipeline::load(options);
    printLoadNotes(pipeline->facts(), io.err);
    fitToModel(request, args, pipeline->facts());
    for (const ContextStats& stats : pipeline->encode(request, args.value("--save"))) {
        std::string shape = "[";
        for (std::size_t i = 0; i < stats.shape.size(); ++i)
            shape += (i ? "," : "") + std::to_string(stats.shape[i]);
        shape += "]";
        char line[160];
        std::snprintf(line, sizeof line, "%-14s %-12s mean %.5f std %.5f\n", stats.name.c_str(),
                      shape.c_str(), stats.mean, stats.std);
        io.out << line;
    }
    return kExitOk;
}

} // namespace deadiff::cli
