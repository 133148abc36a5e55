package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * {@code matmul}: a [..., M, K] · b [..., K, N] → out [..., M, N] (contiguous), one {@link Gemm}
 * call per batch index. Batch strides may be 0 and the last two dims of a and b any strides.
 *
 * <p>Three shapes of work:
 * <ul>
 *   <li>b the same matrix for every batch (all its batch strides 0, as in {@code linear} on
 *       [batch, seq, in] activations) and a's batch and row dims one evenly strided run: the
 *       whole call is a single GEMM with M·batch rows, so B is packed once.</li>
 *   <li>Many batches, or batches too small for Gemm to split well: batches are spread over the
 *       pool and each Gemm call runs on its own thread (a Gemm inside a pool task runs inline,
 *       see {@link Parallel}), so there is one fork/join per call instead of one per batch.</li>
 *   <li>Few large batches: one after the other, each Gemm parallel inside.</li>
 * </ul>
 * F16/BF16 outputs are computed into a per-thread float buffer, at most {@link #CHUNK_FLOATS}
 * floats at a time, and rounded to the output dtype with {@link Rows#store}. That buffer is
 * native memory, as every other C that Gemm writes is: when one call site of Gemm's vector
 * stores saw heap and native segments, C2 compiled it into the Vector API's generic store
 * (a fifth of the time of an F16 GEMM, n = 1024, went there).
 */
final class MatmulKernel {
    /** Largest float staging buffer for F16/BF16 outputs (4 MiB); bigger outputs go in row chunks. */
    static final int CHUNK_FLOATS = 1 << 20;
    /**
     * Below this many multiply-adds per batch, batches are always spread over threads: Gemm's
     * own split (one fork/join per K slice) costs more than it gains at that size.
     */
    static final long SMALL_BATCH_FMAS = 1L << 22;
    /** Rows.scratch slot of the F16/BF16 staging buffer. */
    private static final int SLOT_STAGE = 0;
    /** Per-thread native staging buffer that Gemm writes F16/BF16 results into. */
    private static final ThreadLocal<MemorySegment[]> NATIVE_STAGE =
            ThreadLocal.withInitial(() -> new MemorySegment[]{MemorySegment.NULL});

    /** This thread's native staging buffer of at least {@code floats} floats. */
    private static MemorySegment nativeStage(long floats) {
        MemorySegment[] holder = NATIVE_STAGE.get();
        return holder[0] = NativeScratch.atLeast(holder[0], floats * Float.BYTES);
    }

    private MatmulKernel() {
    }

    static void register(KernelRegistry r) {
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) {
            r.register("cpu", "matmul", List.of(t, t), List.of(t), MatmulKernel::matmul);
        }
    }

    /** Everything a batch needs, fixed for the call. */
    private record Plan(MemorySegment a, DType aType, long aRs, long aCs,
                        MemorySegment b, DType bType, long bRs, long bCs,
                        MemorySegment out, DType outType, int n, int k) {
    }

    static void matmul(KernelCall call) {
        Tensor a = call.input(0);
        Tensor b = call.input(1);
        Tensor out = call.output();
        int rank = out.rank();
        long[] os = out.shape();
        long[] at = a.strides();
        long[] bt = b.strides();
        int m = Math.toIntExact(os[rank - 2]);
        int n = Math.toIntExact(os[rank - 1]);
        int k = Math.toIntExact(a.shape(-1));
        Plan p = new Plan(a.segment(), a.dtype(), at[rank - 2], at[rank - 1],
                b.segment(), b.dtype(), bt[rank - 2], bt[rank - 1],
                out.segment(), out.dtype(), n, k);
        int batchRank = rank - 2;
        long batches = 1;
        boolean bShared = true;
        for (int d = 0; d < batchRank; d++) {
            batches *= os[d];
            bShared &= os[d] == 1 || bt[d] == 0;
        }
        if (bShared && batches > 1 && batches * m <= Integer.MAX_VALUE) {
            long rowStride = runStride(os, at, batchRank + 1);
            if (rowStride != NOT_A_RUN) {
                // [batch..., M] rows of a are evenly spaced: one GEMM of batches·M rows
                rows(p, Math.toIntExact(batches * m), a.offset(), rowStride, b.offset(), out.offset());
                return;
            }
        }
        if (batches == 1) {
            rows(p, m, a.offset(), p.aRs, b.offset(), out.offset());
            return;
        }
        int count = Math.toIntExact(batches);
        long fmas = (long) m * n * k;
        int threads = Parallel.threads();
        boolean spread = threads > 1 && (fmas < SMALL_BATCH_FMAS || count >= 4 * threads || count % threads == 0)
                && Parallel.accessibleByWorkers(p.a) && Parallel.accessibleByWorkers(p.b)
                && Parallel.accessibleByWorkers(p.out);
        long[] batchShape = Arrays.copyOf(os, batchRank);
        long mn = (long) m * n;
        if (spread) {
            Parallel.forTasks(count, i -> batch(p, m, i, batchShape, at, bt, a.offset(), b.offset(), out.offset() + i * mn));
        } else {
            for (int i = 0; i < count; i++) {
                batch(p, m, i, batchShape, at, bt, a.offset(), b.offset(), out.offset() + i * mn);
            }
        }
    }

    private static void batch(Plan p, int m, long index, long[] batchShape, long[] at, long[] bt,
                              long aBase, long bBase, long outOff) {
        long aOff = aBase;
        long bOff = bBase;
        long rem = index;
        for (int d = batchShape.length - 1; d >= 0; d--) {
            long i = rem % batchShape[d];
            rem /= batchShape[d];
            aOff += i * at[d];
            bOff += i * bt[d];
        }
        rows(p, m, aOff, p.aRs, bOff, outOff);
    }

    /** out[outOff ...] (rows × n, contiguous) = a rows (stride aRs from aOff) · b. */
    private static void rows(Plan p, int rows, long aOff, long aRs, long bOff, long outOff) {
        if (p.outType == DType.F32) {
            Gemm.gemm(rows, p.n, p.k, p.a, aOff, aRs, p.aCs, p.aType, p.b, bOff, p.bRs, p.bCs, p.bType,
                    p.out, outOff, p.n, false);
            return;
        }
        int chunk = (int) Math.max(1, Math.min(rows, CHUNK_FLOATS / Math.max(1, p.n)));
        float[] stage = Rows.scratch(SLOT_STAGE, chunk * p.n);
        MemorySegment stageSeg = nativeStage((long) chunk * p.n);
        for (int r0 = 0; r0 < rows; r0 += chunk) {
            int rc = Math.min(chunk, rows - r0);
            Gemm.gemm(rc, p.n, p.k, p.a, aOff + r0 * aRs, aRs, p.aCs, p.aType, p.b, bOff, p.bRs, p.bCs, p.bType,
                    stageSeg, 0, p.n, false);
            MemorySegment.copy(stageSeg, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, stage, 0, rc * p.n);
            Rows.store(stage, 0, rc * p.n, p.out, p.outType, outOff + (long) r0 * p.n, 1, false);
        }
    }

    private static final long NOT_A_RUN = Long.MIN_VALUE;

    /**
     * The stride s such that the row-major flat index f over dims {@code [0, count)} sits at
     * element f·s, or {@link #NOT_A_RUN}. Size-1 dims do not matter; with no dim larger than 1
     * any stride works.
     */
    static long runStride(long[] shape, long[] strides, int count) {
        long stride = NOT_A_RUN;
        long expect = 0;
        for (int d = count - 1; d >= 0; d--) {
            if (shape[d] == 1) {
                continue;
            }
            if (stride == NOT_A_RUN) {
                stride = strides[d];
                expect = strides[d] * shape[d];
            } else if (strides[d] == expect) {
                expect *= shape[d];
            } else {
                return NOT_A_RUN;
            }
        }
        return stride == NOT_A_RUN ? 1 : stride;
    }
}
