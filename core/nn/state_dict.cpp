#include "core/nn/state_dict.h"

#include "core/io/safetensors.h"
#include "core/io/weight_file.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace deadiff::nn {
namespace {

std::string shapeText(c10::IntArrayRef sizes) {
    std::ostringstream text;
    text << "[";
    for (std::size_t i = 0; i < sizes.size(); ++i)
        text << (i ? ", " : "") << sizes[i];
    text << "]";
    return text.str();
}

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

// Writes one byte in every 4 KiB page of the tensors, split across the configured threads. The
// first touch of fresh memory is a page fault (and in a VM a fault on the host, 0.5 GB/s on the
// development VM): the conversions that follow take them inside ATen's copy at about one
// thread's rate; here they run side by side. Each tensor is overwritten whole right after.
void touchPagesInParallel(const std::vector<torch::Tensor>& tensors) {
    constexpr std::size_t kPage = 4096;
    std::vector<std::pair<char*, std::size_t>> ranges;
    std::size_t total = 0;
    for (const torch::Tensor& tensor : tensors) {
        ranges.emplace_back(static_cast<char*>(tensor.data_ptr()), tensor.nbytes());
        total += tensor.nbytes();
    }
    const std::size_t threads =
        std::max<std::size_t>(1, static_cast<std::size_t>(at::get_num_threads()));
    if (threads < 2 || total < (std::size_t{64} << 20))
        return;
    const auto touch = [&ranges](std::size_t begin, std::size_t end) {
        std::size_t offset = 0; // of the current range in the concatenation
        for (const auto& [data, bytes] : ranges) {
            const std::size_t from = std::max(begin, offset), to = std::min(end, offset + bytes);
            for (std::size_t at = from; at < to; at += kPage)
                *static_cast<volatile char*>(data + (at - offset)) = 0;
            offset += bytes;
        }
    };
    std::vector<std::thread> helpers;
    const std::size_t share = (total + threads - 1) / threads;
    for (std::size_t i = 1; i < threads; ++i)
        helpers.emplace_back(touch, i * share, std::min(total, (i + 1) * share));
    touch(0, share);
    for (std::thread& helper : helpers)
        helper.join();
}

} // namespace

TensorMap tensorsOf(const io::SafetensorsFile& file) {
    TensorMap tensors;
    for (const io::TensorInfo& info : file.tensors())
        tensors.emplace(info.name, file.tensor(info));
    return tensors;
}

TensorMap tensorsOf(const io::WeightFile& file) {
    TensorMap tensors;
    for (const io::TensorInfo& info : file.tensors())
        tensors.emplace(info.name, file.tensor(info.name));
    return tensors;
}

void loadStateDict(torch::nn::Module& module, const TensorMap& tensors, const std::string& prefix,
                   const LoadOptions& options) {
    torch::NoGradGuard noGrad;
    std::vector<std::string> missing;
    std::vector<std::string> mismatched;
    std::set<std::string> used;
    std::vector<std::pair<torch::Tensor, torch::Tensor>> copies; // target, source

    const auto assign = [&](const std::string& name, torch::Tensor& target) {
        const std::string key = prefix + name;
        const auto it = tensors.find(key);
        if (it == tensors.end()) {
            missing.push_back(key);
            return;
        }
        used.insert(key);
        const torch::Tensor& source = it->second;
        if (source.sizes() != target.sizes()) {
            mismatched.push_back(key + ": checkpoint " + shapeText(source.sizes()) + ", model " +
                                 shapeText(target.sizes()));
            return;
        }
        if (options.checkOnly)
            return;
        if (options.shareMemory && source.scalar_type() == target.scalar_type() &&
            source.device() == target.device() && source.is_contiguous()) {
            target.set_data(source);
        } else {
            copies.emplace_back(target, source);
        }
    };

    for (auto& item : module.named_parameters(/*recurse=*/true))
        assign(item.key(), item.value());
    for (auto& item : module.named_buffers(/*recurse=*/true))
        assign(item.key(), item.value());
    // Not a target whose storage is also a source (a module that shares a file's tensors and
    // is loaded from them again): its bytes must stay until they are copied.
    std::unordered_set<const void*> sourceStorages;
    for (const auto& [target, source] : copies)
        sourceStorages.insert(source.storage().data());
    std::vector<torch::Tensor> wholeTargets;
    for (const auto& [target, source] : copies)
        if (target.device().is_cpu() && target.is_contiguous() &&
            sourceStorages.count(target.storage().data()) == 0)
            wholeTargets.push_back(target);
    touchPagesInParallel(wholeTargets);
    for (auto& [target, source] : copies)
        target.copy_(source); // converts the dtype on the way: no temporary copy

    std::vector<std::string> unexpected;
    for (auto it = tensors.lower_bound(prefix);
         it != tensors.end() && startsWith(it->first, prefix); ++it) {
        if (used.count(it->first))
            continue;
        const std::string rest = it->first.substr(prefix.size());
        bool ignored = false;
        for (const std::string& pattern : options.ignoredKeyPrefixes)
            ignored = ignored || startsWith(rest, pattern);
        if (!ignored)
            unexpected.push_back(it->first);
    }

    if (missing.empty() && mismatched.empty() && unexpected.empty())
        return;
    std::ostringstream message;
    message << "checkpoint does not fit the model under '" << prefix << "':";
    const auto list = [&](const char* title, const std::vector<std::string>& keys) {
        if (keys.empty())
            return;
        message << "\n  " << title << " (" << keys.size() << "):";
        for (std::size_t i = 0; i < keys.size() && i < 12; ++i)
            message << "\n    " << keys[i];
        if (keys.size() > 12)
            message << "\n    ... and " << keys.size() - 12 << " more";
    };
    list("shape mismatch", mismatched);
    list("missing", missing);
    list("unexpected", unexpected);
    throw std::runtime_error(message.str());
}

TensorMap stateDictOf(const torch::nn::Module& module, const std::string& prefix) {
    TensorMap tensors;
    for (const auto& item : module.named_parameters(/*recurse=*/true))
        tensors.emplace(prefix + item.key(), item.value().detach());
    for (const auto& item : module.named_buffers(/*recurse=*/true))
        tensors.emplace(prefix + item.key(), item.value().detach());
    return tensors;
}

} // namespace deadiff::nn
