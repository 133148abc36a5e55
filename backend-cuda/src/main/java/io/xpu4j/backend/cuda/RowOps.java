package io.xpu4j.backend.cuda;

import io.xpu4j.api.DType;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/** softmax, log_softmax, layer_norm and rms_norm: one block per row of a contiguous input. */
final class RowOps {
    private RowOps() {
    }

    static void register(KernelRegistry r) {
        for (DType t : ElementwiseOps.FLOAT) {
            r.register("cuda", "softmax", List.of(t), List.of(t), c -> softmax(c, false));
            r.register("cuda", "log_softmax", List.of(t), List.of(t), c -> softmax(c, true));
            r.register("cuda", "layer_norm", List.of(t), List.of(t), RowOps::layerNorm);
            r.register("cuda", "layer_norm", List.of(t, t), List.of(t), RowOps::layerNorm);
            r.register("cuda", "layer_norm", List.of(t, t, t), List.of(t), RowOps::layerNorm);
            r.register("cuda", "rms_norm", List.of(t, t), List.of(t), RowOps::rmsNorm);
        }
    }

    static void softmax(KernelCall c, boolean log) {
        Tensor x = c.input(0);
        Tensor out = c.output();
        long[] shape = x.shape();
        int axis = 0;
        if (shape.length > 0) {
            long a = c.attrs().getLong("axis");
            axis = (int) (a < 0 ? a + shape.length : a);
        }
        long outer = 1;
        long len = shape.length == 0 ? 1 : shape[axis];
        long inner = 1;
        for (int d = 0; d < shape.length; d++) {
            if (d < axis) {
                outer *= shape[d];
            } else if (d > axis) {
                inner *= shape[d];
            }
        }
        long rows = outer * inner;
        try (Arena arena = Arena.ofConfined()) {
            Launcher.rows(ElementwiseOps.device(c), "xpu_softmax", rows, Launcher.THREADS, 0, new KernelParams(arena)
                    .pointer(x.address())
                    .pointer(out.address())
                    .i64(rows)
                    .i64(len)
                    .i64(inner)
                    .i32(DTypeCodes.code(x.dtype()))
                    .i32(log ? 1 : 0));
        }
    }

    static void layerNorm(KernelCall c) {
        Tensor x = c.input(0);
        Tensor out = c.output();
        boolean hasW = c.attrs().getBool("hasWeight");
        boolean hasB = c.attrs().getBool("hasBias");
        Tensor w = hasW ? c.input(1) : null;
        Tensor b = hasB ? c.input(hasW ? 2 : 1) : null;
        long d = x.shape(-1);
        long rows = x.numel() / d;
        try (Arena arena = Arena.ofConfined()) {
            Launcher.rows(ElementwiseOps.device(c), "xpu_layer_norm", rows, Launcher.THREADS, 0, new KernelParams(arena)
                    .pointer(x.address())
                    .pointer(w == null ? 0 : w.address())
                    .pointer(b == null ? 0 : b.address())
                    .pointer(out.address())
                    .i64(rows)
                    .i64(d)
                    .i32(DTypeCodes.code(x.dtype()))
                    .f64(c.attrs().getDouble("eps"))
                    .i32(hasW ? 1 : 0)
                    .i32(hasB ? 1 : 0)
                    .i64(w == null ? 0 : w.stride(0))
                    .i64(b == null ? 0 : b.stride(0)));
        }
    }

    static void rmsNorm(KernelCall c) {
        Tensor x = c.input(0);
        Tensor w = c.input(1);
        Tensor out = c.output();
        long d = x.shape(-1);
        long rows = x.numel() / d;
        try (Arena arena = Arena.ofConfined()) {
            Launcher.rows(ElementwiseOps.device(c), "xpu_rms_norm", rows, Launcher.THREADS, 0, new KernelParams(arena)
                    .pointer(x.address())
                    .pointer(w.address())
                    .pointer(out.address())
                    .i64(rows)
                    .i64(d)
                    .i32(DTypeCodes.code(x.dtype()))
                    .f64(c.attrs().getDouble("eps"))
                    .i64(w.stride(0)));
        }
    }
}
