package io.xpu4j.models.onnx;

import io.xpu4j.api.DType;
import io.xpu4j.api.Tensor;

/**
 * The fast paths of fused steps (see {@link Fusion}). Each checks at run time what the pattern
 * match could not know at load time (ranks, dtypes, parameter shapes) and returns false, so that
 * the original nodes run instead, when something does not fit.
 */
final class Fused {
    private Fused() {
    }

    /**
     * Inputs: x, then optionally weight and bias (Step.NONE when absent); param: epsilon; the
     * step's node is the first ReduceMean, whose axes say which dimension is normalised.
     */
    static boolean layerNorm(Step s, Exec e) {
        if (e.isHost(s.in[0])) {
            return false;
        }
        Tensor x = e.tensor(s.in[0]);
        if (!x.dtype().isFloatingPoint() || x.dtype().isFloat8() || x.rank() == 0) {
            return false;
        }
        long[] axes = s.node.attrInts("axes");
        if (axes == null || axes.length != 1 || (axes[0] != -1 && axes[0] != x.rank() - 1)) {
            return false;
        }
        long d = x.shape(-1);
        Tensor w = null;
        Tensor b = null;
        try {
            w = param(e, s.input(1), x, d);
            b = param(e, s.input(2), x, d);
            if ((s.input(1) != Step.NONE && w == null) || (s.input(2) != Step.NONE && b == null)) {
                return false;
            }
            e.put(s.out[0], e.ops.layerNorm(x, w, b, s.param));
            return true;
        } finally {
            if (w != null) {
                w.close();
            }
            if (b != null) {
                b.close();
            }
        }
    }

    /** A [d] view of a LayerNorm weight or bias, or null when it has another shape or dtype. */
    private static Tensor param(Exec e, int id, Tensor x, long d) {
        if (id == Step.NONE) {
            return null;
        }
        long[] shape = e.shape(id);
        long n = 1;
        for (long v : shape) {
            n *= v;
        }
        if (n != d || shape.length == 0 || shape[shape.length - 1] != d || shape.length > x.rank()) {
            return null;
        }
        Tensor p = e.tensor(id, x.dtype());
        return p.dtype() == x.dtype() ? p.reshape(d) : null;
    }

    /** Input: x. */
    static boolean gelu(Step s, Exec e) {
        if (e.isHost(s.in[0])) {
            return false;
        }
        Tensor x = e.tensor(s.in[0]);
        if (!x.dtype().isFloatingPoint() || x.dtype().isFloat8()) {
            return false;
        }
        e.put(s.out[0], e.ops.gelu(x));
        return true;
    }

    /**
     * Inputs: q [B,H,Sq,D], kᵀ [B,H,D,Sk], v [B,H,Sk,Dv], optional additive mask; param: the
     * score scale; the step's node is the Softmax, whose axis must be the last one.
     */
    static boolean attention(Step s, Exec e) {
        for (int i = 0; i < 3; i++) {
            if (e.isHost(s.in[i])) {
                return false;
            }
        }
        Tensor q = e.tensor(s.in[0]);
        Tensor kt = e.tensor(s.in[1]);
        Tensor v = e.tensor(s.in[2]);
        DType dt = q.dtype();
        if (q.rank() != 4 || kt.rank() != 4 || v.rank() != 4 || kt.dtype() != dt || v.dtype() != dt
                || !dt.isFloatingPoint() || dt.isFloat8()) {
            return false;
        }
        long axis = s.node.attrInt("axis", e.opset < 13 ? 1 : -1);
        if (axis != -1 && axis != 3) {
            return false;
        }
        long b = q.shape(0);
        long h = q.shape(1);
        long sq = q.shape(2);
        long sk = kt.shape(3);
        if (kt.shape(0) != b || v.shape(0) != b || kt.shape(1) != h || v.shape(1) != h || kt.shape(2) != q.shape(3)
                || v.shape(2) != sk) {
            return false;
        }
        Tensor mask = null;
        int maskId = s.input(3);
        if (maskId != Step.NONE) {
            long[] ms = e.shape(maskId);
            if (ms.length > 4 || !broadcastsTo(ms, new long[]{b, h, sq, sk})) {
                return false;
            }
            mask = e.tensor(maskId, dt);
            if (mask.dtype() != dt) {
                return false;
            }
            if (isAllZeroOnHost(mask)) {
                // no padding in this batch: adding zeros changes nothing, and the kernel is faster without a mask
                mask = null;
            }
        }
        try (Tensor k = kt.transpose(-1, -2)) {
            e.put(s.out[0], e.ops.scaledDotProductAttention(q, k, v, mask, false, s.param));
        }
        return true;
    }

    /** True for a small mask in host-readable memory whose elements are all 0 (checking a device mask would cost a sync). */
    private static boolean isAllZeroOnHost(Tensor mask) {
        if (!mask.device().isHostAccessible() || mask.numel() > HostArray.HOST_LIMIT) {
            return false;
        }
        for (float f : mask.toFloatArray()) {
            if (f != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean broadcastsTo(long[] from, long[] to) {
        int off = to.length - from.length;
        for (int i = 0; i < from.length; i++) {
            if (from[i] != 1 && from[i] != to[i + off]) {
                return false;
            }
        }
        return true;
    }
}
