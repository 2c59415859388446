#include "nodes/onnx_annotator.h"

#include "core/common/error.h"
#include "nodes/annotator_frame.h"
#include "nodes/image_convert.h"

#include <opencv2/dnn.hpp>

#include <algorithm>
#include <filesystem>

namespace tessera::nodes {

std::string requireAnnotatorModel(const NodeContext& ctx, const std::string& fileName) {
    const std::string path = ctx.env().findModel(kAnnotatorFolder, fileName);
    if (!path.empty()) return path;
    const auto& dirs = ctx.env().modelDirs;
    const std::filesystem::path models = dirs.empty() ? std::filesystem::path("models") : std::filesystem::path(dirs.front());
    ctx.fail("needs the ONNX model '" + fileName + "': put " + fileName + " in " + (models / kAnnotatorFolder).string());
}

cv::Mat annotatorBlob(const cv::Mat& rgb8, const BlobNormalisation& n) {
    const int channels = n.onesChannel ? 4 : 3;
    const int shape[4] = {1, channels, rgb8.rows, rgb8.cols};
    cv::Mat blob(4, shape, CV_32F);
    const size_t plane = size_t(rgb8.rows) * size_t(rgb8.cols);
    float* out = blob.ptr<float>();
    const float one = (1.0f - n.sub[0]) / n.div[0] + n.add;
    for (int y = 0; y < rgb8.rows; ++y)
        for (int x = 0; x < rgb8.cols; ++x) {
            const cv::Vec3b& px = rgb8.at<cv::Vec3b>(y, x);
            const size_t at = size_t(y) * size_t(rgb8.cols) + size_t(x);
            for (size_t c = 0; c < 3; ++c)  // divided, not multiplied by 1/div: the pack's float32 rounding
                out[c * plane + at] = (float(px[n.bgr ? 2 - int(c) : int(c)]) - n.sub[c]) / n.div[c] + n.add;
            if (n.onesChannel) out[3 * plane + at] = one;
        }
    return blob;
}

cv::Mat annotatorBlob(const cv::Mat& rgb8, float divisor, float offset, bool bgr) {
    BlobNormalisation n;
    n.div = {divisor, divisor, divisor};
    n.add = offset;
    n.bgr = bgr;
    return annotatorBlob(rgb8, n);
}

at::Tensor annotateWithModel(const NodeContext& ctx, const at::Tensor& images, const std::string& fileName,
                             int64_t resolution, int interpolation,
                             const std::function<cv::Mat(AnnotatorNet&, const cv::Mat&)>& detect) {
    const std::string path = requireAnnotatorModel(ctx, fileName);
    try {
        AnnotatorNet net(path);
        const int64_t res = annotatorDetectResolution(resolution);
        return annotateBatch(ctx, images, [&](const at::Tensor& img) {
            const AnnotatorFrame f = annotatorFrame(toUint8(img), res, interpolation);
            return annotatorResult(f.unpad(detect(net, f.padded)));
        });
    } catch (const Error& e) {
        ctx.fail(e.what());
    }
}

cv::Mat firstMap(const cv::Mat& output) {
    if (output.depth() != CV_32F || output.dims < 2) throw Error("the model's output is not a float map");
    const int h = output.size[output.dims - 2], w = output.size[output.dims - 1];
    const cv::Mat contiguous = output.isContinuous() ? output : output.clone();
    return cv::Mat(h, w, CV_32F, const_cast<uchar*>(contiguous.ptr())).clone();
}

struct AnnotatorNet::Impl {
    cv::dnn::Net net;
};

AnnotatorNet::AnnotatorNet(const std::string& onnxPath) : impl_(std::make_unique<Impl>()), path_(onnxPath) {
    try {
        impl_->net = cv::dnn::readNetFromONNX(onnxPath);
    } catch (const cv::Exception& e) {
        throw Error("could not load the model '" + onnxPath + "' (is it a valid ONNX file?): " + e.err);
    }
    if (impl_->net.empty()) throw Error("the model '" + onnxPath + "' contains no network");
    impl_->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    impl_->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
}

AnnotatorNet::~AnnotatorNet() = default;

std::vector<cv::Mat> AnnotatorNet::forward(const cv::Mat& blob, bool lastLayerOnly) {
    std::vector<cv::Mat> outs;
    try {
        impl_->net.setInput(blob);
        if (lastLayerOnly)
            outs.push_back(impl_->net.forward());
        else
            impl_->net.forward(outs, impl_->net.getUnconnectedOutLayersNames());
    } catch (const cv::Exception& e) {
        throw Error("the model '" + path_ + "' failed on a " + std::to_string(blob.size[3]) + "x" +
                    std::to_string(blob.size[2]) + " input: " + e.err);
    }
    return outs;
}

std::vector<cv::Mat> AnnotatorNet::forward(const cv::Mat& blob, const std::vector<std::string>& outputNames) {
    const std::vector<std::string> have = impl_->net.getUnconnectedOutLayersNames();
    for (const std::string& name : outputNames)
        if (std::find(have.begin(), have.end(), name) == have.end()) {
            std::string list;
            for (const std::string& h : have) list += (list.empty() ? "" : ", ") + h;
            throw Error("the model '" + path_ + "' has no output '" + name + "' (it has: " + list + ")");
        }
    std::vector<cv::Mat> outs;
    try {
        impl_->net.setInput(blob);
        impl_->net.forward(outs, outputNames);
    } catch (const cv::Exception& e) {
        throw Error("the model '" + path_ + "' failed on a " + std::to_string(blob.size[3]) + "x" +
                    std::to_string(blob.size[2]) + " input: " + e.err);
    }
    return outs;
}

}  // namespace tessera::nodes
