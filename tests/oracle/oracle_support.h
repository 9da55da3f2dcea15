// Shared by the oracle tests: checkpoint sub-dicts and the acceptance metric.
#pragma once

#include "core/io/safetensors.h"
#include "core/nn/state_dict.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

namespace deadiff::test {

// The zero-copy views of the checkpoint's tensors whose names start with `prefix`.
inline nn::TensorMap tensorsWithPrefix(const io::SafetensorsFile& file, const std::string& prefix) {
    nn::TensorMap tensors;
    for (const io::TensorInfo& info : file.tensors())
        if (info.name.compare(0, prefix.size(), prefix) == 0)
            tensors.emplace(info.name, file.tensor(info));
    return tensors;
}

// max|ours − ref| / max|ref| (oracle README "Comparing").
inline double relativeMaxError(const torch::Tensor& ours, const torch::Tensor& reference) {
    const torch::Tensor a = ours.to(torch::kDouble);
    const torch::Tensor b = reference.to(torch::kDouble);
    return ((a - b).abs().max() / b.abs().max()).item<double>();
}

// Checks shape and the metric against `bound`, and prints the value for the report.
inline void expectMatches(const std::string& name, const torch::Tensor& ours,
                          const torch::Tensor& reference, double bound = 1e-4) {
    ASSERT_EQ(ours.sizes(), reference.sizes()) << name;
    const double error = relativeMaxError(ours, reference);
    std::printf("[oracle] %-28s max|ours-ref|/max|ref| = %.3e\n", name.c_str(), error);
    EXPECT_LE(error, bound) << name;
}

} // namespace deadiff::test
