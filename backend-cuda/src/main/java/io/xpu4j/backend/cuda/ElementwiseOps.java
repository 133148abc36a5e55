package io.xpu4j.backend.cuda;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.ContractErrors;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

import static io.xpu4j.api.DType.BF16;
import static io.xpu4j.api.DType.BOOL;
import static io.xpu4j.api.DType.F16;
import static io.xpu4j.api.DType.F32;
import static io.xpu4j.api.DType.I32;
import static io.xpu4j.api.DType.I64;
import static io.xpu4j.api.DType.I8;

/**
 * fill, copy, cast, unary, binary, compare and where on the kernels of {@code elementwise.cu}.
 * Registration mirrors the CPU backend's dtype lists.
 */
final class ElementwiseOps {
    static final List<DType> FLOAT = List.of(F32, F16, BF16);
    static final List<DType> NUMERIC = List.of(F32, F16, BF16, I8, I32, I64);

    /** Unary op key to the kernel's op code (U_* in elementwise.cu); gelu picks 11 or 12 by attribute. */
    static final List<String> UNARY = List.of("neg", "abs", "relu", "exp", "log", "sqrt", "rsqrt", "tanh", "erf",
            "sigmoid", "silu", "gelu");
    static final List<String> BINARY = List.of("add", "sub", "mul", "div", "maximum", "minimum", "pow");
    static final List<String> COMPARE = List.of("eq", "ne", "lt", "le", "gt", "ge");
    private static final int U_GELU_TANH = 12;

    private ElementwiseOps() {
    }

    static void register(KernelRegistry r) {
        r.registerAnyDType("cuda", "fill", ElementwiseOps::fill);
        r.registerAnyDType("cuda", "copy", ElementwiseOps::copy);
        for (DType from : DType.values()) {
            for (DType to : DType.values()) {
                r.register("cuda", "cast", List.of(from), List.of(to), ElementwiseOps::cast);
            }
        }
        for (String op : BINARY) {
            for (DType t : op.equals("pow") ? FLOAT : NUMERIC) {
                r.register("cuda", op, List.of(t, t), List.of(t), c -> binary(c, BINARY.indexOf(op)));
            }
        }
        for (String op : COMPARE) {
            List<DType> types = new ArrayList<>(NUMERIC);
            if (op.equals("eq") || op.equals("ne")) {
                types.add(BOOL);
            }
            for (DType t : types) {
                r.register("cuda", op, List.of(t, t), List.of(BOOL), c -> compare(c, COMPARE.indexOf(op)));
            }
        }
        for (DType t : DType.values()) {
            r.register("cuda", "where", List.of(BOOL, t, t), List.of(t), ElementwiseOps::where);
        }
        for (String op : UNARY) {
            boolean light = op.equals("neg") || op.equals("abs") || op.equals("relu");
            for (DType t : light ? NUMERIC : FLOAT) {
                r.register("cuda", op, List.of(t), List.of(t), c -> unary(c, UNARY.indexOf(op)));
            }
        }
    }

    static CudaDevice device(KernelCall c) {
        return (CudaDevice) c.device();
    }

    static void fill(KernelCall c) {
        Tensor out = c.output();
        CudaDevice d = device(c);
        try (Arena arena = Arena.ofConfined()) {
            Launcher.elementwise(d, "xpu_fill", out.numel(), new KernelParams(arena)
                    .pointer(out.address())
                    .i64(out.numel())
                    .i32(out.dtype().byteSize())
                    .u64(DTypeCodes.encode(out.dtype(), c.attrs().getDouble("value"))));
        }
    }

    static void copy(KernelCall c) {
        stridedCopy(device(c), c.input(0), c.output());
    }

    /** out (any strides) = x (any strides), same dtype and shape. */
    static void stridedCopy(CudaDevice d, Tensor x, Tensor out) {
        long n = out.numel();
        if (n == 0) {
            return;
        }
        if (x.isContiguous() && out.isContiguous()) {
            d.makeCurrent();
            d.copyDeviceToDevice(x.address(), out.address(), out.byteSize());
            return;
        }
        TensorLayouts.Merged m = TensorLayouts.merge(out.shape(), x.strides(), out.strides());
        try (Arena arena = Arena.ofConfined()) {
            Launcher.elementwise(d, "xpu_copy", n, new KernelParams(arena)
                    .pointer(x.address())
                    .pointer(out.address())
                    .layout(m)
                    .i64(n)
                    .i32(out.dtype().byteSize()));
        }
    }

    static void cast(KernelCall c) {
        Tensor x = c.input(0);
        Tensor out = c.output();
        CudaDevice d = device(c);
        DType from = x.dtype();
        DType to = out.dtype();
        if (from == to) {
            stridedCopy(d, x, out);
            return;
        }
        boolean saturate = c.attrs().has("saturate") && c.attrs().getBool("saturate");
        boolean validates = to.isInteger() && (from.isFloatingPoint() || to.byteSize() < from.byteSize());
        TensorLayouts.Merged m = TensorLayouts.merge(out.shape(), x.strides(), out.strides());
        long n = out.numel();
        synchronized (d.errors) {
            try (Arena arena = Arena.ofConfined()) {
                long err = validates ? d.errors.cleared() : d.errors.address();
                Launcher.elementwise(d, "xpu_cast", n, new KernelParams(arena)
                        .pointer(x.address())
                        .pointer(out.address())
                        // the kernel writes out contiguously: only x's strides travel
                        .struct(TensorLayouts.dims(arena, m.shape()))
                        .struct(TensorLayouts.strides(arena, m.strides()[0]))
                        .i64(n)
                        .i32(DTypeCodes.code(from))
                        .i32(DTypeCodes.code(to))
                        .i32(saturate ? 1 : 0)
                        .pointer(err));
            }
            if (validates) {
                DeviceErrorRecord.Failure f = d.errors.read();
                if (f.any()) {
                    String value = f.code() == DeviceErrorRecord.CAST_FLOAT_TO_INT
                            ? Float.toString((float) f.floatValue()) : Long.toString(f.intValue());
                    throw ContractErrors.castNotAllowed(value, from, to);
                }
            }
        }
    }

    static void unary(KernelCall c, int op) {
        Tensor x = c.input(0);
        Tensor out = c.output();
        if (UNARY.get(op).equals("gelu")) {
            String approx = c.attrs().has("approximate") ? c.attrs().getString("approximate") : "none";
            op = switch (approx) {
                case "none" -> op;
                case "tanh" -> U_GELU_TANH;
                default -> throw new XpuException(ErrorCode.INVALID_ARGUMENT, "gelu: approximate='" + approx
                        + "' is not known; allowed: none, tanh");
            };
        }
        TensorLayouts.Merged m = TensorLayouts.merge(out.shape(), x.strides());
        long n = out.numel();
        try (Arena arena = Arena.ofConfined()) {
            Launcher.elementwise(device(c), "xpu_unary", n, new KernelParams(arena)
                    .pointer(x.address())
                    .pointer(out.address())
                    .layout(m)
                    .i64(n)
                    .i32(DTypeCodes.code(out.dtype()))
                    .i32(op));
        }
    }

    static void binary(KernelCall c, int op) {
        Tensor a = c.input(0);
        Tensor b = c.input(1);
        Tensor out = c.output();
        CudaDevice d = device(c);
        DType t = out.dtype();
        boolean validates = t.isInteger() && BINARY.get(op).equals("div");
        TensorLayouts.Merged m = TensorLayouts.merge(out.shape(), a.strides(), b.strides());
        long n = out.numel();
        synchronized (d.errors) {
            try (Arena arena = Arena.ofConfined()) {
                long err = validates ? d.errors.cleared() : d.errors.address();
                Launcher.elementwise(d, "xpu_binary", n, new KernelParams(arena)
                        .pointer(a.address())
                        .pointer(b.address())
                        .pointer(out.address())
                        .layout(m)
                        .i64(n)
                        .i32(DTypeCodes.code(t))
                        .i32(op)
                        .pointer(err));
            }
            if (validates) {
                DeviceErrorRecord.Failure f = d.errors.read();
                if (f.any()) {
                    throw ContractErrors.integerDivisionByZero(t, String.valueOf(f.intValue()));
                }
            }
        }
    }

    static void compare(KernelCall c, int op) {
        Tensor a = c.input(0);
        Tensor b = c.input(1);
        Tensor out = c.output();
        TensorLayouts.Merged m = TensorLayouts.merge(out.shape(), a.strides(), b.strides());
        long n = out.numel();
        try (Arena arena = Arena.ofConfined()) {
            Launcher.elementwise(device(c), "xpu_compare", n, new KernelParams(arena)
                    .pointer(a.address())
                    .pointer(b.address())
                    .pointer(out.address())
                    .layout(m)
                    .i64(n)
                    .i32(DTypeCodes.code(a.dtype()))
                    .i32(op));
        }
    }

    static void where(KernelCall c) {
        Tensor cond = c.input(0);
        Tensor a = c.input(1);
        Tensor b = c.input(2);
        Tensor out = c.output();
        TensorLayouts.Merged m = TensorLayouts.merge(out.shape(), cond.strides(), a.strides(), b.strides());
        long n = out.numel();
        try (Arena arena = Arena.ofConfined()) {
            Launcher.elementwise(device(c), "xpu_where", n, new KernelParams(arena)
                    .pointer(cond.address())
                    .pointer(a.address())
                    .pointer(b.address())
                    .pointer(out.address())
                    .layout(m)
                    .i64(n)
                    .i32(out.dtype().byteSize()));
        }
    }
}
