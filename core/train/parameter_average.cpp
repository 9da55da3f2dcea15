#include "core/train/parameter_average.h"

#include <filesystem>
#include <stdexcept>

namespace deadiff::train {

ParameterAverage::ParameterAverage(std::vector<torch::Tensor> parameters)
    : parameters_(std::move(parameters)) {
    torch::NoGradGuard noGrad;
    for (const torch::Tensor& parameter : parameters_)
        averages_.push_back(parameter.detach().clone());
}

void ParameterAverage::update(double decay) {
    torch::NoGradGuard noGrad;
    for (std::size_t i = 0; i < parameters_.size(); ++i)
        averages_[i].mul_(decay).add_(parameters_[i].detach(), 1.0 - decay);
}

void ParameterAverage::withAverages(const std::function<void()>& use) {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> current;
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
        current.push_back(parameters_[i].detach().clone());
        parameters_[i].detach().copy_(averages_[i]);
    }
    const auto restore = [&] {
        for (std::size_t i = 0; i < parameters_.size(); ++i)
            parameters_[i].detach().copy_(current[i]);
    };
    try {
        use();
    } catch (...) {
        restore();
        throw;
    }
    restore();
}

void ParameterAverage::save(const std::string& path) const {
    torch::save(averages_, path + ".tmp");
    std::filesystem::rename(path + ".tmp", path);
}

void ParameterAverage::load(const std::string& path) {
    std::vector<torch::Tensor> loaded;
    try {
        torch::load(loaded, path);
    } catch (const c10::Error&) {
        throw std::runtime_error(path + " is not a weight average written by deadiff train");
    }
    if (loaded.size() != averages_.size())
        throw std::runtime_error(path + " holds " + std::to_string(loaded.size()) +
                                 " averaged tensors, the phase trains " +
                                 std::to_string(averages_.size()) +
                                 "; delete it to restart the average");
    for (std::size_t i = 0; i < loaded.size(); ++i)
        if (!loaded[i].sizes().equals(averages_[i].sizes()))
            throw std::runtime_error(path + ": averaged tensor " + std::to_string(i) +
                                     " has another shape than its parameter");
    averages_ = std::move(loaded);
}

} // namespace deadiff::train
