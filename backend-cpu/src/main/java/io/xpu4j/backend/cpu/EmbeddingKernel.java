package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.spi.ContractErrors;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code embedding}: output row p is row ids[p] of weight [V, D], copied as bytes, so every dtype
 * is served by one kernel and values pass through bit-exact.
 *
 * <p>All ids are checked before anything is copied, so a bad id fails the same way (naming the
 * first bad position) however the copy is split across threads, and never leaves a half-written
 * output behind a thrown exception.
 */
final class EmbeddingKernel {
    private static final long GRAIN_BYTES = 64 * 1024;

    private EmbeddingKernel() {
    }

    static void register(KernelRegistry r) {
        for (DType w : DType.values()) {
            for (DType id : List.of(DType.I32, DType.I64)) {
                r.register("cpu", "embedding", List.of(w, id), List.of(w), EmbeddingKernel::run);
            }
        }
    }

    static void run(KernelCall c) {
        Tensor weight = c.input(0);
        Tensor ids = c.input(1);
        Tensor out = c.output();
        long vocab = weight.shape(0);
        long rowBytes = weight.shape(1) * weight.dtype().byteSize();
        long n = ids.numel();
        MemorySegment is = ids.segment();
        MemorySegment ws = weight.segment();
        MemorySegment os = out.segment();
        boolean wide = ids.dtype() == DType.I64;
        long io = ids.offset();
        for (long p = 0; p < n; p++) {
            long id = id(is, wide, io + p);
            if (id < 0 || id >= vocab) {
                throw ContractErrors.embeddingIdOutOfRange(id, p, ids, weight);
            }
        }
        long wb = weight.byteOffset();
        long ob = out.byteOffset();
        int minChunk = (int) Math.max(1, GRAIN_BYTES / Math.max(1, rowBytes));
        Parallel.forRange(Math.toIntExact(n), minChunk, (from, to) -> {
            for (long p = from; p < to; p++) {
                MemorySegment.copy(ws, wb + id(is, wide, io + p) * rowBytes, os, ob + p * rowBytes, rowBytes);
            }
        });
    }

    private static long id(MemorySegment s, boolean wide, long idx) {
        return wide ? s.get(Rows.I64, idx * 8) : s.get(Rows.I32, idx * 4);
    }

}
