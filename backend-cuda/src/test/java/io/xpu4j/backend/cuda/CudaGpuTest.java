package io.xpu4j.backend.cuda;

import io.xpu4j.api.Availability;
import io.xpu4j.api.Config;
import io.xpu4j.api.DType;
import io.xpu4j.api.MemoryStats;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A few ops on a real GPU against the CPU backend. Skipped, with the probe's reason, where the
 * cuda backend is unavailable (no driver, library or device). Tolerances: F32 1e-5 relative to
 * max(1, |expected|) (F32 matmul 1e-4: cuBLAS sums in a different order), BF16 1e-2.
 */
class CudaGpuTest {
    @BeforeEach
    void requireGpu() {
        Availability a = new CudaBackend().availability();
        Assumptions.assumeTrue(a.available(), "cuda backend unavailable: " + a.reason());
    }

    private static Runtime cuda() {
        return Runtime.create(Config.builder().backend("cuda").opFallback(Config.OpFallback.ERROR).build());
    }

    private static void assertClose(Tensor want, Tensor got, double tol) {
        float[] w = want.toFloatArray();
        float[] g = got.toFloatArray();
        assertEquals(w.length, g.length);
        for (int i = 0; i < w.length; i++) {
            boolean ok = Float.isNaN(w[i]) ? Float.isNaN(g[i]) : Math.abs(g[i] - w[i]) <= tol * Math.max(1, Math.abs(w[i]));
            int at = i;
            assertTrue(ok, () -> "element " + at + ": gpu " + g[at] + ", cpu " + w[at]);
        }
    }

    @Test
    void opsAgreeWithTheCpuBackend() {
        try (Runtime rt = cuda(); Scope scope = rt.scope()) {
            Ops gpu = rt.ops();
            Ops host = rt.ops(rt.cpu());
            Tensor a = host.randUniform(1, -1, 1, DType.F32, 64, 96);
            Tensor b = host.randUniform(2, -1, 1, DType.F32, 96, 80);
            Tensor ga = a.to(rt.device());
            Tensor gb = b.to(rt.device());
            assertClose(host.matmul(a, b), gpu.matmul(ga, gb), 1e-4);
            assertClose(host.softmax(a, 1), gpu.softmax(ga, 1), 1e-5);
            assertClose(host.add(a, host.exp(a)), gpu.add(ga, gpu.exp(ga)), 1e-5);
            assertClose(host.sum(a, true, 0), gpu.sum(ga, true, 0), 1e-5);
            Tensor w = host.randUniform(3, 0.5, 1.5, DType.F32, 96);
            assertClose(host.rmsNorm(a, w, 1e-6), gpu.rmsNorm(ga, w.to(rt.device()), 1e-6), 1e-5);
            Tensor abf = host.cast(a, DType.BF16);
            Tensor bbf = host.cast(b, DType.BF16);
            assertClose(host.matmul(abf, bbf), gpu.matmul(abf.to(rt.device()), bbf.to(rt.device())), 1e-2);
            Tensor q = host.randUniform(4, -1, 1, DType.F32, 1, 4, 3, 16);
            Tensor k = host.randUniform(5, -1, 1, DType.F32, 1, 2, 7, 16);
            assertClose(host.scaledDotProductAttention(q, k, k, null, true, 0.25),
                    gpu.scaledDotProductAttention(q.to(rt.device()), k.to(rt.device()), k.to(rt.device()), null, true,
                            0.25), 1e-5);
        }
    }

    @Test
    void integerDivisionByZeroIsAnErrorAndNothingLeaks() {
        try (Runtime rt = cuda()) {
            Ops gpu = rt.ops();
            try (Scope scope = rt.scope()) {
                Tensor x = gpu.tensor(new int[]{1, 2, 3}, 3);
                Tensor z = gpu.tensor(new int[]{1, 0, 1}, 3);
                XpuException e = assertThrows(XpuException.class, () -> gpu.div(x, z));
                assertTrue(e.getMessage().contains("integer division by zero"), e.getMessage());
                assertEquals(3, gpu.div(x, x).toIntArray().length);
            }
            MemoryStats s = rt.device().allocator().stats();
            assertEquals(0, s.liveBytes(), "every tensor was released");
        }
    }

    /**
     * What only real hardware exercises: many blocks at the real block sizes, rows longer than a
     * block, several attention key tiles, staged copies over two pinned chunks, cuBLAS with a long
     * K (split-K reductions) and transposed or broadcast operands, and the device error record.
     * Tolerances as above; F16 matmul 2e-3, F32 attention 1e-4 (float dot products in another order).
     */
    @Test
    void hardwarePathsAgreeWithTheCpuBackend() {
        try (Runtime rt = cuda(); Scope scope = rt.scope()) {
            Ops gpu = rt.ops();
            Ops host = rt.ops(rt.cpu());
            Tensor big = host.randUniform(11, -3, 3, DType.F32, 5_000_000); // 20 MB: three staging chunks
            Tensor gbig = big.to(rt.device());
            assertClose(big, gbig, 0);
            assertClose(host.exp(big), gpu.exp(gbig), 1e-5);

            Tensor rows = host.randUniform(12, -2, 2, DType.F32, 300, 1000);
            Tensor grows = rows.to(rt.device());
            assertClose(host.sum(rows, true, 1), gpu.sum(grows, true, 1), 1e-5);
            assertClose(host.max(rows, true, 0), gpu.max(grows, true, 0), 0);
            assertEquals(java.util.Arrays.toString(host.argmax(rows, 1, false).toLongArray()),
                    java.util.Arrays.toString(gpu.argmax(grows, 1, false).toLongArray()));
            assertClose(host.softmax(rows, 1), gpu.softmax(grows, 1), 1e-5);
            Tensor w = host.randUniform(13, 0.5, 1.5, DType.F32, 1000);
            Tensor bias = host.randUniform(14, -1, 1, DType.F32, 1000);
            assertClose(host.layerNorm(rows, w, bias, 1e-5),
                    gpu.layerNorm(grows, w.to(rt.device()), bias.to(rt.device()), 1e-5), 1e-5);

            Tensor a16 = host.randUniform(15, -1, 1, DType.F32, 64, 4096).cast(DType.F16);
            Tensor b16 = host.randUniform(16, -1, 1, DType.F32, 4096, 64).cast(DType.F16);
            assertClose(host.matmul(a16, b16), gpu.matmul(a16.to(rt.device()), b16.to(rt.device())), 2e-3);
            Tensor x = host.randUniform(17, -1, 1, DType.F32, 8, 256).cast(DType.BF16);
            Tensor lw = host.randUniform(18, -1, 1, DType.F32, 128, 256).cast(DType.BF16);
            Tensor lb = host.randUniform(19, -1, 1, DType.F32, 128).cast(DType.BF16);
            assertClose(host.linear(x, lw, lb),
                    gpu.linear(x.to(rt.device()), lw.to(rt.device()), lb.to(rt.device())), 1e-2);
            Tensor ba = host.randUniform(20, -1, 1, DType.F32, 4, 32, 64);
            Tensor bb = host.randUniform(21, -1, 1, DType.F32, 64, 48);
            assertClose(host.matmul(ba, bb), gpu.matmul(ba.to(rt.device()), bb.to(rt.device())), 1e-4);

            Tensor q = host.randUniform(22, -1, 1, DType.F32, 2, 8, 5, 128);
            Tensor k = host.randUniform(23, -1, 1, DType.F32, 2, 2, 300, 128);
            Tensor v = host.randUniform(24, -1, 1, DType.F32, 2, 2, 300, 128);
            assertClose(host.scaledDotProductAttention(q, k, v, null, true, 0.088),
                    gpu.scaledDotProductAttention(q.to(rt.device()), k.to(rt.device()), v.to(rt.device()), null,
                            true, 0.088), 1e-4);

            Tensor nan = gpu.tensor(new float[]{1f, Float.NaN, 3f}, 3);
            XpuException e = assertThrows(XpuException.class, () -> gpu.cast(nan, DType.I32));
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        }
    }
}
