package io.xpu4j.backend.cuda;

import io.xpu4j.api.DType;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;

/**
 * sum, max, min, mean over any axes and argmax over one, on {@code xpu_reduce} and
 * {@code xpu_argmax}: the input's dims are split into kept (outer) and reduced (inner) ones, each
 * a strided view of the same data, so no permuted copy is needed; one block reduces one output.
 */
final class ReduceOps {
    static final List<DType> FLOAT = List.of(DType.F32, DType.F16, DType.BF16);
    static final List<DType> REDUCIBLE = List.of(DType.F32, DType.F16, DType.BF16, DType.I32, DType.I64);
    static final List<DType> NUMERIC = List.of(DType.F32, DType.F16, DType.BF16, DType.I8, DType.I32, DType.I64);
    static final int SUM = 0;
    static final int MAX = 1;
    static final int MIN = 2;
    static final int MEAN = 3;

    private ReduceOps() {
    }

    static void register(KernelRegistry r) {
        for (DType t : REDUCIBLE) {
            r.register("cuda", "sum", List.of(t), List.of(t), c -> reduce(c, SUM));
            r.register("cuda", "max", List.of(t), List.of(t), c -> reduce(c, MAX));
            r.register("cuda", "min", List.of(t), List.of(t), c -> reduce(c, MIN));
        }
        for (DType t : FLOAT) {
            r.register("cuda", "mean", List.of(t), List.of(t), c -> reduce(c, MEAN));
        }
        for (DType t : NUMERIC) {
            r.register("cuda", "argmax", List.of(t), List.of(DType.I64), ReduceOps::argmax);
        }
    }

    /** Kept and reduced dims of x (shapes and strides), each merged where contiguous. */
    record Split(long[] outerShape, long[] outerStrides, long[] innerShape, long[] innerStrides) {
        long outerCount() {
            return Arrays.stream(outerShape).reduce(1, Math::multiplyExact);
        }

        long innerCount() {
            return Arrays.stream(innerShape).reduce(1, Math::multiplyExact);
        }
    }

    static Split split(long[] shape, long[] strides, long[] axes) {
        boolean[] reduced = new boolean[shape.length];
        for (long a : axes) {
            reduced[(int) (a < 0 ? a + shape.length : a)] = true;
        }
        int nIn = 0;
        for (boolean b : reduced) {
            nIn += b ? 1 : 0;
        }
        long[] os = new long[shape.length - nIn];
        long[] ost = new long[os.length];
        long[] is = new long[nIn];
        long[] ist = new long[nIn];
        int o = 0;
        int i = 0;
        for (int d = 0; d < shape.length; d++) {
            if (reduced[d]) {
                is[i] = shape[d];
                ist[i++] = strides[d];
            } else {
                os[o] = shape[d];
                ost[o++] = strides[d];
            }
        }
        TensorLayouts.Merged outer = TensorLayouts.merge(os, ost);
        TensorLayouts.Merged inner = TensorLayouts.merge(is, ist);
        return new Split(outer.shape(), outer.strides()[0], inner.shape(), inner.strides()[0]);
    }

    static void reduce(KernelCall c, int op) {
        Tensor x = c.input(0);
        Tensor out = c.output();
        Split s = split(x.shape(), x.strides(), c.attrs().getLongs("axes"));
        long outer = s.outerCount();
        try (Arena arena = Arena.ofConfined()) {
            Launcher.rows(ElementwiseOps.device(c), "xpu_reduce", outer, Launcher.THREADS, 0, new KernelParams(arena)
                    .pointer(x.address())
                    .pointer(out.address())
                    .struct(TensorLayouts.dims(arena, s.outerShape()))
                    .struct(TensorLayouts.strides(arena, s.outerStrides()))
                    .struct(TensorLayouts.dims(arena, s.innerShape()))
                    .struct(TensorLayouts.strides(arena, s.innerStrides()))
                    .i64(outer)
                    .i64(s.innerCount())
                    .i32(DTypeCodes.code(x.dtype()))
                    .i32(op));
        }
    }

    static void argmax(KernelCall c) {
        Tensor x = c.input(0);
        Tensor out = c.output();
        long len;
        long axisStride;
        Split s;
        if (x.rank() == 0) {
            len = 1;
            axisStride = 0;
            s = split(new long[0], new long[0], new long[0]);
        } else {
            long a = c.attrs().getLong("axis");
            int axis = (int) (a < 0 ? a + x.rank() : a);
            len = x.shape(axis);
            axisStride = x.stride(axis);
            s = split(x.shape(), x.strides(), new long[]{axis});
        }
        long outer = s.outerCount();
        try (Arena arena = Arena.ofConfined()) {
            Launcher.rows(ElementwiseOps.device(c), "xpu_argmax", outer, Launcher.THREADS, 0, new KernelParams(arena)
                    .pointer(x.address())
                    .pointer(out.address())
                    .struct(TensorLayouts.dims(arena, s.outerShape()))
                    .struct(TensorLayouts.strides(arena, s.outerStrides()))
                    .i64(outer)
                    .i64(len)
                    .i64(axisStride)
                    .i32(DTypeCodes.code(x.dtype())));
        }
    }
}
