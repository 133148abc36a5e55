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
}
