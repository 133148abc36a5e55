package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code attention}: softmax(q·kᵀ·scale + mask) · v, fused in the manner of FlashAttention: for a
 * block of query rows, key/value blocks are visited once each while a running maximum and sum
 * per row rescale the output accumulator (online softmax), so no [Sq, Sk] score matrix exists;
 * memory per thread is a few blocks.
 *
 * <p>Query rows are grouped per kv head: the Hq/Hkv query heads that share a kv head are
 * consecutive in q, so their rows form one [G·Sq, D] matrix and each loaded K/V block serves all
 * of them (for decoding with Sq = 1 this puts G rows in a block instead of one). A task is one
 * block of up to {@link AttentionBlock#BQ} such rows; when there are too few blocks to occupy the
 * pool (decoding a single sequence), the keys are also split between tasks and the partial
 * results merged by their maxima (split-K, as in flash-decoding). The per-block math lives in
 * {@link AttentionBlock}.
 */
final class AttentionKernel {
    private AttentionKernel() {
    }

    static void register(KernelRegistry r) {
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) {
            r.register("cpu", "attention", List.of(t, t, t), List.of(t), AttentionKernel::attention);
            r.register("cpu", "attention", List.of(t, t, t, t), List.of(t), AttentionKernel::attention);
        }
    }

    static void attention(KernelCall call) {
        Tensor q = call.input(0);
        Tensor k = call.input(1);
        Tensor v = call.input(2);
        boolean hasMask = call.attrs().has("hasMask") ? call.attrs().getBool("hasMask") : call.inputs().size() > 3;
        Tensor mask = hasMask ? call.input(3) : null;
        Tensor out = call.output();
        AttentionBlock.Problem p = new AttentionBlock.Problem(q, k, v, mask, out,
                call.attrs().getBool("causal"), (float) call.attrs().getDouble("scale"), Parallel.threads());
        int tasks = Math.toIntExact((long) p.blocks * p.splits);
        boolean parallel = Parallel.accessibleByWorkers(p.q) && Parallel.accessibleByWorkers(p.k)
                && Parallel.accessibleByWorkers(p.v) && Parallel.accessibleByWorkers(p.out)
                && (p.mask == null || Parallel.accessibleByWorkers(p.mask));
        if (parallel) {
            Parallel.forTasks(tasks, t -> AttentionBlock.task(p, t));
        } else {
            for (int t = 0; t < tasks; t++) {
                AttentionBlock.task(p, t);
            }
        }
        if (p.splits > 1) {
            if (parallel) {
                Parallel.forTasks(p.blocks, blk -> AttentionBlock.merge(p, blk));
            } else {
                for (int blk = 0; blk < p.blocks; blk++) {
                    AttentionBlock.merge(p, blk);
                }
            }
        }
    }
}
