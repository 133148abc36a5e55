package io.xpu4j.backend.cann;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.FloatFormats;
import io.xpu4j.api.Kernel;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.ContractErrors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.xpu4j.api.DType.BF16;
import static io.xpu4j.api.DType.BOOL;
import static io.xpu4j.api.DType.F16;
import static io.xpu4j.api.DType.F32;
import static io.xpu4j.api.DType.I32;
import static io.xpu4j.api.DType.I64;
import static io.xpu4j.api.DType.I8;

/**
 * The cann kernels: every op key of {@code docs/ops.md} for the dtypes the CPU backend
 * registers, each mapped to one or more aclnn operators (the table is in {@code docs/cann.md}).
 * Elementwise, comparison, selection, reduction, cast, fill and copy kernels live here; the
 * neural-network ops in {@link CannNnKernels}.
 *
 * <p>Where the contract demands an error that the NPU cannot raise (integer division by zero,
 * a float-to-integer cast of NaN/Inf/out-of-range values, an integer narrowing that does not
 * fit), the kernel reads the operand back to the host, checks it there, and throws the same
 * {@code INVALID_ARGUMENT} as the CPU backend before launching anything. This costs a
 * synchronize and a transfer, only for those dtype combinations.
 */
final class CannKernels {
    static final String B = "cann";
    static final List<DType> FLOAT = List.of(F32, F16, BF16);
    static final List<DType> NUMERIC = List.of(F32, F16, BF16, I8, I32, I64);
    static final List<DType> REDUCIBLE = List.of(F32, F16, BF16, I32, I64);

    private CannKernels() {
    }

    static void registerAll(KernelRegistry r, AclnnOps ops) {
        if (ops.has("InplaceFillScalar")) {
            r.registerAnyDType(B, "fill", CannKernels::fill);
        }
        if (ops.has("InplaceCopy")) {
            r.registerAnyDType(B, "copy", CannKernels::copy);
        }
        if (ops.has("Cast", "InplaceCopy", "InplaceFillScalar", "GtTensor", "LtTensor", "SWhere")) {
            for (DType from : DType.values()) {
                for (DType to : DType.values()) {
                    r.register(B, "cast", List.of(from), List.of(to), CannKernels::cast);
                }
            }
        }
        Map<String, String> binary = Map.of("add", "Add", "sub", "Sub", "mul", "Mul", "div", "Div",
                "maximum", "Maximum", "minimum", "Minimum", "pow", "PowTensorTensor");
        binary.forEach((key, aclnn) -> {
            if (!ops.has(aclnn) || (key.equals("div") && !ops.has("Cast", "InplaceCopy"))) {
                return;
            }
            for (DType t : key.equals("pow") ? FLOAT : NUMERIC) {
                r.register(B, key, List.of(t, t), List.of(t), c -> binary(c, key, aclnn));
            }
        });
        Map<String, String> compare = Map.of("eq", "EqTensor", "ne", "NeTensor", "lt", "LtTensor",
                "le", "LeTensor", "gt", "GtTensor", "ge", "GeTensor");
        compare.forEach((key, aclnn) -> {
            if (!ops.has(aclnn)) {
                return;
            }
            List<DType> types = new ArrayList<>(NUMERIC);
            if (key.equals("eq") || key.equals("ne")) {
                types.add(BOOL);
            }
            for (DType t : types) {
                r.register(B, key, List.of(t, t), List.of(BOOL), c -> {
                    try (AclCall a = new AclCall(c.device(), describe(c))) {
                        a.run(aclnn, a.t(c.input(0)), a.t(c.input(1)), a.t(c.output()));
                    }
                });
            }
        });
        if (ops.has("SWhere")) {
            for (DType t : DType.values()) {
                r.register(B, "where", List.of(BOOL, t, t), List.of(t), CannKernels::where);
            }
        }
        Map<String, String> unary = Map.ofEntries(Map.entry("neg", "Neg"), Map.entry("abs", "Abs"),
                Map.entry("relu", "Relu"), Map.entry("exp", "Exp"), Map.entry("log", "Log"),
                Map.entry("sqrt", "Sqrt"), Map.entry("rsqrt", "Rsqrt"), Map.entry("tanh", "Tanh"),
                Map.entry("erf", "Erf"), Map.entry("sigmoid", "Sigmoid"), Map.entry("silu", "Silu"),
                Map.entry("gelu", "GeluV2"));
        unary.forEach((key, aclnn) -> {
            if (!ops.has(aclnn)) {
                return;
            }
            boolean light = key.equals("neg") || key.equals("abs") || key.equals("relu");
            for (DType t : light ? NUMERIC : FLOAT) {
                Kernel k = key.equals("gelu") ? CannKernels::gelu : c -> {
                    try (AclCall a = new AclCall(c.device(), describe(c))) {
                        a.run(aclnn, a.t(c.input(0)), a.t(c.output()));
                    }
                };
                r.register(B, key, List.of(t), List.of(t), k);
            }
        });
        if (ops.has("ReduceSum", "InplaceCopy")) {
            reducible(r, "sum", REDUCIBLE, (a, c, x, dims) ->
                    a.run("ReduceSum", x, a.ints(dims), true, AclCall.code(c.output().dtype()), a.t(c.output())));
        }
        if (ops.has("Amax", "InplaceCopy")) {
            reducible(r, "max", REDUCIBLE, (a, c, x, dims) -> a.run("Amax", x, a.ints(dims), true, a.t(c.output())));
        }
        if (ops.has("Amin", "InplaceCopy")) {
            reducible(r, "min", REDUCIBLE, (a, c, x, dims) -> a.run("Amin", x, a.ints(dims), true, a.t(c.output())));
        }
        if (ops.has("Mean", "InplaceCopy")) {
            reducible(r, "mean", FLOAT, (a, c, x, dims) ->
                    a.run("Mean", x, a.ints(dims), true, AclCall.code(c.output().dtype()), a.t(c.output())));
        }
        if (ops.has("ArgMax", "InplaceFillScalar")) {
            for (DType t : NUMERIC) {
                r.register(B, "argmax", List.of(t), List.of(I64), CannKernels::argmax);
            }
        }
        CannNnKernels.register(r, ops);
    }

    static String describe(KernelCall c) {
        StringBuilder sb = new StringBuilder("op '").append(c.op()).append("'");
        List<DType> in = new ArrayList<>();
        c.inputs().forEach(t -> in.add(t.dtype()));
        sb.append(' ').append(in);
        if (!c.outputs().isEmpty()) {
            sb.append(" -> ").append(c.output().dtype());
        }
        return sb.toString();
    }

    /** FP8 and BOOL data moved as raw bytes (the aclnn copy/select kernels need no float semantics for them). */
    static AclView raw(Tensor t) {
        AclView v = AclView.of(t);
        return t.dtype().isFloat8() ? v.as(I8) : v;
    }

    // ---- fill, copy, where ----------------------------------------------------------------------

    static void fill(KernelCall c) {
        Tensor out = c.output();
        double v = c.attrs().getDouble("value");
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            DType t = out.dtype();
            switch (t) {
                case F8_E4M3 -> a.run("InplaceFillScalar", a.t(raw(out)), a.scalarLong(FloatFormats.doubleToE4M3(v, false)));
                case F8_E5M2 -> a.run("InplaceFillScalar", a.t(raw(out)), a.scalarLong(FloatFormats.doubleToE5M2(v, false)));
                case BOOL -> a.run("InplaceFillScalar", a.t(AclView.of(out).as(I8)), a.scalarLong(v != 0 ? 1 : 0));
                // the CPU truncates to a long and wraps to the dtype; do the same on the host
                case I8 -> a.run("InplaceFillScalar", a.t(out), a.scalarLong((byte) (long) v));
                case I32 -> a.run("InplaceFillScalar", a.t(out), a.scalarLong((int) (long) v));
                case I64 -> a.run("InplaceFillScalar", a.t(out), a.scalarLong((long) v));
                default -> a.run("InplaceFillScalar", a.t(out), a.scalar(v));
            }
        }
    }

    static void copy(KernelCall c) {
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            a.run("InplaceCopy", a.t(raw(c.output())), a.t(raw(c.input(0))));
        }
    }

    static void where(KernelCall c) {
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            a.run("SWhere", a.t(c.input(0)), a.t(raw(c.input(1))), a.t(raw(c.input(2))), a.t(raw(c.output())));
        }
    }

    // ---- arithmetic -----------------------------------------------------------------------------

    static void binary(KernelCall c, String key, String aclnn) {
        Tensor x = c.input(0);
        Tensor y = c.input(1);
        Tensor out = c.output();
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            if (key.equals("div") && out.dtype().isInteger()) {
                checkDivisors(a, x, y);
            }
            switch (aclnn) {
                case "Add", "Sub" -> a.run(aclnn, a.t(x), a.t(y), a.one(out.dtype()), a.t(out));
                default -> a.run(aclnn, a.t(x), a.t(y), a.t(out));
            }
        }
    }

    /** Integer division by zero is an error by contract; the NPU would fail the stream, so check here. */
    private static void checkDivisors(AclCall a, Tensor x, Tensor y) {
        long[] d = a.readI64(AclView.of(y));
        for (int i = 0; i < d.length; i++) {
            if (d[i] == 0) {
                long dividend = a.readI64(AclView.of(x))[i];
                throw ContractErrors.integerDivisionByZero(x.dtype(), Long.toString(dividend));
            }
        }
    }

    static void gelu(KernelCall c) {
        String approx = c.attrs().has("approximate") ? c.attrs().getString("approximate") : "none";
        long mode = switch (approx) {
            case "none" -> 0L;
            case "tanh" -> 1L;
            default -> throw new XpuException(ErrorCode.INVALID_ARGUMENT, "gelu: approximate='" + approx
                    + "' is not known; allowed: none, tanh");
        };
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            a.run("GeluV2", a.t(c.input(0)), mode, a.t(c.output()));
        }
    }

    // ---- reductions -----------------------------------------------------------------------------

    interface Reduction {
        void launch(AclCall a, KernelCall c, java.lang.foreign.MemorySegment x, long[] dims);
    }

    private static void reducible(KernelRegistry r, String key, List<DType> types, Reduction red) {
        for (DType t : types) {
            r.register(B, key, List.of(t), List.of(t), c -> {
                long[] axes = c.attrs().getLongs("axes");
                try (AclCall a = new AclCall(c.device(), describe(c))) {
                    if (axes.length == 0) {
                        // nothing to reduce (a rank-0 input): aclnn would read an empty dim list as "all"
                        a.run("InplaceCopy", a.t(c.output()), a.t(c.input(0)));
                    } else {
                        red.launch(a, c, a.t(c.input(0)), axes);
                    }
                }
            });
        }
    }

    static void argmax(KernelCall c) {
        Tensor x = c.input(0);
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            if (x.rank() == 0) {
                a.run("InplaceFillScalar", a.t(c.output()), a.scalarLong(0));
            } else {
                a.run("ArgMax", a.t(x), c.attrs().getLong("axis"), true, a.t(c.output()));
            }
        }
    }

    // ---- cast -----------------------------------------------------------------------------------

    static void cast(KernelCall c) {
        Tensor x = c.input(0);
        Tensor out = c.output();
        DType from = x.dtype();
        DType to = out.dtype();
        boolean saturate = c.attrs().has("saturate") && c.attrs().getBool("saturate");
        try (AclCall a = new AclCall(c.device(), describe(c))) {
            if (from == to) {
                a.run("InplaceCopy", a.t(raw(out)), a.t(raw(x)));
                return;
            }
            if (to.isInteger()) {
                checkIntegerTarget(a, x, from, to);
            }
            if (to.isFloat8() && saturate) {
                castSaturating(a, x, out);
                return;
            }
            a.run("Cast", a.t(x), AclCall.code(to), a.t(out));
        }
    }

    /**
     * Float to integer must be finite and in range after truncation, and an integer must fit a
     * narrower integer; the NPU's result would be undefined, so the operand is checked on the host.
     */
    private static void checkIntegerTarget(AclCall a, Tensor x, DType from, DType to) {
        if (from.isFloatingPoint()) {
            float[] v = a.readF32(AclView.of(x));
            double lo = to == I64 ? -0x1p63 : ContractErrors.minOf(to) - 1.0;
            double hi = to == I64 ? 0x1p63 : ContractErrors.maxOf(to) + 1.0;
            boolean loInclusive = to == I64;
            for (float f : v) {
                double d = f;
                if (!(d < hi && (d > lo || (loInclusive && d == lo)))) {
                    throw ContractErrors.castNotAllowed(Float.toString(f), from, to);
                }
            }
        } else if (from != BOOL && to.byteSize() < from.byteSize()) {
            for (long w : a.readI64(AclView.of(x))) {
                if (w < ContractErrors.minOf(to) || w > ContractErrors.maxOf(to)) {
                    throw ContractErrors.castNotAllowed(Long.toString(w), from, to);
                }
            }
        }
    }

    /** FP8 with saturation: clamp in float32 to ±max finite (NaN stays NaN), then cast. */
    private static void castSaturating(AclCall a, Tensor x, Tensor out) {
        double max = out.dtype() == DType.F8_E4M3 ? 448.0 : 57344.0;
        long[] shape = x.shape();
        AclView f = a.temp(F32, shape);
        a.run("Cast", a.t(x), AclCall.code(F32), a.t(f));
        AclView hi = a.constant(F32, max, shape);
        AclView lo = a.constant(F32, -max, shape);
        AclView cond = a.temp(BOOL, shape);
        a.run("GtTensor", a.t(f), a.t(hi), a.t(cond));
        a.run("SWhere", a.t(cond), a.t(hi), a.t(f), a.t(f));
        a.run("LtTensor", a.t(f), a.t(lo), a.t(cond));
        a.run("SWhere", a.t(cond), a.t(lo), a.t(f), a.t(f));
        a.run("Cast", a.t(f), AclCall.code(out.dtype()), a.t(out));
    }

}
