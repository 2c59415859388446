// ONNX models users put in the models folder: the first graph input's shape is read from the
// protobuf before the model is loaded (pose preprocessors size their input from it).
#include "tests/fuzz/fuzz_target.h"

#include "core/common/error.h"
#include "nodes/onnx_input_shape.h"

#include <sstream>
#include <string>

TESSERA_FUZZ_TARGET(onnx_input_shape) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    try {
        (void)tessera::nodes::onnxFirstInputShape(in, "fuzz.onnx");
    } catch (const tessera::Error&) {
    }
    return 0;
}
