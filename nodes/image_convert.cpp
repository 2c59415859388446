#include "nodes/image_convert.h"

#include "core/common/error.h"
#include "core/exec/memory_budget.h"
#include "nodes/image_header.h"

#include <ATen/ATen.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <iterator>

namespace tessera::nodes {
namespace {

bool isJpeg(const std::vector<uint8_t>& bytes) { return bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8; }

cv::Mat decodeWith(const std::vector<uint8_t>& bytes, int flags, const std::string& what) {
    try {
        return cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8U, const_cast<uint8_t*>(bytes.data())), flags);
    } catch (const cv::Exception& e) {
        throw Error("could not read image '" + what + "': " + e.what());
    }
}

// Samples as float 0..1, whatever the file's bit depth. Divides each value in float32 like
// ComfyUI's numpy `astype(np.float32) / 255.0` (a multiplication by 1/255 differs in the last bit).
cv::Mat toUnitFloat(const cv::Mat& m, const std::string& what) {
    float divisor = 1.0f;
    switch (m.depth()) {
    case CV_8U: divisor = 255.0f; break;
    case CV_16U: divisor = 65535.0f; break;
    case CV_32F:
    case CV_64F: break;
    default: throw Error("could not read image '" + what + "': unsupported sample format (use 8- or 16-bit PNG, JPEG, WebP, BMP or TIFF)");
    }
    cv::Mat out;
    m.convertTo(out, CV_32F);
    if (divisor != 1.0f) {
        out = out.reshape(1);
        for (int r = 0; r < out.rows; ++r) {
            float* row = out.ptr<float>(r);
            for (int c = 0; c < out.cols; ++c) row[c] /= divisor;
        }
        out = out.reshape(m.channels());
    }
    return out;
}

}  // namespace

cv::Mat unitFloat(const cv::Mat& samples) { return toUnitFloat(samples, "pixels"); }

DecodedImage decodeImage(const std::vector<uint8_t>& bytes, const std::string& what) {
    if (bytes.empty()) throw Error("could not read image '" + what + "': the file is empty");
    if (!hasLoadableImageSignature(bytes.data(), bytes.size()))
        throw Error("could not read image '" + what + "': not a PNG, JPEG, WebP, BMP or TIFF file");
    // From the header, before the decoder allocates anything.
    if (const auto size = readImageDimensions(bytes))
        requireMemory(imageDecodeBytes(size->pixels()), "decoding the " + std::to_string(size->width) + "x" +
                                                            std::to_string(size->height) + " image '" + what + "'");
    // OpenCV applies EXIF orientation for every flag except IMREAD_UNCHANGED, and only JPEGs carry
    // it in practice; they have no alpha, so decode them as colour to get the rotation.
    cv::Mat raw = decodeWith(bytes, isJpeg(bytes) ? cv::IMREAD_COLOR : cv::IMREAD_UNCHANGED, what);
    if (raw.empty() || raw.rows <= 0 || raw.cols <= 0)
        throw Error("could not read image '" + what +
                    "': not a valid PNG, JPEG, WebP, BMP or TIFF file (it may be truncated or corrupt)");
    const cv::Mat unit = toUnitFloat(raw, what);

    cv::Mat rgb, alpha;
    switch (unit.channels()) {
    case 1: cv::cvtColor(unit, rgb, cv::COLOR_GRAY2RGB); break;
    case 2: {
        cv::Mat parts[2];
        cv::split(unit, parts);
        cv::cvtColor(parts[0], rgb, cv::COLOR_GRAY2RGB);
        alpha = parts[1];
        break;
    }
    case 3: cv::cvtColor(unit, rgb, cv::COLOR_BGR2RGB); break;
    case 4: {
        cv::cvtColor(unit, rgb, cv::COLOR_BGRA2RGB);
        cv::extractChannel(unit, alpha, 3);
        break;
    }
    default:
        throw Error("could not read image '" + what + "': " + std::to_string(unit.channels()) +
                    " channels (expected grey, RGB or RGBA)");
    }
    DecodedImage out;
    out.rgb = matToTensor(rgb).unsqueeze(0);
    if (!alpha.empty()) out.alpha = matToTensor(alpha);
    return out;
}

DecodedImage readImageFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("could not open image '" + path + "'");
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw Error("could not read image '" + path + "'");
    return decodeImage(bytes, path);
}

cv::Mat toUint8(const at::Tensor& hwc) {
    // numpy: np.clip(255. * x, 0, 255).astype(np.uint8) -- the cast truncates.
    at::Tensor scaled = at::nan_to_num(hwc.to(at::kFloat) * 255.0, 0.0, 255.0, 0.0).clamp(0.0, 255.0);
    at::Tensor bytes = scaled.to(at::kByte).contiguous();
    const int h = int(hwc.size(0)), w = int(hwc.size(1));
    const int c = hwc.dim() == 3 ? int(hwc.size(2)) : 1;
    return cv::Mat(h, w, CV_8UC(c), bytes.data_ptr<uint8_t>()).clone();
}

QByteArray encodePng(const at::Tensor& hwc, int compression) {
    cv::Mat bgr;
    cv::cvtColor(toUint8(hwc), bgr, hwc.size(2) == 4 ? cv::COLOR_RGBA2BGRA : cv::COLOR_RGB2BGR);
    std::vector<uint8_t> buffer;
    if (!cv::imencode(".png", bgr, buffer, {cv::IMWRITE_PNG_COMPRESSION, compression}))
        throw Error("could not encode a PNG image");
    return QByteArray(reinterpret_cast<const char*>(buffer.data()), qsizetype(buffer.size()));
}

cv::Mat tensorToMat(const at::Tensor& t) {
    const at::Tensor f = t.to(at::kFloat).contiguous();
    const int c = f.dim() == 3 ? int(f.size(2)) : 1;
    return cv::Mat(int(f.size(0)), int(f.size(1)), CV_32FC(c), f.data_ptr<float>()).clone();
}

at::Tensor matToTensor(const cv::Mat& m) {
    CV_Assert(m.depth() == CV_32F);
    const cv::Mat c = m.isContinuous() ? m : m.clone();
    std::vector<int64_t> shape = {c.rows, c.cols};
    if (c.channels() > 1) shape.push_back(c.channels());
    return at::from_blob(c.data, shape, at::kFloat).clone();
}

}  // namespace tessera::nodes
