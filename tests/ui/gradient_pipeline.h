// The GUI tests' factory around the Qt-free GradientPipeline double.
#pragma once

#include "tests/support/gradient_pipeline.h"
#include "ui/generation_worker.h"

namespace deadiff::testing {

// Paths containing "broken" fail to load with a loader-style message.
inline ui::PipelineFactory gradientFactory(std::shared_ptr<GradientProbe> probe) {
    return [probe](const std::string& path, const PipelineOptions&,
                   const LoadProgress& progress) -> std::unique_ptr<Pipeline> {
        ++probe->loads;
        if (progress)
            progress("text encoder", 0.5);
        if (path.find("broken") != std::string::npos)
            throw std::runtime_error(path + ": not a safetensors file (header length exceeds "
                                            "the file size)");
        if (progress)
            progress("done", 1.0);
        return std::make_unique<GradientPipeline>(path, probe);
    };
}

} // namespace deadiff::testing
