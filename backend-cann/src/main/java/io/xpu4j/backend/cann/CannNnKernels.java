package io.xpu4j.backend.cann;

import io.xpu4j.api.Config.MatmulPrecision;
import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.ContractErrors;
import io.xpu4j.api.spi.MemoryBlock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import static io.xpu4j.api.DType.BOOL;
import static io.xpu4j.api.DType.F32;
import static io.xpu4j.api.DType.I32;
import static io.xpu4j.api.DType.I64;
import static io.xpu4j.api.DType.I8;
import static io.xpu4j.backend.cann.CannKernels.B;
import static io.xpu4j.backend.cann.CannKernels.FLOAT;
import static io.xpu4j.backend.cann.CannKernels.describe;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * Matmul, softmax, normalisation, embedding, rope and attention on aclnn. Rope and attention
 * have no single aclnn operator here and are composed from several (see {@code docs/cann.md}).
 */
final class CannNnKernels {
    /**
     * Attention's internal BatchMatMuls keep the input dtype: {@code matmulPrecision} applies to
     * {@code matmul}/{@code linear} only.
     */
    static final byte CUBE_KEEP_DTYPE = CubeMath.KEEP_DTYPE;

    private CannNnKernels() {
    }

    static void register(KernelRegistry r, AclnnOps ops) {
        for (DType t : FLOAT) {
            if (ops.has("Mm", "BatchMatMul", "Matmul", "InplaceFillScalar")) {
                r.register(B, "matmul", List.of(t, t), List.of(t), CannNnKernels::matmul);
            }
            if (ops.has("Softmax")) {
                r.register(B, "softmax", List.of(t), List.of(t), c -> softmax(c, "Softmax"));
            }
            if (ops.has("LogSoftmax")) {
                r.register(B, "log_softmax", List.of(t), List.of(t), c -> softmax(c, "LogSoftmax"));
            }
            if (ops.has("LayerNorm")) {
                r.register(B, "layer_norm", List.of(t), List.of(t), CannNnKernels::layerNorm);
                r.register(B, "layer_norm", List.of(t, t), List.of(t), CannNnKernels::layerNorm);
                r.register(B, "layer_norm", List.of(t, t, t), List.of(t), CannNnKernels::layerNorm);
            }
            if (ops.has("RmsNorm")) {
                r.register(B, "rms_norm", List.of(t, t), List.of(t), CannNnKernels::rmsNorm);
            }
            if (ops.has("Mul", "Sub", "Add", "Cast")) {
                r.register(B, "rope", List.of(t, F32, F32), List.of(t), CannNnKernels::rope);
            }
            if (ops.has("BatchMatMul", "Muls", "Add", "Softmax", "Amax", "EqTensor", "SWhere", "Cast",
                    "InplaceFillScalar", "InplaceCopy")) {
                r.register(B, "attention", List.of(t, t, t), List.of(t), CannNnKernels::attention);
                r.register(B, "attention", List.of(t, t, t, t), List.of(t), CannNnKernels::attention);
            }
        }
        if (ops.has("Embedding", "Cast", "InplaceCopy")) {
            for (DType w : DType.values()) {
                for (DType id : List.of(I32, I64)) {
                    r.register(B, "embedding", List.of(w, id), List.of(w), CannNnKernels::embedding);
                }
            }
        }
    }

    // ---- matmul ---------------------------------------------------------------------------------

    static void matmul(KernelCall c) {
        Tensor x = c.input(0);
        Tensor w = c.input(1);
        Tensor out = c.output();
        MatmulPrecision precision = MatmulPrecision.of(c.attrs());
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            if (x.shape(-1) == 0) {
                a.run("InplaceFillScalar", a.t(out), a.scalar(0));
                return;
            }
            byte cube = CubeMath.choose(out.dtype(), precision, a.device().runtime().socName);
            switch (out.rank()) {
                case 2 -> a.run("Mm", a.t(x), a.t(w), a.t(out), cube);
                case 3 -> a.run("BatchMatMul", a.t(x), a.t(w), a.t(out), cube);
                default -> {
                    if (out.rank() > 6) {
                        throw new XpuException(ErrorCode.INVALID_ARGUMENT, "matmul on cann: aclnnMatmul takes at most 6 dims; got "
                                + Arrays.toString(out.shape()) + "; reshape the batch dims first");
                    }
                    a.run("Matmul", a.t(x), a.t(w), a.t(out), cube);
                }
            }
        }
    }

    // ---- softmax, norms -------------------------------------------------------------------------

    static void softmax(KernelCall c, String aclnn) {
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            a.run(aclnn, a.t(c.input(0)), c.attrs().getLong("axis"), a.t(c.output()));
        }
    }

    static void layerNorm(KernelCall c) {
        Tensor x = c.input(0);
        boolean hasW = c.attrs().getBool("hasWeight");
        boolean hasB = c.attrs().getBool("hasBias");
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            int i = 1;
            MemorySegment w = hasW ? a.t(c.input(i++)) : MemorySegment.NULL;
            MemorySegment b = hasB ? a.t(c.input(i)) : MemorySegment.NULL;
            a.run("LayerNorm", a.t(x), a.ints(x.shape(-1)), w, b, c.attrs().getDouble("eps"), a.t(c.output()),
                    MemorySegment.NULL, MemorySegment.NULL);
        }
    }

    static void rmsNorm(KernelCall c) {
        Tensor x = c.input(0);
        long[] rs = x.shape();
        rs[rs.length - 1] = 1;
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            AclView rstd = a.temp(F32, rs);
            a.run("RmsNorm", a.t(x), a.t(c.input(1)), c.attrs().getDouble("eps"), a.t(c.output()), a.t(rstd));
        }
    }

    // ---- embedding ------------------------------------------------------------------------------

    /** An id outside [0, V) is an error by contract; the ids are read back and checked on the host first. */
    static void embedding(KernelCall c) {
        Tensor weight = c.input(0);
        Tensor ids = c.input(1);
        Tensor out = c.output();
        long vocab = weight.shape(0);
        long n = ids.numel();
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            AclView idv = AclView.of(ids);
            long[] values = a.readI64(idv);
            for (int p = 0; p < values.length; p++) {
                if (values[p] < 0 || values[p] >= vocab) {
                    throw ContractErrors.embeddingIdOutOfRange(values[p], p, ids, weight);
                }
            }
            AclView wv = AclView.of(weight);
            AclView ov = AclView.of(out).reshape(n, weight.shape(1));
            if (weight.dtype().isFloat8() || weight.dtype() == BOOL) {
                wv = wv.as(I8);
                ov = ov.as(I8);
            }
            a.run("Embedding", a.t(wv), a.t(idv.reshape(n)), a.t(ov));
        }
    }

    // ---- rope -----------------------------------------------------------------------------------

    /**
     * x [..., S, D] in float32 (cast first for F16/BF16); pairs (x1, x2) are strided views
     * (every other element for interleaved, the two halves for half_split); cos/sin [S, D/2]
     * broadcast over the leading dims with stride 0:
     * out1 = x1·cos − x2·sin, out2 = x1·sin + x2·cos, written through the same strided views of the output.
     */
    static void rope(KernelCall c) {
        Tensor x = c.input(0);
        Tensor out = c.output();
        boolean interleaved = c.attrs().getString("layout").equals("interleaved");
        long d = x.shape(-1);
        long s = x.shape(-2);
        long h = d / 2;
        long rows = x.numel() / Math.max(1, s * d);
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            AclView xf = AclView.of(x).reshape(rows, s, d);
            if (x.dtype() != F32) {
                AclView t = a.temp(F32, rows, s, d);
                a.run("Cast", a.t(xf), AclCall.code(F32), a.t(t));
                xf = t;
            }
            AclView of = out.dtype() == F32 ? AclView.of(out).reshape(rows, s, d) : a.temp(F32, rows, s, d);
            long[] hs = {rows, s, h};
            long step = interleaved ? 2 : 1;
            long second = interleaved ? 1 : h;
            long[] pst = {s * d, d, step};
            AclView x1 = xf.view(hs, pst, xf.offset());
            AclView x2 = xf.view(hs, pst, xf.offset() + second);
            AclView o1 = of.view(hs, pst, of.offset());
            AclView o2 = of.view(hs, pst, of.offset() + second);
            AclView cos = AclView.of(c.input(1));
            cos = cos.view(hs, new long[]{0, cos.strides()[0], cos.strides()[1]}, cos.offset());
            AclView sin = AclView.of(c.input(2));
            sin = sin.view(hs, new long[]{0, sin.strides()[0], sin.strides()[1]}, sin.offset());
            AclView p = a.temp(F32, hs);
            AclView q = a.temp(F32, hs);
            a.run("Mul", a.t(x1), a.t(cos), a.t(p));
            a.run("Mul", a.t(x2), a.t(sin), a.t(q));
            AclView r1 = a.temp(F32, hs);
            a.run("Sub", a.t(p), a.t(q), a.one(F32), a.t(r1));
            a.run("Mul", a.t(x1), a.t(sin), a.t(p));
            a.run("Mul", a.t(x2), a.t(cos), a.t(q));
            a.run("Add", a.t(p), a.t(q), a.one(F32), a.t(o2));
            a.run("InplaceCopy", a.t(o1), a.t(r1));
            if (out.dtype() != F32) {
                a.run("Cast", a.t(of), AclCall.code(out.dtype()), a.t(AclView.of(out).reshape(rows, s, d)));
            }
        }
    }

    // ---- attention ------------------------------------------------------------------------------

    /**
     * softmax(q·kᵀ·scale + mask)·v in float32, per kv head group: q [B,Hq,Sq,D] (contiguous) is
     * viewed as [B·Hkv, G·Sq, D] with G = Hq/Hkv, so one BatchMatMul per step serves grouped-query
     * attention without copying k or v. The causal mask is built on the host ([Sq, Sk], 0 or
     * -inf, aligned to the end) and added with stride-0 broadcast. Rows whose keys are all masked
     * (row max -inf) would be NaN after softmax; Amax + EqTensor + SWhere set them to 0 as the
     * contract demands. Sk = 0 gives 0.
     */
    static void attention(KernelCall c) {
        Tensor q = c.input(0);
        Tensor k = c.input(1);
        Tensor v = c.input(2);
        Tensor mask = c.inputs().size() > 3 ? c.input(3) : null;
        Tensor out = c.output();
        boolean causal = c.attrs().getBool("causal");
        double scale = c.attrs().getDouble("scale");
        long bsz = q.shape(0);
        long hq = q.shape(1);
        long sq = q.shape(2);
        long dh = q.shape(3);
        long hkv = k.shape(1);
        long sk = k.shape(2);
        long dv = v.shape(3);
        long g = hq / hkv;
        long groups = bsz * hkv;
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            if (sk == 0) {
                a.run("InplaceFillScalar", a.t(out), a.scalar(0));
                return;
            }
            AclView qf = f32(a, AclView.of(q)).reshape(groups, g * sq, dh);
            AclView kf = f32(a, AclView.of(k)).reshape(groups, sk, dh);
            AclView vf = f32(a, AclView.of(v)).reshape(groups, sk, dv);
            AclView kt = kf.view(new long[]{groups, dh, sk}, new long[]{sk * dh, 1, dh}, kf.offset());
            AclView scores = a.temp(F32, groups, g * sq, sk);
            if (dh == 0) {
                a.run("InplaceFillScalar", a.t(scores), a.scalar(0));
            } else {
                a.run("BatchMatMul", a.t(qf), a.t(kt), a.t(scores), CUBE_KEEP_DTYPE);
            }
            a.run("Muls", a.t(scores), a.scalar(scale), a.t(scores));
            long[] s4 = {bsz, hq, sq, sk};
            AclView scores4 = scores.reshape(s4);
            if (mask != null) {
                AclView m = AclView.of(mask);
                if (mask.dtype() != F32) {
                    AclView mf = a.temp(F32, s4);
                    a.run("Cast", a.t(m), AclCall.code(F32), a.t(mf));
                    m = mf;
                }
                a.run("Add", a.t(scores4), a.t(m), a.one(F32), a.t(scores4));
            }
            if (causal) {
                AclView cm = causalMask(a, sq, sk);
                a.run("Add", a.t(scores4), a.t(cm.view(s4, new long[]{0, 0, sk, 1}, 0)), a.one(F32), a.t(scores4));
            }
            long rowsTotal = groups * g * sq;
            AclView rowMax = a.temp(F32, rowsTotal, 1);
            AclView flat = scores.reshape(rowsTotal, sk);
            a.run("Amax", a.t(flat), a.ints(-1), true, a.t(rowMax));
            AclView dead = a.temp(BOOL, rowsTotal, 1);
            a.run("EqTensor", a.t(rowMax), a.t(a.constant(F32, Double.NEGATIVE_INFINITY, rowsTotal, 1)), a.t(dead));
            AclView probs = a.temp(F32, rowsTotal, sk);
            a.run("Softmax", a.t(flat), -1L, a.t(probs));
            AclView deadWide = dead.view(new long[]{rowsTotal, sk}, new long[]{1, 0}, 0);
            a.run("SWhere", a.t(deadWide), a.t(a.constant(F32, 0, rowsTotal, sk)), a.t(probs), a.t(probs));
            AclView o = out.dtype() == F32 ? AclView.of(out).reshape(groups, g * sq, dv) : a.temp(F32, groups, g * sq, dv);
            if (dv > 0) {
                a.run("BatchMatMul", a.t(probs.reshape(groups, g * sq, sk)), a.t(vf), a.t(o), CUBE_KEEP_DTYPE);
            }
            if (out.dtype() != F32) {
                a.run("Cast", a.t(o), AclCall.code(out.dtype()), a.t(AclView.of(out).reshape(groups, g * sq, dv)));
            }
        }
    }

    private static AclView f32(AclCall a, AclView v) {
        if (v.dtype() == F32) {
            return v;
        }
        AclView t = a.temp(F32, v.shape());
        a.run("Cast", a.t(v), AclCall.code(F32), a.t(t));
        return t;
    }

    /** [Sq, Sk]: 0 where query i may see key j (j <= i + Sk - Sq), -inf elsewhere. */
    private static AclView causalMask(AclCall a, long sq, long sk) {
        AclView m = a.temp(F32, sq, sk);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(sq * sk * 4, 64);
            for (long i = 0; i < sq; i++) {
                for (long j = 0; j < sk; j++) {
                    host.setAtIndex(JAVA_FLOAT, i * sk + j, j > i + sk - sq ? Float.NEGATIVE_INFINITY : 0f);
                }
            }
            a.device().copyFromHost(host, 0, new MemoryBlock(m.base(), sq * sk * 4, null), 0, sq * sk * 4);
        }
        return m;
    }
}
