package io.xpu4j.cli;

import io.xpu4j.api.DType;
import io.xpu4j.api.Ops;
import io.xpu4j.api.RopeLayout;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small transformer encoder stack with random weights, built from {@link Ops} only: the
 * stand-in workload until real models load. Per layer: layerNorm, q/k/v projections, rope,
 * causal attention, output projection, residual; rmsNorm, a GELU MLP, residual.
 *
 * <p>Weights are drawn from a seed on the host, so the same seed gives the same model on every
 * backend, which is what the parity check relies on. The tensors are created in the caller's
 * scope and live as long as it does.
 */
final class DemoModel {
    static final int VOCAB = 1000;
    static final int MLP_FACTOR = 4;
    static final double ROPE_THETA = 10_000;

    /** The sizes; validated by the command before a model is built. */
    record Shape(int seq, int dim, int heads, int layers) {
        int headDim() {
            return dim / heads;
        }

        int hidden() {
            return dim * MLP_FACTOR;
        }

        /** Multiply-adds x2 of the matmuls in one forward pass (attention counted in full). */
        double flops() {
            double s = seq;
            double d = dim;
            double perLayer = 2 * s * (4 * d * d + 2 * d * hidden()) + 2 * 2 * s * s * d;
            return perLayer * layers;
        }
    }

    private record Layer(Tensor ln1Weight, Tensor ln1Bias, Tensor wq, Tensor bq, Tensor wk, Tensor bk,
                         Tensor wv, Tensor bv, Tensor wo, Tensor bo, Tensor rmsWeight,
                         Tensor w1, Tensor b1, Tensor w2, Tensor b2) {
    }

    private final Runtime runtime;
    private final Ops ops;
    private final Shape shape;
    private final Tensor embedding;
    private final List<Layer> layers = new ArrayList<>();
    private final Tensor cos;
    private final Tensor sin;
    private final Tensor ids;

    /** Builds the weights and the input token ids on {@code ops.device()}. */
    DemoModel(Runtime runtime, Ops ops, Shape shape, long seed) {
        this.runtime = runtime;
        this.ops = ops;
        this.shape = shape;
        SplittableRandom seeds = new SplittableRandom(seed);
        int d = shape.dim();
        int f = shape.hidden();
        embedding = normal(seeds, 0.0, 1.0, VOCAB, d);
        for (int i = 0; i < shape.layers(); i++) {
            layers.add(new Layer(
                    normal(seeds, 1.0, 0.1, d), normal(seeds, 0.0, 0.1, d),
                    linearWeight(seeds, d, d), normal(seeds, 0.0, 0.02, d),
                    linearWeight(seeds, d, d), normal(seeds, 0.0, 0.02, d),
                    linearWeight(seeds, d, d), normal(seeds, 0.0, 0.02, d),
                    linearWeight(seeds, d, d), normal(seeds, 0.0, 0.02, d),
                    normal(seeds, 1.0, 0.1, d),
                    linearWeight(seeds, f, d), normal(seeds, 0.0, 0.02, f),
                    linearWeight(seeds, d, f), normal(seeds, 0.0, 0.02, d)));
        }
        Tensor[] tables = ops.ropeTables(0, shape.seq(), shape.headDim(), ROPE_THETA);
        cos = tables[0];
        sin = tables[1];
        SplittableRandom tokens = new SplittableRandom(seeds.nextLong());
        long[] tokenIds = new long[shape.seq()];
        for (int i = 0; i < tokenIds.length; i++) {
            tokenIds[i] = tokens.nextInt(VOCAB);
        }
        ids = ops.tensor(tokenIds, 1, shape.seq());
    }

    private Tensor normal(SplittableRandom seeds, double mean, double std, long... dims) {
        return ops.randNormal(seeds.nextLong(), mean, std, DType.F32, dims);
    }

    /** [out, in] with std 1/sqrt(in), so activations keep their scale through the stack. */
    private Tensor linearWeight(SplittableRandom seeds, int out, int in) {
        return normal(seeds, 0.0, 1.0 / Math.sqrt(in), out, in);
    }

    /**
     * One forward pass over the fixed input; returns F32 [1, seq, dim], which the caller closes.
     * Each layer runs in its own scope, so only one layer's intermediates are alive at a time.
     */
    Tensor forward() {
        Tensor x;
        try (Scope s = runtime.scope()) {
            x = s.detach(ops.embedding(embedding, ids));
        }
        for (Layer l : layers) {
            Tensor next;
            try (Scope s = runtime.scope()) {
                next = s.detach(layer(l, x));
            } finally {
                x.close();
            }
            x = next;
        }
        return x;
    }

    private Tensor layer(Layer l, Tensor x) {
        Tensor h = ops.layerNorm(x, l.ln1Weight(), l.ln1Bias(), 1e-5);
        Tensor q = ops.rope(heads(ops.linear(h, l.wq(), l.bq())), cos, sin, RopeLayout.HALF_SPLIT);
        Tensor k = ops.rope(heads(ops.linear(h, l.wk(), l.bk())), cos, sin, RopeLayout.HALF_SPLIT);
        Tensor v = heads(ops.linear(h, l.wv(), l.bv()));
        Tensor attn = ops.scaledDotProductAttention(q, k, v, null, true, Double.NaN);
        // [1, heads, seq, headDim] back to [1, seq, dim]
        Tensor merged = ops.contiguous(attn.transpose(1, 2)).reshape(1, shape.seq(), shape.dim());
        Tensor x1 = ops.add(x, ops.linear(merged, l.wo(), l.bo()));
        Tensor h2 = ops.rmsNorm(x1, l.rmsWeight(), 1e-6);
        Tensor mlp = ops.linear(ops.gelu(ops.linear(h2, l.w1(), l.b1())), l.w2(), l.b2());
        return ops.add(x1, mlp);
    }

    /** [1, seq, dim] to the [1, heads, seq, headDim] view attention wants. */
    private Tensor heads(Tensor t) {
        return t.reshape(1, shape.seq(), shape.heads(), shape.headDim()).transpose(1, 2);
    }
}
