#include "core/depth/depth_estimator.h"

#include "core/io/bounded_file.h"

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

namespace deadiff::depth {
namespace {

constexpr int kDefaultInputSize = 384; // MiDaS v2.1 large / DPT; used for dynamic inputs
const cv::Scalar kImageNetMean(0.485, 0.456, 0.406);
const cv::Scalar kImageNetStd(0.229, 0.224, 0.225);

// Just enough of the protobuf wire format to read an ONNX model's input shape, which
// cv::dnn 4.6 does not expose (Net::getLayerShapes needs the shape it would report).
class ProtoReader {
public:
    ProtoReader(const std::uint8_t* data, std::size_t size)
        : at_(data)
        , end_(data + size) {}

    struct Field {
        std::uint32_t number = 0;
        std::uint32_t wireType = 0;
        std::uint64_t varint = 0;
        const std::uint8_t* bytes = nullptr; // wire type 2
        std::size_t length = 0;
    };

    // False at the end; throws on malformed data.
    bool next(Field& field) {
        if (at_ >= end_)
            return false;
        const std::uint64_t key = varint();
        field.number = static_cast<std::uint32_t>(key >> 3);
        field.wireType = static_cast<std::uint32_t>(key & 7);
        switch (field.wireType) {
        case 0:
            field.varint = varint();
            break;
        case 1:
            skip(8);
            break;
        case 2: {
            const std::uint64_t length = varint();
            if (length > static_cast<std::uint64_t>(end_ - at_))
                throw std::runtime_error("truncated field");
            field.bytes = at_;
            field.length = static_cast<std::size_t>(length);
            at_ += length;
            break;
        }
        case 5:
            skip(4);
            break;
        default:
            throw std::runtime_error("unknown wire type");
        }
        return true;
    }

private:
    std::uint64_t varint() {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at_ >= end_)
                throw std::runtime_error("truncated varint");
            const std::uint8_t byte = *at_++;
            value |= std::uint64_t{byte & 0x7fu} << shift;
            if (!(byte & 0x80))
                return value;
        }
        throw std::runtime_error("varint too long");
    }
    void skip(std::size_t n) {
        if (n > static_cast<std::size_t>(end_ - at_))
            throw std::runtime_error("truncated field");
        at_ += n;
    }

    const std::uint8_t* at_;
    const std::uint8_t* end_;
};

std::string stringOf(const ProtoReader::Field& field) {
    return std::string(reinterpret_cast<const char*>(field.bytes), field.length);
}

// The dims of the first graph input that is not an initializer (older exporters list the
// weights as inputs too); -1 for a symbolic dimension. ModelProto.graph = 7, GraphProto.input
// = 11, .initializer = 5 (TensorProto.name = 8), ValueInfoProto.name = 1, .type = 2,
// TypeProto.tensor_type = 1, Tensor.shape = 2, TensorShapeProto.dim = 1, Dimension.dim_value = 1.
std::optional<std::vector<std::int64_t>> onnxInputShape(const std::vector<std::uint8_t>& file) {
    ProtoReader model(file.data(), file.size());
    ProtoReader::Field field;
    const std::uint8_t* graph = nullptr;
    std::size_t graphLength = 0;
    while (model.next(field))
        if (field.number == 7 && field.wireType == 2) {
            graph = field.bytes;
            graphLength = field.length;
        }
    if (graph == nullptr)
        return std::nullopt;
    std::set<std::string> initializers;
    std::vector<std::pair<std::string, std::vector<std::int64_t>>> inputs;
    ProtoReader graphReader(graph, graphLength);
    while (graphReader.next(field)) {
        if (field.wireType != 2)
            continue;
        if (field.number == 5) {
            ProtoReader tensor(field.bytes, field.length);
            ProtoReader::Field inner;
            while (tensor.next(inner))
                if (inner.number == 8 && inner.wireType == 2)
                    initializers.insert(stringOf(inner));
        } else if (field.number == 11) {
            std::string name;
            std::vector<std::int64_t> dims;
            ProtoReader valueInfo(field.bytes, field.length);
            ProtoReader::Field inner;
            while (valueInfo.next(inner)) {
                if (inner.number == 1 && inner.wireType == 2)
                    name = stringOf(inner);
                if (inner.number != 2 || inner.wireType != 2)
                    continue;
                ProtoReader type(inner.bytes, inner.length);
                ProtoReader::Field typeField;
                while (type.next(typeField)) {
                    if (typeField.number != 1 || typeField.wireType != 2)
                        continue;
                    ProtoReader tensorType(typeField.bytes, typeField.length);
                    ProtoReader::Field shape;
                    while (tensorType.next(shape)) {
                        if (shape.number != 2 || shape.wireType != 2)
                            continue;
                        ProtoReader shapeReader(shape.bytes, shape.length);
                        ProtoReader::Field dim;
                        while (shapeReader.next(dim)) {
                            if (dim.number != 1 || dim.wireType != 2)
                                continue;
                            std::int64_t value = -1;
                            ProtoReader dimReader(dim.bytes, dim.length);
                            ProtoReader::Field dimField;
                            while (dimReader.next(dimField))
                                if (dimField.number == 1 && dimField.wireType == 0)
                                    value = static_cast<std::int64_t>(dimField.varint);
                            dims.push_back(value);
                        }
                    }
                }
            }
            inputs.emplace_back(name, dims);
        }
    }
    for (const auto& [name, dims] : inputs)
        if (!initializers.count(name))
            return dims;
    return std::nullopt;
}

} // namespace

struct DepthEstimator::Impl {
    cv::dnn::Net net;
};

DepthEstimator::~DepthEstimator() = default;

std::unique_ptr<DepthEstimator> DepthEstimator::load(const std::string& onnxPath) {
    namespace fs = std::filesystem;
    std::error_code error;
    if (!fs::exists(onnxPath, error))
        throw std::runtime_error(onnxPath + ": no such depth model file (give a MiDaS .onnx)");
    std::vector<std::uint8_t> bytes;
    try {
        bytes = io::readBoundedFile(onnxPath, io::kMaxOnnxFileBytes, "depth model");
    } catch (const io::FileAccessError& error) {
        throw std::runtime_error(error.what());
    }
    const std::string notOnnx = onnxPath +
                                " is not an ONNX model OpenCV can read; the depth model must be a "
                                "MiDaS-family .onnx file (e.g. midas_v21_small_256.onnx)";
    std::optional<std::vector<std::int64_t>> shape;
    try {
        shape = onnxInputShape(bytes);
    } catch (const std::runtime_error&) {
        throw std::runtime_error(notOnnx);
    }
    if (!shape)
        throw std::runtime_error(notOnnx);
    if (shape->size() != 4 || ((*shape)[1] != 3 && (*shape)[1] != -1))
        throw std::runtime_error(onnxPath + ": the model's input is not one [1, 3, H, W] image "
                                            "(MiDaS layout), so it is not a depth estimator");

    auto estimator = std::unique_ptr<DepthEstimator>(new DepthEstimator());
    estimator->impl_ = std::make_unique<Impl>();
    estimator->path_ = onnxPath;
    try {
        estimator->impl_->net =
            cv::dnn::readNetFromONNX(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    } catch (const cv::Exception& e) {
        throw std::runtime_error(notOnnx + " (" + e.err + ")");
    }
    if (estimator->impl_->net.empty())
        throw std::runtime_error(notOnnx);
    estimator->impl_->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    estimator->impl_->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    const std::int64_t h = (*shape)[2];
    const std::int64_t w = (*shape)[3];
    if (h > 0 && w > 0 && h != w)
        throw std::runtime_error(onnxPath + ": non-square model input " + std::to_string(h) + "x" +
                                 std::to_string(w) + " is not supported");
    estimator->inputSize_ = h > 0 ? static_cast<int>(h) : kDefaultInputSize;
    return estimator;
}

cv::Mat DepthEstimator::estimate(const cv::Mat& rgb) {
    if (rgb.empty() || rgb.type() != CV_8UC3)
        throw std::invalid_argument("DepthEstimator::estimate needs an 8-bit RGB image");
    const int side = inputSize_;
    cv::Mat resized;
    cv::resize(rgb, resized, cv::Size(side, side), 0, 0, cv::INTER_CUBIC);
    cv::Mat normalized;
    resized.convertTo(normalized, CV_32FC3, 1.0 / 255.0);
    normalized = (normalized - kImageNetMean) / kImageNetStd;
    // HWC RGB -> NCHW; no channel swap: the pixels are already RGB, as MiDaS expects.
    const cv::Mat blob = cv::dnn::blobFromImage(normalized);
    cv::Mat output;
    try {
        impl_->net.setInput(blob);
        output = impl_->net.forward();
    } catch (const cv::Exception& e) {
        throw std::runtime_error(path_ + ": the depth model failed to run: " + e.err);
    }
    const int dims = output.dims;
    if (output.total() != static_cast<std::size_t>(output.size[dims - 2]) *
                              static_cast<std::size_t>(output.size[dims - 1]) ||
        dims < 2)
        throw std::runtime_error(path_ + ": the depth model gives more than one map; expected a "
                                         "[1, H, W] or [1, 1, H, W] depth output");
    const cv::Mat map(output.size[dims - 2], output.size[dims - 1], CV_32F, output.ptr<float>());
    cv::Mat depth;
    cv::resize(map, depth, rgb.size(), 0, 0, cv::INTER_CUBIC);
    // Bicubic overshoot at sharp edges would move the min-max normalisation: keep the
    // network's own range.
    double low = 0;
    double high = 0;
    cv::minMaxLoc(map, &low, &high);
    cv::max(depth, low, depth);
    cv::min(depth, high, depth);
    return depth;
}

} // namespace deadiff::depth
