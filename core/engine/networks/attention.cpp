#include "core/engine/networks/attention.h"

#include "core/common/error.h"
#include "core/engine/compute/attention_kernels.h"
#include "core/engine/compute/cpu_kernels.h"
#include "core/engine/compute/device.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <vector>

namespace tessera::engine {

namespace {

// [B, T, H*D] -> [B*H, T, D]
at::Tensor splitHeads(const at::Tensor& x, int64_t heads) {
    const int64_t b = x.size(0), t = x.size(1), d = x.size(2) / heads;
    return x.reshape({b, t, heads, d}).permute({0, 2, 1, 3}).reshape({b * heads, t, d});
}

// [B*H, T, D] -> [B, T, H*D]
at::Tensor mergeHeads(const at::Tensor& x, int64_t heads) {
    const int64_t bh = x.size(0), t = x.size(1), d = x.size(2);
    return x.reshape({bh / heads, heads, t, d}).permute({0, 2, 1, 3}).reshape({bh / heads, t, heads * d});
}

// splitHeads(x).contiguous() and mergeHeads(x).contiguous() as row copies: libtorch 1.13 copies these
// permuted bfloat16 views element by element when the head is 40 wide (0.5 GB/s, 5 ms per 4096-token
// projection of an SD1.5 UNet), memcpy of each token's head slice runs at memory speed. Rows of
// `rowWidth` (>= the head's width; 0: the head's width), zero past the head.
at::Tensor packHeadRows(const at::Tensor& x0, int64_t heads, int64_t rowWidth = 0) {
    const at::Tensor x = x0.contiguous();
    const int64_t b = x.size(0), t = x.size(1), d = x.size(2) / heads, bytes = d * x.element_size();
    const int64_t width = std::max(rowWidth, d), rowBytes = width * x.element_size();
    at::Tensor out = at::empty({b * heads, t, width}, x.options());
    const auto* in = static_cast<const char*>(x.data_ptr());
    auto* dst = static_cast<char*>(out.data_ptr());
    at::parallel_for(0, b * heads, 1, [&](int64_t begin, int64_t end) {
        for (int64_t bh = begin; bh < end; ++bh) {
            const char* src = in + ((bh / heads) * t * heads + bh % heads) * bytes;
            for (int64_t r = 0; r < t; ++r) {
                char* row = dst + (bh * t + r) * rowBytes;
                std::memcpy(row, src + r * heads * bytes, size_t(bytes));
                std::memset(row + bytes, 0, size_t(rowBytes - bytes));
            }
        }
    });
    return out;
}

at::Tensor unpackHeadRows(const at::Tensor& x, int64_t heads) {
    const int64_t bh = x.size(0), t = x.size(1), d = x.size(2), bytes = d * x.element_size();
    at::Tensor out = at::empty({bh / heads, t, heads * d}, x.options());
    const auto* in = static_cast<const char*>(x.data_ptr());
    auto* dst = static_cast<char*>(out.data_ptr());
    at::parallel_for(0, bh, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            char* target = dst + ((i / heads) * t * heads + i % heads) * bytes;
            for (int64_t r = 0; r < t; ++r) std::memcpy(target + r * heads * bytes, in + (i * t + r) * bytes, size_t(bytes));
        }
    });
    return out;
}

void checkShapes(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int heads) {
    std::ostringstream why;
    if (q.dim() != 3 || k.dim() != 3 || v.dim() != 3)
        why << "q, k and v must be [batch, tokens, channels]";
    else if (heads <= 0 || q.size(2) % heads != 0)
        why << q.size(2) << " channels cannot be split into " << heads << " heads";
    else if (k.size(2) != q.size(2) || v.size(2) != q.size(2))
        why << "q, k, v channel counts differ (" << q.size(2) << ", " << k.size(2) << ", " << v.size(2) << ")";
    else if (k.size(1) != v.size(1))
        why << "k has " << k.size(1) << " tokens but v has " << v.size(1);
    else if (k.size(1) == 0)
        why << "no tokens to attend to (an empty conditioning?)";
    else if (k.size(0) != v.size(0) || (k.size(0) != q.size(0) && k.size(0) != 1))
        why << "batch sizes differ (q " << q.size(0) << ", k " << k.size(0) << ", v " << v.size(0) << ")";
    const std::string s = why.str();
    if (!s.empty()) throw Error("attention: " + s);
}

}  // namespace

AttentionSlicing planAttentionSlices(int64_t bh, int64_t tq, int64_t tk, const AttentionOptions& options) {
    // Slice over heads while a whole head's scores fit the budget, else over query rows of one head.
    const int64_t rowBytes = tk * int64_t(sizeof(float));
    const int64_t budgetRows = std::max<int64_t>(1, options.maxSliceBytes / rowBytes);
    AttentionSlicing plan{1, tq};
    if (options.queryChunk > 0) {
        plan.queryChunk = std::min(tq, options.queryChunk);
    } else if (budgetRows >= tq) {
        plan.headChunk = std::min(bh, budgetRows / tq);
    } else {
        plan.queryChunk = budgetRows;
    }
    return plan;
}

int64_t cpuAttentionQueryChunk(int64_t tq, int64_t tk, int64_t elementBytes, const AttentionOptions& options) {
    if (options.queryChunk > 0) return std::min(tq, options.queryChunk);
    const int64_t threads = std::max<int64_t>(1, at::get_num_threads());
    const int64_t cacheRows = std::max<int64_t>(1, kCpuAttentionScoreBytes / (tk * elementBytes));
    const int64_t budgetRows = std::max<int64_t>(1, options.maxSliceBytes / (tk * elementBytes * threads));
    return std::min({tq, cacheRows, budgetRows});
}

namespace {

// bfloat16 and float32 on the CPU. One task per (batch*head, query chunk): scores for the chunk (sized for the
// core's cache), softmax in place, then the chunk's output rows written straight into `out`. Tasks run on
// libtorch's threads, each matrix product single-threaded inside them. (float32 used libtorch's batched
// products while the engine's parallel_for ran serially, see core/CMakeLists.txt; chunked it is 1.8x faster.)
void cpuAttention(const at::Tensor& qh, const at::Tensor& kh, const at::Tensor& vh, double scale,
                  const AttentionOptions& options, at::Tensor& out) {
    const int64_t bh = qh.size(0), tq = qh.size(1), tk = kh.size(1);
    const int64_t chunk = cpuAttentionQueryChunk(tq, tk, qh.element_size(), options);
    const int64_t chunks = (tq + chunk - 1) / chunk;
    at::parallel_for(0, bh * chunks, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> scratch(static_cast<size_t>(tk));
        for (int64_t task = begin; task < end; ++task) {
            const int64_t h = task / chunks, q0 = (task % chunks) * chunk, nq = std::min(chunk, tq - q0);
            at::Tensor scores = at::mm(qh[h].narrow(0, q0, nq), kh[h].t());
            const auto softmaxRows = [&](auto* rows) {
                for (int64_t r = 0; r < nq; ++r) kernels::softmaxRow(rows + r * tk, tk, float(scale), scratch.data(), rows + r * tk);
            };
            if (scores.scalar_type() == at::kBFloat16) softmaxRows(reinterpret_cast<kernels::bf16*>(scores.data_ptr()));
            else softmaxRows(scores.data_ptr<float>());
            at::Tensor target = out[h].narrow(0, q0, nq);
            at::mm_out(target, scores, vh[h]);
        }
    });
}

// Each head's keys packed transposed and its values into rows, once; then one task per (batch * head,
// block of query rows) that reads q through its strides and writes its rows of the result in place. No
// slicing is needed: a task holds 24 rows of scores, whatever options.maxSliceBytes says. A head of other
// than whole vectors of values (the tiny test models' 4) has its values padded with zeros and its rows of
// the result written to the task's own buffer, then copied (in place they would overwrite the next head's).
at::Tensor fusedCpuAttention(const at::Tensor& q0, const at::Tensor& k0, const at::Tensor& v0, int heads, double scale) {
    const auto rowMajor = [](const at::Tensor& x) { return x.stride(2) == 1 ? x : x.contiguous(); };
    const at::Tensor q = rowMajor(q0), k = rowMajor(k0);
    const int64_t batch = q.size(0), tq = q.size(1), tk = k.size(1), width = q.size(2) / heads;
    const int64_t keyBatches = k.size(0), ldk = kernels::paddedKeyCount(tk);
    const float* qData = q.data_ptr<float>();
    const float* kData = k.data_ptr<float>();
    const int64_t valueWidth = kernels::attentionValueWidth(width);
    const bool padded = valueWidth != width;
    // [keyBatches * heads, tk, valueWidth]: each head's rows together
    const at::Tensor values = packHeadRows(v0, heads, valueWidth);
    const float* vData = values.data_ptr<float>();

    at::Tensor keysT = at::empty({keyBatches * heads, width, ldk}, q.options());
    float* kT = keysT.data_ptr<float>();
    at::parallel_for(0, keyBatches * heads, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            kernels::packKeysTransposed(kData + (i / heads) * k.stride(0) + (i % heads) * width, k.stride(1), tk, width,
                                        kT + i * width * ldk);
    });

    at::Tensor out = at::empty({batch, tq, heads * width}, q.options());
    float* outData = out.data_ptr<float>();
    const int64_t rows = kFusedAttentionQueryRows, blocks = (tq + rows - 1) / rows;
    at::parallel_for(0, batch * heads * blocks, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> scratch(size_t(kernels::attentionScratchFloats(rows, tk)));
        std::vector<float> paddedRows(padded ? size_t(rows * valueWidth) : 0);
        for (int64_t task = begin; task < end; ++task) {
            const int64_t bh = task / blocks, r0 = (task % blocks) * rows, b = bh / heads, h = bh % heads;
            const int64_t kb = keyBatches == 1 ? 0 : b;
            kernels::AttentionHead head;
            head.q = qData + b * q.stride(0) + r0 * q.stride(1) + h * width;
            head.qStride = q.stride(1);
            head.kT = kT + (kb * heads + h) * width * ldk;
            head.v = vData + (kb * heads + h) * tk * valueWidth;
            head.vStride = valueWidth;
            float* target = outData + (b * tq + r0) * heads * width + h * width;
            head.out = padded ? paddedRows.data() : target;
            head.outStride = padded ? valueWidth : heads * width;
            head.width = width;
            head.keys = tk;
            head.scale = float(scale);
            const int64_t rowsHere = std::min(rows, tq - r0);
            kernels::attendQueryRows(head, rowsHere, scratch.data());
            for (int64_t r = 0; padded && r < rowsHere; ++r)
                std::copy_n(paddedRows.data() + r * valueWidth, width, target + r * heads * width);
        }
    });
    return out;
}

}  // namespace

bool fusedCpuAttentionApplies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int heads,
                              const AttentionOptions& options) {
    const bool float32 = q.device().is_cpu() && q.scalar_type() == at::kFloat && k.scalar_type() == at::kFloat &&
                         v.scalar_type() == at::kFloat;
    if (!float32 || q.dim() != 3 || heads <= 0 || q.size(2) % heads != 0) return false;
    if (!kernels::fusedAttentionTakesHeadWidth(q.size(2) / heads)) return false;
    return options.fusedCpuKernel.value_or(kernels::fusedAttentionPaysOnThisCpu());
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k0, const at::Tensor& v0, int heads,
                     const AttentionOptions& options) {
    checkShapes(q, k0, v0, heads);
    if (q.size(1) == 0) return at::empty_like(q, at::MemoryFormat::Contiguous);  // no query tokens: nothing to plan
    const at::Tensor k = k0.expand({q.size(0), k0.size(1), k0.size(2)});
    const at::Tensor v = v0.expand({q.size(0), v0.size(1), v0.size(2)});
    const double scale = 1.0 / std::sqrt(double(q.size(2) / heads));

    // Where bfloat16 is emulated (no avx512_bf16 or amx_bf16), libtorch 1.13's bfloat16 matrix products
    // keep their running sums in bfloat16: on such a CPU a product over 300 terms is off by 2 % (4096
    // terms: 7 %), and 5x slower than float32. There attention computes in float32 and rounds its result.
    if (isEmulatedBf16(q.device(), q.scalar_type()))
        return attention(q.to(at::kFloat), k0.to(at::kFloat), v0.to(at::kFloat), heads, options).to(at::kBFloat16);

    if (fusedCpuAttentionApplies(q, k0, v0, heads, options)) return fusedCpuAttention(q, k0, v0, heads, scale);

    const bool chunked = q.device().is_cpu() && (q.scalar_type() == at::kBFloat16 || q.scalar_type() == at::kFloat) &&
                         k.scalar_type() == q.scalar_type() && v.scalar_type() == q.scalar_type();
    if (chunked) {
        const at::Tensor qh = packHeadRows(q, heads), kh = packHeadRows(k, heads), vh = packHeadRows(v, heads);
        at::Tensor out = at::empty({qh.size(0), qh.size(1), vh.size(2)}, vh.options());
        cpuAttention(qh, kh, vh, scale, options, out);
        return unpackHeadRows(out, heads);
    }

    // Other devices and dtypes: libtorch's batched products, scores in float32, in slices bounded by the budget.
    const bool reduced = q.scalar_type() == at::kHalf || q.scalar_type() == at::kBFloat16;
    const at::Tensor qh = splitHeads(reduced ? q.to(at::kFloat) : q, heads);
    const at::Tensor kt = splitHeads(reduced ? k.to(at::kFloat) : k, heads).transpose(1, 2);
    const at::Tensor vh = splitHeads(v, heads);
    const int64_t bh = qh.size(0), tq = qh.size(1), tk = kt.size(2);

    const auto [headChunk, queryChunk] = planAttentionSlices(bh, tq, tk, options);

    at::Tensor out = at::empty({bh, tq, vh.size(2)}, vh.options());
    for (int64_t h0 = 0; h0 < bh; h0 += headChunk) {
        const int64_t nh = std::min(headChunk, bh - h0);
        const at::Tensor kSlice = kt.narrow(0, h0, nh);
        const at::Tensor vSlice = vh.narrow(0, h0, nh);
        for (int64_t q0 = 0; q0 < tq; q0 += queryChunk) {
            const int64_t nq = std::min(queryChunk, tq - q0);
            const at::Tensor qSlice = qh.narrow(0, h0, nh).narrow(1, q0, nq);
            at::Tensor scores = at::bmm(qSlice, kSlice).mul_(scale);
            scores = at::softmax(scores, -1);
            if (reduced) scores = scores.to(vh.scalar_type());
            out.narrow(0, h0, nh).narrow(1, q0, nq).copy_(at::bmm(scores, vSlice));
        }
    }
    return mergeHeads(out, heads);
}

}  // namespace tessera::engine
