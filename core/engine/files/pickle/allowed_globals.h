#pragma once
// The allow-list of globals a model pickle may name: PyTorch's weights_only=True list as far as
// state dicts need it, plus the metadata classes ComfyUI allows for Lightning checkpoints.
// Nothing is ever imported or called: an allowed global only tells the unpickler how to build
// a plain value. Any other global is refused with its name.
#include "core/engine/files/pickle/pickle_value.h"

#include <optional>
#include <string>

namespace tessera::engine::pickle {

struct AllowedGlobal {
    GlobalKind kind;
    DType dtype = DType::F32;  // StorageType, DTypeObject
};

// Allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_tensor /
// _rebuild_parameter / _rebuild_parameter_with_state, torch._tensor._rebuild_from_type_v2,
// torch.Tensor, torch.nn.parameter.Parameter, torch.<T>Storage for Float, Half, BFloat16,
// Double, Long, Int, Short, Char, Byte and Bool, the matching dtypes (torch.float32, ...),
// torch.Size, _codecs.encode, builtins.set / frozenset, and torch.jit._pickle.restore_type_tag
// (an identity on its first argument, written by libtorch's C++ torch::pickle_save).
// Inert (opaque placeholders, never tensors): torch.device, collections.Counter, builtins.complex,
// numpy scalars and dtypes (numpy.core.multiarray.scalar, numpy.dtype, numpy.dtypes.*DType,
// numpy.core.multiarray._reconstruct, numpy.ndarray) and pytorch_lightning's ModelCheckpoint and
// other callback classes, which Lightning checkpoints store as metadata.
std::optional<AllowedGlobal> findAllowedGlobal(const std::string& module, const std::string& name);

}  // namespace tessera::engine::pickle
