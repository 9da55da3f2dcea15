#include "core/pipeline/text_conditioning.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace deadiff::pipeline {

torch::Tensor applyEmphasis(const torch::Tensor& z, const std::vector<double>& multipliers) {
    if (z.dim() != 3 || z.size(1) != static_cast<std::int64_t>(multipliers.size()))
        throw std::invalid_argument(
            "emphasis needs one multiplier per token: " + std::to_string(multipliers.size()) +
            " for " + std::to_string(z.dim() == 3 ? z.size(1) : -1) + " tokens");
    if (std::all_of(multipliers.begin(), multipliers.end(), [](double m) { return m == 1.0; }))
        return z;
    const torch::Tensor scale =
        torch::tensor(multipliers, torch::kDouble).to(z.scalar_type()).view({1, -1, 1});
    const torch::Tensor originalMean = z.mean();
    const torch::Tensor weighted = z * scale;
    return weighted * (originalMean / weighted.mean());
}

torch::Tensor encodeWeightedPrompt(nn::ClipTextModel& text,
                                   const tokenize::WeightedPrompt& prompt) {
    if (prompt.chunks.empty())
        throw std::invalid_argument("a weighted prompt has at least one chunk");
    std::vector<torch::Tensor> ids;
    for (const tokenize::PromptChunk& chunk : prompt.chunks)
        ids.push_back(torch::tensor(chunk.ids, torch::kInt64));
    const torch::Tensor z = text->forward(torch::stack(ids));
    std::vector<torch::Tensor> chunks;
    for (std::size_t i = 0; i < prompt.chunks.size(); ++i)
        chunks.push_back(applyEmphasis(z.narrow(0, static_cast<std::int64_t>(i), 1),
                                       prompt.chunks[i].multipliers));
    return chunks.size() == 1 ? chunks.front() : torch::cat(chunks, 1);
}

} // namespace deadiff::pipeline
