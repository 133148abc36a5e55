package io.xpu4j.backend.cuda;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** Launches kernels on a device's default stream, with grid sizes that the grid-stride loops accept. */
final class Launcher {
    /** Threads per block of elementwise kernels and of the row kernels (whose shared arrays hold 256). */
    static final int THREADS = 256;
    /** Threads per block of the attention kernel (its shared tile arrays hold 128). */
    static final int ATTENTION_THREADS = 128;
    private static final long MAX_ROW_BLOCKS = 1L << 20;

    private Launcher() {
    }

    /** One thread per element, at most 32 blocks per multiprocessor (the loop covers the rest). */
    static void elementwise(CudaDevice d, String kernel, long elements, KernelParams p) {
        if (elements == 0) {
            return; // nothing to do: spare the driver a launch
        }
        long blocks = (elements + THREADS - 1) / THREADS;
        long cap = Math.max(1, 32L * Math.max(1, d.multiprocessors));
        launch(d, kernel, Math.max(1, Math.min(blocks, cap)), THREADS, 0, p);
    }

    /** One block per row. */
    static void rows(CudaDevice d, String kernel, long rows, int threads, int sharedBytes, KernelParams p) {
        if (rows == 0) {
            return;
        }
        launch(d, kernel, Math.max(1, Math.min(rows, MAX_ROW_BLOCKS)), threads, sharedBytes, p);
    }

    static void launch(CudaDevice d, String kernel, long grid, int block, int sharedBytes, KernelParams p) {
        d.makeCurrent();
        MemorySegment f = d.modules.function(kernel);
        List<Integer> declared = d.modules.signature(kernel);
        if (!declared.equals(p.sizes())) {
            throw new XpuException(ErrorCode.INTERNAL, d.id() + ": " + kernel
                    + " declares parameters of " + declared + " bytes but the launch packed " + p.sizes());
        }
        d.check(d.driver.launchKernel(f, (int) grid, 1, 1, block, 1, 1, sharedBytes, d.streamHandle(), p.pack(),
                MemorySegment.NULL), "cuLaunchKernel(" + kernel + ", grid " + grid + ", block " + block + ")");
    }
}
