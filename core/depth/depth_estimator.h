// Monocular depth estimation with a MiDaS-family ONNX model run by OpenCV's cv::dnn (no
// Python, no other runtime). Torch-free.
//
// Model contract (MiDaS v2.1 ONNX releases, e.g. midas_v21_small_256.onnx): one input
// [1, 3, S, S] of RGB pixels normalised with the ImageNet mean (0.485, 0.456, 0.406) and std
// (0.229, 0.224, 0.225) after /255; one output [1, S, S] or [1, 1, S, S] of relative inverse
// depth (larger = nearer). S is read from the model's input shape; models with a dynamic input
// use 384. Only models that were actually run are listed in docs/controlnet.md.
#pragma once

#include <opencv2/core/mat.hpp>

#include <memory>
#include <string>

namespace deadiff::depth {

class DepthEstimator {
public:
    // Reads the ONNX file. Throws std::runtime_error naming the file when it is missing, is not
    // an ONNX model OpenCV can read, or does not have one 3-channel image input.
    static std::unique_ptr<DepthEstimator> load(const std::string& onnxPath);
    ~DepthEstimator();

    // Raw relative inverse depth for an RGB image (CV_8UC3), float32 one channel at the
    // image's size (the network output resized back with bicubic interpolation, clamped to the
    // output's range). Not yet normalised: see normalizeDepth().
    cv::Mat estimate(const cv::Mat& rgb);

    const std::string& path() const { return path_; }
    int inputSize() const { return inputSize_; }

private:
    DepthEstimator() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string path_;
    int inputSize_ = 384;
};

} // namespace deadiff::depth
