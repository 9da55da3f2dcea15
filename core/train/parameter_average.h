// An exponential moving average of trained parameters (the "EMA weights" of diffusion
// training): a small model trained at a high learning rate samples visibly cleaner shapes from
// its averaged weights than from the last step's.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace deadiff::train {

class ParameterAverage {
public:
    // Starts the average at the parameters' current values.
    explicit ParameterAverage(std::vector<torch::Tensor> parameters);

    // average = decay * average + (1 - decay) * parameter, for each parameter.
    void update(double decay);
    // Runs `use` with the averages in place of the parameters, then puts the parameters back
    // (also when `use` throws).
    void withAverages(const std::function<void()>& use);

    const std::vector<torch::Tensor>& averages() const { return averages_; }

    // Atomic (written next to `path`, then renamed).
    void save(const std::string& path) const;
    // Throws std::runtime_error naming `path` when its tensors do not match the parameters.
    void load(const std::string& path);

private:
    std::vector<torch::Tensor> parameters_;
    std::vector<torch::Tensor> averages_;
};

} // namespace deadiff::train
