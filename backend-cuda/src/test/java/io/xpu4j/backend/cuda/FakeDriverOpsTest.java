package io.xpu4j.backend.cuda;

import io.xpu4j.api.Config;
import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Kernel;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.OpAttrs;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every CUDA op's host side (argument packing, layouts, cuBLAS call shapes, error decoding) run
 * against {@link FakeCuda}. The tensors live in host memory (a CPU runtime), which the fake
 * treats as device memory; each launch's parameters are checked against the kernel's PTX
 * declaration by {@link Launcher}, so a packing mistake fails here rather than on the GPU.
 */
class FakeDriverOpsTest {
    private FakeCuda fake;
    private CudaDevice device;
    private Runtime cpu;
    private io.xpu4j.api.Scope scope;
    private Ops ops;
    private final KernelRegistry cudaKernels = new KernelRegistry();

    @BeforeEach
    void open() {
        Assumptions.assumeTrue(KernelSources.ptxPackaged(), "this build packaged no PTX (no nvcc at build time)");
        fake = new FakeCuda();
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
            assertEquals(0, cpu.cpu().allocator().stats().liveBytes(), "every tensor was closed");
            device.close();
            cpu.close();
            assertNull(fake.failure, () -> "a fake driver call threw: " + fake.failure);
            assertEquals(List.of(), fake.contextViolations, "driver calls without a live current context");
            assertTrue(fake.deviceAllocations.isEmpty(), "device memory leaked");
        }
    }

    private FakeCuda.Launch run(String op, Tensor out, OpAttrs attrs, Tensor... in) {
        List<DType> inTypes = java.util.Arrays.stream(in).map(Tensor::dtype).toList();
        Kernel k = cudaKernels.find("cuda", op, inTypes, List.of(out.dtype()));
        assertNotNull(k, () -> "no cuda kernel for " + op + " " + inTypes + " -> " + out.dtype());
        int before = fake.launches.size();
        k.run(new KernelCall(op, device, List.of(in), List.of(out), attrs));
        return fake.launches.size() > before ? fake.launches.getLast() : null;
    }

    private Tensor f32(long... shape) {
        return ops.randUniform(7, -1, 1, DType.F32, shape);
    }

    @Test
    void registersTheSameKernelsAsTheCpuBackend() {
        KernelRegistry cpuKernels = cpu.kernels();
        assertEquals(cpuKernels.ops("cpu"), cudaKernels.ops("cuda"));
        DType[] all = DType.values();
        List<List<DType>> tuples = new ArrayList<>();
        for (DType a : all) {
            tuples.add(List.of(a));
            for (DType b : all) {
                tuples.add(List.of(a, b));
                for (DType c : all) {
                    tuples.add(List.of(a, b, c));
                    tuples.add(List.of(a, b, c, a));
                }
            }
        }
        int checked = 0;
        for (String op : cpuKernels.ops("cpu")) {
            for (List<DType> in : tuples) {
                for (DType out : all) {
                    boolean onCpu = cpuKernels.find("cpu", op, in, List.of(out)) != null;
                    boolean onCuda = cudaKernels.find("cuda", op, in, List.of(out)) != null;
                    assertEquals(onCpu, onCuda, op + " " + in + " -> " + out);
                    checked += onCpu ? 1 : 0;
                }
            }
        }
        assertTrue(checked > 500, "compared " + checked + " registered keys");
    }

    @Test
    void everyOpLaunchesItsKernelWithParametersMatchingThePtx() {
        Tensor x = f32(2, 3, 4);
        Tensor y = f32(2, 3, 4);
        assertEquals("xpu_fill", run("fill", ops.empty(DType.BF16, 5), OpAttrs.of("value", 1.5)).kernel());
        assertEquals("xpu_copy", run("copy", ops.empty(DType.F32, 4, 3, 2), OpAttrs.NONE,
                x.permute(2, 1, 0)).kernel());
        assertEquals("xpu_cast", run("cast", ops.empty(DType.F8_E4M3, 2, 3, 4), OpAttrs.of("saturate", true),
                x).kernel());
        for (String op : ElementwiseOps.BINARY) {
            assertEquals("xpu_binary", run(op, ops.empty(DType.F32, 2, 3, 4), OpAttrs.NONE, x, y).kernel());
        }
        for (String op : ElementwiseOps.COMPARE) {
            assertEquals("xpu_compare", run(op, ops.empty(DType.BOOL, 2, 3, 4), OpAttrs.NONE, x, y).kernel());
        }
        for (String op : ElementwiseOps.UNARY) {
            OpAttrs attrs = op.equals("gelu") ? OpAttrs.of("approximate", "tanh") : OpAttrs.NONE;
            assertEquals("xpu_unary", run(op, ops.empty(DType.F32, 2, 3, 4), attrs, x).kernel());
        }
        Tensor cond = ops.gt(x, y);
        assertEquals("xpu_where", run("where", ops.empty(DType.F32, 2, 3, 4), OpAttrs.NONE, cond, x, y).kernel());
        for (String op : List.of("sum", "max", "min", "mean")) {
            assertEquals("xpu_reduce", run(op, ops.empty(DType.F32, 2, 1, 1), OpAttrs.of("axes", new long[]{1, 2}),
                    x).kernel());
        }
        assertEquals("xpu_argmax", run("argmax", ops.empty(DType.I64, 2, 1, 4), OpAttrs.of("axis", 1L), x).kernel());
        assertEquals("xpu_softmax", run("softmax", ops.empty(DType.F32, 2, 3, 4), OpAttrs.of("axis", 1L), x).kernel());
        assertEquals("xpu_softmax", run("log_softmax", ops.empty(DType.F32, 2, 3, 4), OpAttrs.of("axis", -1L),
                x).kernel());
        Tensor w = f32(4);
        assertEquals("xpu_layer_norm", run("layer_norm", ops.empty(DType.F32, 2, 3, 4),
                OpAttrs.of("eps", 1e-5, "hasWeight", true, "hasBias", true), x, w, w).kernel());
        assertEquals("xpu_rms_norm", run("rms_norm", ops.empty(DType.F32, 2, 3, 4), OpAttrs.of("eps", 1e-5),
                x, w).kernel());
        Tensor cs = f32(3, 2);
        assertEquals("xpu_rope", run("rope", ops.empty(DType.F32, 2, 3, 4), OpAttrs.of("layout", "half_split"),
                x, cs, cs).kernel());
        Tensor ids = ops.tensor(new int[]{0, 2, 1}, 3);
        assertEquals("xpu_embedding", run("embedding", ops.empty(DType.F32, 3, 4), OpAttrs.NONE,
                x.reshape(6, 4), ids).kernel());
        Tensor q = f32(1, 4, 3, 8);
        Tensor kv = f32(1, 2, 5, 8);
        Tensor mask = f32(3, 5).expand(1, 4, 3, 5);
        FakeCuda.Launch att = run("attention", ops.empty(DType.F32, 1, 4, 3, 8),
                OpAttrs.of("causal", true, "scale", 0.35, "hasMask", true), q, kv, kv, mask);
        assertEquals("xpu_attention", att.kernel());
        assertEquals(1 * 4 * 3, att.grid(), "one block per (batch, head, query)");
        assertEquals(4 * (8 + 8), att.sharedBytes(), "q and the accumulator in dynamic shared memory");
        assertEquals(0L, FakeCuda.param(att, 12, 8).get(JAVA_LONG, 0), "mask stride of the broadcast head dim");
        assertEquals(5L, FakeCuda.param(att, 14, 8).get(JAVA_LONG, 0), "mask stride along queries");
    }

    @Test
    void contiguousCopyIsOneDeviceToDeviceCopy() {
        Tensor x = f32(3, 5);
        Tensor out = ops.empty(DType.F32, 3, 5);
        assertNull(run("copy", out, OpAttrs.NONE, x), "no kernel launch");
        assertArrayEquals(x.toFloatArray(), out.toFloatArray());
        // a same-dtype cast is a copy too
        Tensor out2 = ops.empty(DType.F32, 3, 5);
        run("cast", out2, OpAttrs.NONE, x);
        assertArrayEquals(x.toFloatArray(), out2.toFloatArray());
    }

    @Test
    void stridedLayoutsArePackedMerged() {
        // [2, 3, 4] read through a transposed view: the last two dims of the source stay separate
        Tensor x = f32(2, 3, 4);
        FakeCuda.Launch l = run("exp", ops.empty(DType.F32, 2, 4, 3), OpAttrs.NONE, x.transpose(1, 2));
        MemorySegment dims = FakeCuda.param(l, 2, TensorLayouts.DIMS_BYTES);
        MemorySegment strides = FakeCuda.param(l, 3, TensorLayouts.STRIDES_BYTES);
        assertEquals(3, dims.get(JAVA_INT, 64), "rank");
        assertArrayEquals(new long[]{2, 4, 3}, new long[]{dims.get(JAVA_LONG, 0), dims.get(JAVA_LONG, 8),
                dims.get(JAVA_LONG, 16)});
        assertArrayEquals(new long[]{12, 1, 4}, new long[]{strides.get(JAVA_LONG, 0), strides.get(JAVA_LONG, 8),
                strides.get(JAVA_LONG, 16)});
        // a contiguous operand collapses to one dim
        FakeCuda.Launch c = run("exp", ops.empty(DType.F32, 2, 3, 4), OpAttrs.NONE, x);
        MemorySegment cd = FakeCuda.param(c, 2, TensorLayouts.DIMS_BYTES);
        assertEquals(1, cd.get(JAVA_INT, 64));
        assertEquals(24L, cd.get(JAVA_LONG, 0));
    }

    private void reportFromKernel(String kernel, int errParam, int code, long index, long ivalue, double fvalue) {
        fake.onLaunch.put(kernel, l -> {
            long rec = FakeCuda.param(l, errParam, 8).get(JAVA_LONG, 0);
            MemorySegment r = MemorySegment.ofAddress(rec).reinterpret(DeviceErrorRecord.BYTES);
            r.set(JAVA_LONG, 8, index);
            r.set(JAVA_LONG, 16, ivalue);
            r.set(JAVA_DOUBLE, 24, fvalue);
            r.set(JAVA_INT, 0, code);
        });
    }

    @Test
    void integerDivisionByZeroIsReportedLikeTheCpuBackend() {
        reportFromKernel("xpu_binary", 9, DeviceErrorRecord.INT_DIV_ZERO, 1, 7, 0);
        Tensor a = ops.tensor(new int[]{1, 7}, 2);
        Tensor b = ops.tensor(new int[]{1, 0}, 2);
        XpuException e = assertThrows(XpuException.class, () -> run("div", ops.empty(DType.I32, 2), OpAttrs.NONE, a, b));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        XpuException onCpu = assertThrows(XpuException.class, () -> ops.div(a, b));
        assertEquals(onCpu.getMessage(), e.getMessage());
    }

    @Test
    void floatToIntCastOfNanIsReportedLikeTheCpuBackend() {
        reportFromKernel("xpu_cast", 8, DeviceErrorRecord.CAST_FLOAT_TO_INT, 0, 0, Double.NaN);
        Tensor x = ops.tensor(new float[]{Float.NaN}, 1);
        XpuException e = assertThrows(XpuException.class, () -> run("cast", ops.empty(DType.I32, 1), OpAttrs.NONE, x));
        XpuException onCpu = assertThrows(XpuException.class, () -> ops.cast(x, DType.I32));
        assertEquals(onCpu.getMessage(), e.getMessage());
    }

    @Test
    void narrowingIntCastIsReportedLikeTheCpuBackend() {
        reportFromKernel("xpu_cast", 8, DeviceErrorRecord.CAST_INT_NARROW, 0, 300, 0);
        Tensor x = ops.tensor(new int[]{300}, 1);
        XpuException e = assertThrows(XpuException.class, () -> run("cast", ops.empty(DType.I8, 1), OpAttrs.NONE, x));
        XpuException onCpu = assertThrows(XpuException.class, () -> ops.cast(x, DType.I8));
        assertEquals(onCpu.getMessage(), e.getMessage());
    }

    @Test
    void embeddingIdOutOfRangeIsReportedLikeTheCpuBackend() {
        reportFromKernel("xpu_embedding", 8, DeviceErrorRecord.EMBEDDING_ID, 3, 9, 0);
        Tensor weight = f32(4, 2);
        Tensor ids = ops.tensor(new long[]{0, 1, 2, 9}, 2, 2);
        XpuException e = assertThrows(XpuException.class,
                () -> run("embedding", ops.empty(DType.F32, 2, 2, 2), OpAttrs.NONE, weight, ids));
        XpuException onCpu = assertThrows(XpuException.class, () -> ops.embedding(weight, ids));
        assertEquals(onCpu.getMessage(), e.getMessage());
    }

    @Test
    void noErrorWhenTheKernelReportsNone() {
        Tensor a = ops.tensor(new int[]{4, 9}, 2);
        assertEquals("xpu_binary", run("div", ops.empty(DType.I32, 2), OpAttrs.NONE, a, a).kernel());
    }

    @Test
    void matmulUsesTheRowMajorTrick() {
        Tensor a = f32(2, 3);
        Tensor b = f32(3, 4);
        run("matmul", ops.empty(DType.F32, 2, 4), OpAttrs.NONE, a, b);
        FakeCuda.Gemm g = fake.gemms.getLast();
        // C^T (4x2, col-major) = B^T (4x3) * A^T (3x2): cuBLAS's A is our b
        assertEquals("cublasGemmEx", g.symbol());
        assertEquals(List.of(CublasApi.CUBLAS_OP_N, CublasApi.CUBLAS_OP_N, 4, 2, 3, 4, 3, 4),
                List.of(g.transa(), g.transb(), g.m(), g.n(), g.k(), g.lda(), g.ldb(), g.ldc()));
        assertEquals(CublasApi.CUDA_R_32F, g.type());
        assertEquals(CublasApi.CUBLAS_COMPUTE_32F, g.computeType());
        // CUBLAS_DEFAULT_MATH (0) | CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION (16), cublas_api.h
        assertEquals(16, fake.mathMode, "no TF32, and split-K partial sums reduced in F32, not in the output type");
    }

    @Test
    void matmulComputeTypeFollowsTheF32PrecisionAttribute() {
        OpAttrs highest = OpAttrs.of("f32Precision", "highest");
        OpAttrs high = OpAttrs.of("f32Precision", "high");
        Tensor a = f32(2, 3);
        Tensor b = f32(3, 4);
        run("matmul", ops.empty(DType.F32, 2, 4), OpAttrs.NONE, a, b);
        assertEquals(CublasApi.CUBLAS_COMPUTE_32F, fake.gemms.getLast().computeType(), "no attribute: highest");
        assertEquals(68, CublasApi.CUBLAS_COMPUTE_32F, "cublasComputeType_t CUBLAS_COMPUTE_32F");
        run("matmul", ops.empty(DType.F32, 2, 4), highest, a, b);
        assertEquals(CublasApi.CUBLAS_COMPUTE_32F, fake.gemms.getLast().computeType());
        run("matmul", ops.empty(DType.F32, 2, 4), high, a, b);
        assertEquals(CublasApi.CUBLAS_COMPUTE_32F_FAST_TF32, fake.gemms.getLast().computeType());
        assertEquals(77, CublasApi.CUBLAS_COMPUTE_32F_FAST_TF32, "cublasComputeType_t CUBLAS_COMPUTE_32F_FAST_TF32");
        // batched F32 takes the same path
        run("matmul", ops.empty(DType.F32, 5, 2, 4), high, f32(5, 2, 3), f32(5, 3, 4));
        assertEquals("cublasGemmStridedBatchedEx", fake.gemms.getLast().symbol());
        assertEquals(CublasApi.CUBLAS_COMPUTE_32F_FAST_TF32, fake.gemms.getLast().computeType());
        // F16/BF16 always accumulate in plain F32, whatever the setting
        for (DType t : List.of(DType.F16, DType.BF16)) {
            for (OpAttrs attrs : List.of(OpAttrs.NONE, highest, high)) {
                run("matmul", ops.empty(t, 2, 4), attrs, a.cast(t), b.cast(t));
                assertEquals(CublasApi.CUBLAS_COMPUTE_32F, fake.gemms.getLast().computeType(), t + " " + attrs);
                run("matmul", ops.empty(t, 5, 2, 4), attrs, f32(5, 2, 3).cast(t), f32(5, 3, 4).cast(t));
                assertEquals(CublasApi.CUBLAS_COMPUTE_32F, fake.gemms.getLast().computeType(), t + " batched " + attrs);
            }
        }
        assertTrue(fake.gemms.stream().noneMatch(g -> g.type() != CublasApi.CUDA_R_32F
                && g.computeType() == CublasApi.CUBLAS_COMPUTE_32F_FAST_TF32), "never TF32 for F16/BF16");
    }

    @Test
    void tf32MatmulStaysWithinTf32Tolerance() {
        // 1 + 2^-12 is lost in TF32 (10 mantissa bits) but exact in F32: the fake rounds like tensor cores
        Tensor a = ops.tensor(new float[]{1f + 0x1p-12f, 1f, 0.1f, -3f, 2.5f, 1f / 3f}, 2, 3);
        Tensor b = f32(3, 4);
        Tensor exact = ops.empty(DType.F32, 2, 4);
        Tensor fast = ops.empty(DType.F32, 2, 4);
        run("matmul", exact, OpAttrs.of("f32Precision", "highest"), a, b);
        run("matmul", fast, OpAttrs.of("f32Precision", "high"), a, b);
        float[] want = ops.matmul(a, b).toFloatArray();
        float[] e = exact.toFloatArray();
        float[] f = fast.toFloatArray();
        double maxDiff = 0;
        for (int i = 0; i < want.length; i++) {
            double scale = Math.max(1, Math.abs(want[i]));
            assertEquals(want[i], e[i], 1e-6 * scale, "highest at " + i);
            // TF32 rounds each input by at most 2^-11 relative; K = 3 products of such values
            assertEquals(want[i], f[i], 3e-3 * scale, "high at " + i);
            maxDiff = Math.max(maxDiff, Math.abs(f[i] - e[i]) / scale);
        }
        assertTrue(maxDiff > 1e-5, "high must round the inputs (max relative difference " + maxDiff + ")");
    }

    @Test
    void badF32PrecisionAttributeIsRejectedBeforeCallingCublas() {
        XpuException e = assertThrows(XpuException.class, () -> run("matmul", ops.empty(DType.F32, 2, 4),
                OpAttrs.of("f32Precision", "medium"), f32(2, 3), f32(3, 4)));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("'medium'") && e.getMessage().contains("highest, high"), e::getMessage);
        assertTrue(fake.gemms.isEmpty());
    }

    @Test
    void matmulPassesTransposedWeightsWithOpT() {
        Tensor a = f32(2, 3);
        Tensor w = f32(4, 3); // linear: x · wᵀ
        run("matmul", ops.empty(DType.BF16, 2, 4), OpAttrs.NONE, a.cast(DType.BF16), w.cast(DType.BF16).transpose(0, 1));
        FakeCuda.Gemm g = fake.gemms.getLast();
        assertEquals(List.of(CublasApi.CUBLAS_OP_T, CublasApi.CUBLAS_OP_N, 4, 2, 3, 3, 3, 4),
                List.of(g.transa(), g.transb(), g.m(), g.n(), g.k(), g.lda(), g.ldb(), g.ldc()));
        assertEquals(CublasApi.CUDA_R_16BF, g.type());
    }

    @Test
    void batchedMatmulWithABroadcastOperand() {
        Tensor a = f32(5, 2, 3);
        Tensor b = f32(3, 4).expand(5, 3, 4);
        run("matmul", ops.empty(DType.F16, 5, 2, 4), OpAttrs.NONE, a.cast(DType.F16), b.cast(DType.F16));
        FakeCuda.Gemm g = fake.gemms.getLast();
        assertEquals("cublasGemmStridedBatchedEx", g.symbol());
        assertEquals(5, g.batch());
        assertEquals(List.of(12L, 6L, 8L), List.of(g.strideA(), g.strideB(), g.strideC()),
                "b was made contiguous by the cast; a's stride is M*K, C's M*N");
        Tensor bBroadcast = f32(3, 4).cast(DType.F16).expand(5, 3, 4);
        run("matmul", ops.empty(DType.F16, 5, 2, 4), OpAttrs.NONE, a.cast(DType.F16), bBroadcast);
        assertEquals(0L, fake.gemms.getLast().strideA(), "a broadcast operand has batch stride 0");
        assertEquals(CublasApi.CUDA_R_16F, fake.gemms.getLast().type());
    }

    @Test
    void matmulWithEmptyInnerDimensionWritesZeros() {
        Tensor a = ops.empty(DType.F32, 2, 0);
        Tensor b = ops.empty(DType.F32, 0, 3);
        Tensor out = ops.full(DType.F32, 5, 2, 3);
        run("matmul", out, OpAttrs.NONE, a, b);
        assertArrayEquals(new float[6], out.toFloatArray());
        assertTrue(fake.gemms.isEmpty());
    }

    @Test
    void geluRejectsUnknownApproximation() {
        XpuException e = assertThrows(XpuException.class,
                () -> run("gelu", ops.empty(DType.F32, 2), OpAttrs.of("approximate", "fast"), f32(2)));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("allowed: none, tanh"), e.getMessage());
    }

    /** Relative tolerance of a GEMM result: the fake sums in double, the CPU in float; F16/BF16 may differ by an ulp. */
    private static double matmulTolerance(DType t) {
        return switch (t) {
            case F16 -> 2e-3;
            case BF16 -> 1.6e-2;
            default -> 1e-5;
        };
    }

    private void assertMatmulMatchesCpu(String what, Tensor a, Tensor b) {
        long[] shape = a.shape().clone();
        shape[shape.length - 1] = b.shape(-1);
        Tensor out = ops.full(a.dtype(), Float.NaN, shape);
        run("matmul", out, OpAttrs.NONE, a, b);
        float[] expected = ops.matmul(a, b).toFloatArray();
        float[] actual = out.toFloatArray();
        assertEquals(expected.length, actual.length, what);
        double tol = matmulTolerance(a.dtype());
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            assertTrue(Math.abs(actual[i] - e) <= tol * Math.max(1, Math.abs(e)),
                    what + " " + a.dtype() + ": element " + i + " is " + actual[i] + ", expected " + e);
        }
    }

    @Test
    void matmulMatchesTheCpuForEveryOperandLayout() {
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) {
            assertMatmulMatchesCpu("plain", f32(2, 3).cast(t), f32(3, 4).cast(t));
            assertMatmulMatchesCpu("a transposed", f32(3, 2).cast(t).transpose(0, 1), f32(3, 4).cast(t));
            assertMatmulMatchesCpu("b transposed (linear)", f32(2, 3).cast(t), f32(4, 3).cast(t).transpose(0, 1));
            assertMatmulMatchesCpu("both transposed", f32(3, 2).cast(t).transpose(0, 1),
                    f32(4, 3).cast(t).transpose(0, 1));
            assertMatmulMatchesCpu("row slices (ld > columns)", f32(2, 5).cast(t).slice(1, 1, 4),
                    f32(3, 6).cast(t).slice(1, 2, 6));
            assertMatmulMatchesCpu("column vector times row vector (K = 1)", f32(4, 1).cast(t), f32(1, 5).cast(t));
            assertMatmulMatchesCpu("row times column (M = N = 1)", f32(1, 3).cast(t), f32(3, 1).cast(t));
            assertMatmulMatchesCpu("transposed single row", f32(3, 1).cast(t).transpose(0, 1), f32(3, 2).cast(t));
            assertMatmulMatchesCpu("batched", f32(5, 2, 3).cast(t), f32(5, 3, 4).cast(t));
            assertMatmulMatchesCpu("broadcast batch", f32(5, 2, 3).cast(t), f32(3, 4).cast(t).expand(5, 3, 4));
            assertMatmulMatchesCpu("batched transposed", f32(5, 3, 2).cast(t).transpose(1, 2),
                    f32(5, 4, 3).cast(t).transpose(1, 2));
            assertMatmulMatchesCpu("batch dims that do not merge", f32(2, 1, 2, 3).cast(t).expand(2, 3, 2, 3),
                    f32(2, 3, 3, 4).cast(t));
            assertMatmulMatchesCpu("two merged batch dims", f32(2, 3, 2, 3).cast(t),
                    f32(3, 4).cast(t).expand(2, 3, 3, 4));
        }
    }

    @Test
    void matmulWithAnEmptyOutputCallsNothing() {
        run("matmul", ops.empty(DType.F32, 2, 0), OpAttrs.NONE, f32(2, 3), ops.empty(DType.F32, 3, 0));
        run("matmul", ops.empty(DType.F32, 0, 4), OpAttrs.NONE, ops.empty(DType.F32, 0, 3), f32(3, 4));
        run("matmul", ops.empty(DType.F16, 0, 2, 4), OpAttrs.NONE, ops.empty(DType.F16, 0, 2, 3),
                ops.empty(DType.F16, 0, 3, 4));
        assertTrue(fake.gemms.isEmpty(), "cuBLAS rejects ldc = N = 0, and there is nothing to compute");
    }
}
