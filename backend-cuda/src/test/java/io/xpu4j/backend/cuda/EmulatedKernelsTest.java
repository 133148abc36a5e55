package io.xpu4j.backend.cuda;

import io.xpu4j.api.Config;
import io.xpu4j.api.DType;
import io.xpu4j.api.Kernel;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.OpAttrs;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA kernels checked against the CPU backend, without a GPU: the kernel sources are
 * compiled as host C++ (kernel_host_harness.cpp) and each launch runs as one block of
 * {@link FakeCuda#EMULATED_BLOCK} host threads (barriers for __syncthreads, shared arrays shared
 * by the block; the kernels take their thread count from blockDim), called from {@link FakeCuda}'s cuLaunchKernel through the real Java op code and
 * parameter packing; a divergent __syncthreads fails the launch. Each op
 * runs on the same inputs through the CPU backend's kernel; results must be bit-identical for
 * data movement, casts, comparisons, integer math and argmax, and within a per-dtype tolerance
 * (relative to max(1, |expected|)) where float math may round differently: F32 2e-6 (1e-5 for
 * transcendentals and sums), F16 1e-3, BF16 8e-3 (about one unit in the last place).
 *
 * <p>Skipped with the reason when no host C++ compiler ({@code g++}) is available. What this
 * cannot check: more than one block at a time, warp-level behaviour, the GPU's memory model and
 * math library, cuBLAS.
 */
class EmulatedKernelsTest {
    private static SymbolLookup kernels;
    private static String skipReason;

    private FakeCuda fake;
    private CudaDevice device;
    private Runtime cpu;
    private Scope scope;
    private Ops ops;
    private final KernelRegistry cudaKernels = new KernelRegistry();

    @BeforeAll
    static void compileKernelsForTheHost() throws Exception {
        Path src = Path.of(KernelSources.class.getResource(KernelSources.RESOURCE_DIR + "elementwise.cu").toURI())
                .getParent();
        Path harness = Path.of(EmulatedKernelsTest.class.getResource("kernel_host_harness.cpp").toURI());
        Path out = Files.createDirectories(Path.of("target", "kernel-host")).resolve("libxpu4j-kernels-host.so");
        Process p;
        try {
            p = new ProcessBuilder("g++", "-O1", "-std=c++17", "-pthread", "-shared", "-fPIC", "-Wl,--no-undefined",
                    "-x", "c++",
                    "-I" + src, harness.toString(), "-o", out.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            skipReason = "no host C++ compiler (g++) to build the kernels for host emulation: " + e.getMessage();
            return;
        }
        String log = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError("the kernels did not compile as host C++:\n" + log);
        }
        kernels = SymbolLookup.libraryLookup(out.toAbsolutePath(), Arena.global());
    }

    @BeforeEach
    void open() {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        Assumptions.assumeTrue(KernelSources.ptxPackaged(), "no PTX packaged: parameter checks need it");
        fake = new FakeCuda();
        fake.emulator = kernels;
        device = (CudaDevice) new CudaBackend(fake.loader()).openDevice(0, 0);
        cpu = Runtime.create(Config.builder().backend("cpu").build());
        ops = cpu.ops();
        scope = cpu.scope();
        CudaKernels.registerAll(cudaKernels);
    }

    @AfterEach
    void close() {
        if (device != null) {
            scope.close();
            device.close();
            cpu.close();
            assertNull(fake.failure, () -> "a fake driver call threw: " + fake.failure);
        }
    }

    // ------------------------------------------------------------------ harness

    private record Outputs(Tensor cuda, Tensor cpu) {
    }

    private Outputs both(String op, OpAttrs attrs, DType outType, long[] outShape, Tensor... in) {
        List<DType> inTypes = Arrays.stream(in).map(Tensor::dtype).toList();
        Kernel k = cudaKernels.find("cuda", op, inTypes, List.of(outType));
        Kernel ref = cpu.kernels().find("cpu", op, inTypes, List.of(outType));
        assertNotNull(k, op + " " + inTypes);
        Tensor a = ops.zeros(outType, outShape);
        Tensor b = ops.zeros(outType, outShape);
        k.run(new KernelCall(op, device, List.of(in), List.of(a), attrs));
        ref.run(new KernelCall(op, cpu.cpu(), List.of(in), List.of(b), attrs));
        return new Outputs(a, b);
    }

    private void exact(String op, OpAttrs attrs, DType outType, long[] outShape, Tensor... in) {
        Outputs o = both(op, attrs, outType, outShape, in);
        assertArrayEquals(o.cpu().toByteArray(), o.cuda().toByteArray(),
                () -> op + " " + attrs + " " + describe(in) + ": cuda " + show(o.cuda()) + " cpu " + show(o.cpu()));
    }

    private void close(String op, OpAttrs attrs, double f32Tolerance, long[] outShape, Tensor... in) {
        DType t = in[0].dtype();
        Outputs o = both(op, attrs, t, outShape, in);
        double tol = switch (t) {
            case F16 -> 1e-3;
            case BF16 -> 8e-3;
            default -> f32Tolerance;
        };
        float[] got = o.cuda().toFloatArray();
        float[] want = o.cpu().toFloatArray();
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            boolean ok = Float.isNaN(want[i]) ? Float.isNaN(got[i])
                    : want[i] == got[i] || Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i]));
            int at = i;
            assertTrue(ok, () -> op + " " + t + " " + attrs + " element " + at + ": cuda " + got[at] + " cpu "
                    + want[at] + " (tolerance " + tol + ")");
        }
    }

    private static String describe(Tensor... in) {
        return Arrays.stream(in).map(Tensor::describe).toList().toString();
    }

    private static String show(Tensor t) {
        return t.dtype() == DType.I64 ? Arrays.toString(t.toLongArray())
                : t.dtype() == DType.BOOL ? Arrays.toString(t.toBooleanArray()) : Arrays.toString(t.toFloatArray());
    }

    private Tensor rand(DType t, double lo, double hi, long... shape) {
        Tensor f = ops.randUniform(11 + shape.length, lo, hi, DType.F32, shape);
        return t == DType.F32 ? f : t.isInteger() ? ops.cast(ops.randUniform(3, lo, hi, DType.F32, shape), t)
                : ops.cast(f, t);
    }

    private static long[] s(long... shape) {
        return shape;
    }

    // ------------------------------------------------------------------ data movement

    @Test
    void fillEveryDtype() {
        for (DType t : DType.values()) {
            exact("fill", OpAttrs.of("value", -2.75), t, s(3, 5));
            exact("fill", OpAttrs.of("value", 300.0), t == DType.I8 ? DType.I32 : t, s(7));
        }
    }

    @Test
    void stridedCopies() {
        for (DType t : List.of(DType.F32, DType.BF16, DType.I64, DType.I8)) {
            Tensor x = rand(t, -50, 50, 2, 3, 4);
            exact("copy", OpAttrs.NONE, t, s(4, 3, 2), x.permute(2, 1, 0));
            exact("copy", OpAttrs.NONE, t, s(2, 2, 4), x.slice(1, 1, 3));
            exact("copy", OpAttrs.NONE, t, s(2, 3, 4), rand(t, -5, 5, 1, 3, 1).expand(2, 3, 4));
        }
        // a strided destination
        Tensor x = rand(DType.F32, -1, 1, 3, 4);
        Tensor big = ops.zeros(DType.F32, 3, 8);
        Tensor dst = big.slice(1, 2, 6);
        Tensor want = ops.zeros(DType.F32, 3, 8);
        cudaKernels.find("cuda", "copy", List.of(DType.F32), List.of(DType.F32))
                .run(new KernelCall("copy", device, List.of(x), List.of(dst), OpAttrs.NONE));
        cpu.kernels().find("cpu", "copy", List.of(DType.F32), List.of(DType.F32))
                .run(new KernelCall("copy", cpu.cpu(), List.of(x), List.of(want.slice(1, 2, 6)), OpAttrs.NONE));
        assertArrayEquals(want.toFloatArray(), big.toFloatArray());
    }

    @Test
    void castsBetweenEveryPairAreBitExact() {
        float[] special = {0f, -0f, 1f, -1f, 0.5f, 1.5f, 2.5f, -2.5f, 65504f, 65520f, 1e-8f, -3e-5f, 448f, 464f,
                465f, 57344f, 61440f, 1e6f, -1e6f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                3.3895314e38f, 1.0000001f, 6.1035156e-5f, 5.9604645e-8f, 0.0009765625f, 0.33333334f};
        Tensor fs = ops.tensor(special, special.length);
        Tensor fr = rand(DType.F32, -1000, 1000, 64);
        for (DType from : List.of(DType.F32, DType.F16, DType.BF16, DType.F8_E4M3, DType.F8_E5M2)) {
            for (Tensor src : List.of(fs, fr)) {
                Tensor x = ops.cast(src, from, true);
                for (DType to : List.of(DType.F32, DType.F16, DType.BF16, DType.F8_E4M3, DType.F8_E5M2, DType.BOOL)) {
                    exact("cast", OpAttrs.of("saturate", false), to, x.shape(), x);
                    exact("cast", OpAttrs.of("saturate", true), to, x.shape(), x);
                }
            }
            Tensor small = ops.cast(ops.tensor(new float[]{0f, -0f, 1.9f, -1.9f, 100f, -120f, 3.7f}, 7), from, true);
            for (DType to : List.of(DType.I8, DType.I32, DType.I64)) {
                exact("cast", OpAttrs.NONE, to, small.shape(), small);
            }
        }
        long[] ints = {0, 1, -1, 127, -128, 2049, 65519, 65520, 16777217, -16777217, 1L << 40, (1L << 53) + 1,
                Long.MAX_VALUE, Long.MIN_VALUE, 9007199791611905L};
        Tensor li = ops.tensor(ints, ints.length);
        for (DType to : List.of(DType.F32, DType.F16, DType.BF16, DType.F8_E4M3, DType.F8_E5M2, DType.BOOL)) {
            exact("cast", OpAttrs.of("saturate", false), to, li.shape(), li);
            exact("cast", OpAttrs.of("saturate", true), to, li.shape(), li);
        }
        Tensor fitsI8 = ops.tensor(new long[]{0, 1, -1, 127, -128}, 5);
        for (DType from : List.of(DType.I8, DType.I32, DType.I64, DType.BOOL)) {
            Tensor x = ops.cast(from == DType.BOOL ? ops.tensor(new long[]{0, 1, 0, 1, 1}, 5) : fitsI8, from);
            for (DType to : DType.values()) {
                exact("cast", OpAttrs.NONE, to, x.shape(), x);
            }
        }
        // strided source
        Tensor m = rand(DType.F32, -3, 3, 4, 5);
        exact("cast", OpAttrs.NONE, DType.BF16, s(5, 4), m.transpose(0, 1));
    }

    @Test
    void castErrorsMatchTheCpuBackend() {
        Tensor bad = ops.tensor(new float[]{1f, Float.NaN, 2f}, 3);
        XpuException e = assertThrows(XpuException.class, () -> both("cast", OpAttrs.NONE, DType.I32, s(3), bad));
        assertTrue(e.getMessage().contains("value NaN is not allowed"), e.getMessage());
        Tensor big = ops.tensor(new long[]{1, 1L << 40}, 2);
        XpuException n = assertThrows(XpuException.class, () -> both("cast", OpAttrs.NONE, DType.I32, s(2), big));
        assertTrue(n.getMessage().contains("value 1099511627776 is not allowed"), n.getMessage());
        Tensor edge = ops.tensor(new float[]{-129f}, 1);
        assertThrows(XpuException.class, () -> both("cast", OpAttrs.NONE, DType.I8, s(1), edge));
        Tensor ok = ops.tensor(new float[]{-128.99f, 127.99f}, 2);
        exact("cast", OpAttrs.NONE, DType.I8, s(2), ok);
    }

    // ------------------------------------------------------------------ elementwise

    @Test
    void unaryOps() {
        for (String op : ElementwiseOps.UNARY) {
            boolean positive = op.equals("log") || op.equals("sqrt") || op.equals("rsqrt");
            for (DType t : ElementwiseOps.FLOAT) {
                Tensor x = rand(t, positive ? 0.01 : -4, 4, 3, 7);
                close(op, op.equals("gelu") ? OpAttrs.of("approximate", "none") : OpAttrs.NONE, 2e-6, s(7, 3),
                        x.transpose(0, 1));
                if (op.equals("gelu")) {
                    close(op, OpAttrs.of("approximate", "tanh"), 2e-6, s(3, 7), x);
                }
            }
        }
        for (String op : List.of("neg", "abs", "relu")) {
            for (DType t : List.of(DType.I8, DType.I32, DType.I64)) {
                exact(op, OpAttrs.NONE, t, s(9), ops.cast(ops.tensor(new long[]{0, 1, -1, 5, -7, 100, -100, 127,
                        -128}, 9), t));
            }
        }
        Tensor specials = ops.tensor(new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f},
                5);
        for (String op : List.of("relu", "abs", "neg", "exp", "tanh", "sigmoid", "sqrt")) {
            close(op, OpAttrs.NONE, 0, s(5), specials);
        }
    }

    @Test
    void binaryOpsWithBroadcast() {
        for (String op : ElementwiseOps.BINARY) {
            for (DType t : op.equals("pow") ? ElementwiseOps.FLOAT : ElementwiseOps.NUMERIC) {
                Tensor a = rand(t, op.equals("pow") ? 0.1 : -20, 20, 3, 4);
                Tensor b = rand(t, 1, 9, 1, 4).expand(3, 4);
                if (t.isInteger()) {
                    exact(op, OpAttrs.NONE, t, s(3, 4), a, b);
                    exact(op, OpAttrs.NONE, t, s(3, 4), ops.neg(a), b);
                } else {
                    close(op, OpAttrs.NONE, 2e-6, s(3, 4), a, b);
                    close(op, OpAttrs.NONE, 2e-6, s(3, 4), b, a.transpose(0, 1).transpose(0, 1));
                }
            }
        }
        float[] sp = {Float.NaN, 0f, -0f, Float.POSITIVE_INFINITY, -1f, 1f, -8f};
        float[] sq = {0f, -0f, 0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NaN, 0.33333334f};
        for (String op : List.of("maximum", "minimum", "pow", "div")) {
            exact(op, OpAttrs.NONE, DType.F32, s(7), ops.tensor(sp, 7), ops.tensor(sq, 7));
        }
        Tensor imin = ops.tensor(new long[]{Long.MIN_VALUE, 7, -7}, 3);
        Tensor m1 = ops.tensor(new long[]{-1, -2, 2}, 3);
        exact("div", OpAttrs.NONE, DType.I64, s(3), imin, m1);
    }

    @Test
    void integerDivisionByZero() {
        Tensor a = ops.tensor(new int[]{3, 4, 5}, 3);
        Tensor b = ops.tensor(new int[]{1, 0, 1}, 3);
        XpuException e = assertThrows(XpuException.class, () -> both("div", OpAttrs.NONE, DType.I32, s(3), a, b));
        XpuException c = assertThrows(XpuException.class, () -> ops.div(a, b));
        assertEquals(c.getMessage(), e.getMessage());
        // the runtime stays usable: the next op sees a cleared error record
        exact("div", OpAttrs.NONE, DType.I32, s(3), a, a);
    }

    @Test
    void comparisonsAndWhere() {
        for (String op : ElementwiseOps.COMPARE) {
            for (DType t : ElementwiseOps.NUMERIC) {
                Tensor a = rand(t, -3, 3, 4, 5);
                Tensor b = rand(t, -3, 3, 4, 1).expand(4, 5);
                exact(op, OpAttrs.NONE, DType.BOOL, s(4, 5), a, b);
                exact(op, OpAttrs.NONE, DType.BOOL, s(4, 5), a, a);
            }
        }
        Tensor n = ops.tensor(new float[]{Float.NaN, 0f, -0f, 1f}, 4);
        Tensor m = ops.tensor(new float[]{Float.NaN, -0f, 0f, Float.NaN}, 4);
        for (String op : ElementwiseOps.COMPARE) {
            exact(op, OpAttrs.NONE, DType.BOOL, s(4), n, m);
        }
        Tensor bools = ops.tensor(new boolean[]{true, false, true, false}, 4);
        Tensor bools2 = ops.tensor(new boolean[]{true, true, false, false}, 4);
        exact("eq", OpAttrs.NONE, DType.BOOL, s(4), bools, bools2);
        exact("ne", OpAttrs.NONE, DType.BOOL, s(4), bools, bools2);
        Tensor cond = ops.gt(rand(DType.F32, -1, 1, 3, 1), ops.zeros(DType.F32, 3, 1)).expand(3, 4);
        for (DType t : DType.values()) {
            Tensor a = ops.cast(rand(DType.F32, -100, 100, 3, 4), t, true);
            Tensor b = ops.cast(rand(DType.F32, -100, 100, 1, 4), t, true).expand(3, 4);
            exact("where", OpAttrs.NONE, t, s(3, 4), cond, a, b);
        }
    }

    // ------------------------------------------------------------------ reductions and rows

    @Test
    void reductions() {
        for (DType t : ReduceOps.REDUCIBLE) {
            Tensor x = rand(t, -50, 50, 3, 4, 5);
            for (long[] axes : List.of(new long[]{1}, new long[]{0, 2}, new long[]{0, 1, 2}, new long[]{2})) {
                long[] shape = x.shape().clone();
                for (long a : axes) {
                    shape[(int) a] = 1;
                }
                for (String op : List.of("sum", "max", "min")) {
                    if (t.isInteger()) {
                        exact(op, OpAttrs.of("axes", axes), t, shape, x);
                        exact(op, OpAttrs.of("axes", axes), t, shape, x.transpose(0, 2).transpose(0, 2));
                    } else {
                        close(op, OpAttrs.of("axes", axes), 1e-5, shape, x);
                    }
                }
                if (t.isFloatingPoint()) {
                    close("mean", OpAttrs.of("axes", axes), 1e-5, shape, x);
                }
            }
        }
        Tensor nan = ops.tensor(new float[]{1f, Float.NaN, 3f, -1f, -5f, 2f}, 2, 3);
        close("max", OpAttrs.of("axes", new long[]{1}), 0, s(2, 1), nan);
        close("min", OpAttrs.of("axes", new long[]{1}), 0, s(2, 1), nan);
        close("sum", OpAttrs.of("axes", new long[]{1}), 0, s(5, 1), ops.zeros(DType.F32, 5, 0));
    }

    @Test
    void argmaxFirstIndexAndNan() {
        Tensor x = ops.tensor(new float[]{1f, 3f, 3f, 0f, Float.NaN, 2f, Float.NaN, 1f, -1f, -1f, -1f, -1f}, 3, 4);
        exact("argmax", OpAttrs.of("axis", 1L), DType.I64, s(3, 1), x);
        exact("argmax", OpAttrs.of("axis", 0L), DType.I64, s(1, 4), x);
        for (DType t : ReduceOps.NUMERIC) {
            Tensor r = rand(t, -3, 3, 4, 6);
            exact("argmax", OpAttrs.of("axis", 1L), DType.I64, s(4, 1), r);
            exact("argmax", OpAttrs.of("axis", 0L), DType.I64, s(1, 6), r);
        }
    }

    @Test
    void softmaxAndNorms() {
        for (DType t : ElementwiseOps.FLOAT) {
            Tensor x = rand(t, -5, 5, 2, 3, 6);
            for (long axis : new long[]{0, 1, 2}) {
                close("softmax", OpAttrs.of("axis", axis), 1e-6, s(2, 3, 6), x);
                close("log_softmax", OpAttrs.of("axis", axis), 1e-5, s(2, 3, 6), x);
            }
            Tensor w = rand(t, 0.5, 1.5, 6);
            Tensor b = rand(t, -1, 1, 6);
            close("layer_norm", OpAttrs.of("eps", 1e-5, "hasWeight", false, "hasBias", false), 1e-5, s(2, 3, 6), x);
            close("layer_norm", OpAttrs.of("eps", 1e-5, "hasWeight", true, "hasBias", false), 1e-5, s(2, 3, 6), x, w);
            close("layer_norm", OpAttrs.of("eps", 1e-5, "hasWeight", false, "hasBias", true), 1e-5, s(2, 3, 6), x, b);
            close("layer_norm", OpAttrs.of("eps", 1e-5, "hasWeight", true, "hasBias", true), 1e-5, s(2, 3, 6),
                    x, w, b);
            close("rms_norm", OpAttrs.of("eps", 1e-6), 1e-5, s(2, 3, 6), x, w);
        }
        Tensor inf = ops.tensor(new float[]{Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, 2f}, 2, 2);
        close("softmax", OpAttrs.of("axis", 1L), 1e-6, s(2, 2), inf);
    }

    // ------------------------------------------------------------------ model ops

    @Test
    void ropeBothLayouts() {
        for (DType t : ElementwiseOps.FLOAT) {
            Tensor x = rand(t, -2, 2, 2, 3, 5, 8);
            Tensor cos = rand(DType.F32, -1, 1, 5, 4);
            Tensor sin = rand(DType.F32, -1, 1, 5, 4);
            close("rope", OpAttrs.of("layout", "interleaved"), 1e-6, s(2, 3, 5, 8), x, cos, sin);
            close("rope", OpAttrs.of("layout", "half_split"), 1e-6, s(2, 3, 5, 8), x, cos, sin);
        }
    }

    @Test
    void embeddingGathersRowsAndChecksIds() {
        for (DType w : List.of(DType.F32, DType.BF16, DType.I8, DType.I64, DType.F8_E5M2)) {
            Tensor weight = ops.cast(rand(DType.F32, -10, 10, 6, 5), w, true);
            exact("embedding", OpAttrs.NONE, w, s(2, 3, 5), weight, ops.tensor(new int[]{5, 0, 3, 3, 1, 2}, 2, 3));
            exact("embedding", OpAttrs.NONE, w, s(4, 5), weight, ops.tensor(new long[]{0, 5, 2, 4}, 4));
        }
        Tensor weight = rand(DType.F32, -1, 1, 6, 5);
        Tensor ids = ops.tensor(new long[]{0, 6, 1}, 3);
        XpuException e = assertThrows(XpuException.class, () -> both("embedding", OpAttrs.NONE, DType.F32, s(3, 5),
                weight, ids));
        XpuException c = assertThrows(XpuException.class, () -> ops.embedding(weight, ids));
        assertEquals(c.getMessage(), e.getMessage());
    }

    @Test
    void attentionDecodePrefillCausalMaskedAndGrouped() {
        for (DType t : ElementwiseOps.FLOAT) {
            // decode: one query against a cache of 9 keys, grouped heads (4 query heads, 2 kv heads)
            Tensor q1 = rand(t, -1, 1, 2, 4, 1, 8);
            Tensor k = rand(t, -1, 1, 2, 2, 9, 8);
            Tensor v = rand(t, -1, 1, 2, 2, 9, 6);
            close("attention", OpAttrs.of("causal", false, "scale", 0.35, "hasMask", false), 1e-5, s(2, 4, 1, 6),
                    q1, k, v);
            close("attention", OpAttrs.of("causal", true, "scale", 0.35, "hasMask", false), 1e-5, s(2, 4, 1, 6),
                    q1, k, v);
            // prefill, causal, aligned to the end (Sq < Sk)
            Tensor q = rand(t, -1, 1, 2, 4, 5, 8);
            close("attention", OpAttrs.of("causal", true, "scale", 0.35, "hasMask", false), 1e-5, s(2, 4, 5, 6),
                    q, k, v);
            // an additive mask broadcast over batch and heads, with a fully masked row
            float[] md = new float[5 * 9];
            for (int i = 0; i < md.length; i++) {
                md[i] = (i % 3 == 0 || i < 9) ? Float.NEGATIVE_INFINITY : (i % 7) * 0.1f;
            }
            Tensor mask = ops.cast(ops.tensor(md, 1, 1, 5, 9), t).expand(2, 4, 5, 9);
            close("attention", OpAttrs.of("causal", false, "scale", 0.35, "hasMask", true), 1e-5, s(2, 4, 5, 6),
                    q, k, v, mask);
            // no keys at all
            Tensor k0 = ops.zeros(t, 2, 2, 0, 8);
            Tensor v0 = ops.zeros(t, 2, 2, 0, 6);
            close("attention", OpAttrs.of("causal", false, "scale", 0.35, "hasMask", false), 0, s(2, 4, 5, 6),
                    q, k0, v0);
            // a NaN query: every score of its row is NaN, which must reach the output (not read as "all masked")
            float[] qd = new float[2 * 4 * 5 * 8];
            java.util.Arrays.fill(qd, 0.25f);
            qd[3 * 8 + 2] = Float.NaN;
            close("attention", OpAttrs.of("causal", false, "scale", 0.35, "hasMask", false), 1e-5, s(2, 4, 5, 6),
                    ops.cast(ops.tensor(qd, 2, 4, 5, 8), t), k, v);
        }
    }
}
