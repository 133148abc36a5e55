package io.xpu4j.conformance;

import java.util.Arrays;
import java.util.List;

/**
 * Float64 references for matmul and the neural-network ops of {@code docs/ops.md}. Each returns
 * the error scale its {@link Tolerance} family expects alongside the values.
 */
public final class NnReference {
    private NnReference() {
    }

    // ================================ matmul =======================================================

    /**
     * NumPy matmul: a 1-D {@code a} is a row vector and a 1-D {@code b} a column vector (the added
     * dim removed from the result); {@code ta}/{@code tb} transpose the last two dims of a rank ≥ 2
     * operand; batch dims broadcast. Scale: Σₖ|aᵢₖ·bₖⱼ| (see {@link Tolerance#accumulate}).
     */
    public static Expected matmul(Nd a, Nd b, boolean ta, boolean tb) {
        boolean vecA = a.rank() == 1;
        boolean vecB = b.rank() == 1;
        Nd a2 = vecA ? a.reshape(1, a.dim(0)) : ta ? transposeLast(a) : a;
        Nd b2 = vecB ? b.reshape(b.dim(0), 1) : tb ? transposeLast(b) : b;
        long m = a2.dim(-2);
        long k = a2.dim(-1);
        long n = b2.dim(-1);
        if (b2.dim(-2) != k) {
            throw new IllegalArgumentException("matmul: inner dims differ");
        }
        long[] batchA = Arrays.copyOf(a2.shape(), a2.rank() - 2);
        long[] batchB = Arrays.copyOf(b2.shape(), b2.rank() - 2);
        long[] batch = Nd.broadcast(batchA, batchB);
        int nb = Math.toIntExact(Nd.numel(batch));
        double[] out = new double[Math.toIntExact(nb * m * n)];
        double[] scale = new double[out.length];
        for (int bi = 0; bi < nb; bi++) {
            long[] bidx = Nd.unravel(batch, bi);
            int offA = Nd.broadcastOffset(batchA, bidx) * (int) (m * k);
            int offB = Nd.broadcastOffset(batchB, bidx) * (int) (k * n);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    double mag = 0;
                    for (int p = 0; p < k; p++) {
                        double t = a2.data()[offA + (int) (i * k + p)] * b2.data()[offB + (int) (p * n + j)];
                        s += t;
                        mag += Math.abs(t);
                    }
                    int o = (int) ((bi * m + i) * n + j);
                    out[o] = s;
                    scale[o] = mag;
                }
            }
        }
        long[] shape;
        if (vecA && vecB) {
            shape = batch;
        } else if (vecA) {
            shape = concat(batch, n);
        } else if (vecB) {
            shape = concat(batch, m);
        } else {
            shape = concat(batch, m, n);
        }
        return new Expected(new Nd(shape, out), scale);
    }

    /** {@code x·wᵀ + bias} with {@code w} [out, in]; scale Σ|xᵢ·wᵢ| + |bias|. */
    public static Expected linear(Nd x, Nd w, Nd bias) {
        Expected y = matmul(x, w, false, true);
        if (bias == null) {
            return y;
        }
        double[] v = y.value().data().clone();
        double[] s = y.scale().clone();
        int out = (int) w.dim(0);
        for (int i = 0; i < v.length; i++) {
            v[i] += bias.data()[i % out];
            s[i] += Math.abs(bias.data()[i % out]);
        }
        return new Expected(new Nd(y.value().shape(), v), s);
    }

    static Nd transposeLast(Nd x) {
        int r = x.rank();
        long[] shape = x.shape().clone();
        shape[r - 1] = x.shape()[r - 2];
        shape[r - 2] = x.shape()[r - 1];
        double[] out = new double[x.size()];
        long rows = x.shape()[r - 2];
        long cols = x.shape()[r - 1];
        long mat = rows * cols;
        for (int i = 0; i < out.length; i++) {
            long base = i / Math.max(mat, 1) * mat;
            long within = i - base;
            long row = within / rows; // position in the transposed matrix [cols, rows]
            long col = within % rows;
            out[i] = x.data()[(int) (base + col * cols + row)];
        }
        return new Nd(shape, out);
    }

    private static long[] concat(long[] head, long... tail) {
        long[] r = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, r, head.length, tail.length);
        return r;
    }

    // ================================ softmax ======================================================

    /** Visits every 1-D line of {@code shape} along {@code axis}: calls back with (start, stride, length). */
    private interface Line {
        void at(int start, int stride, int len);
    }

    private static void lines(long[] shape, int axis, Line body) {
        if (shape.length == 0) {
            body.at(0, 1, 1);
            return;
        }
        int stride = Nd.strides(shape)[axis];
        int len = (int) shape[axis];
        long total = Nd.numel(shape);
        if (total == 0) {
            return;
        }
        long outer = total / Math.max(len, 1) / stride;
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < stride; in++) {
                body.at(o * stride * len + in, stride, len);
            }
        }
    }

    /**
     * Softmax along {@code axis}. Scale (see {@link Tolerance#softmax}): |yᵢ|·(√K + |xᵢ − max|),
     * since an absolute error δ in the exponent xᵢ − max is a relative error δ in exp, and the
     * normalising sum adds √K·u relative.
     */
    public static Expected softmax(Nd x, int axis) {
        double[] y = new double[x.size()];
        double[] scale = new double[x.size()];
        int ax = x.rank() == 0 ? 0 : (axis < 0 ? axis + x.rank() : axis);
        lines(x.shape(), ax, (start, stride, len) -> {
            double m = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < len; i++) {
                m = Math.max(m, x.data()[start + i * stride]);
            }
            double sum = 0;
            for (int i = 0; i < len; i++) {
                sum += Math.exp(x.data()[start + i * stride] - m);
            }
            for (int i = 0; i < len; i++) {
                int p = start + i * stride;
                y[p] = Math.exp(x.data()[p] - m) / sum;
                double d = x.data()[p] - m;
                scale[p] = Math.abs(y[p]) * (Math.sqrt(len) + (Double.isFinite(d) ? Math.abs(d) : 0));
            }
        });
        return new Expected(new Nd(x.shape().clone(), y), scale);
    }

    /**
     * Log-softmax: xᵢ − max − log Σ exp(xⱼ − max). Its error is absolute, not relative (an output
     * near 0 comes from cancelling terms): scale |xᵢ| + |max| + |log Σ| + √K, the sizes of the
     * quantities subtracted (see {@link Tolerance#logSoftmax}).
     */
    public static Expected logSoftmax(Nd x, int axis) {
        double[] y = new double[x.size()];
        double[] scale = new double[x.size()];
        int ax = x.rank() == 0 ? 0 : (axis < 0 ? axis + x.rank() : axis);
        lines(x.shape(), ax, (start, stride, len) -> {
            double m = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < len; i++) {
                m = Math.max(m, x.data()[start + i * stride]);
            }
            double sum = 0;
            for (int i = 0; i < len; i++) {
                sum += Math.exp(x.data()[start + i * stride] - m);
            }
            double lse = Math.log(sum);
            for (int i = 0; i < len; i++) {
                int p = start + i * stride;
                y[p] = x.data()[p] - m - lse;
                double xi = Double.isFinite(x.data()[p]) ? Math.abs(x.data()[p]) : 0;
                scale[p] = xi + Math.abs(m) + Math.abs(lse) + Math.sqrt(len);
            }
        });
        return new Expected(new Nd(x.shape().clone(), y), scale);
    }

    // ================================ normalisation ================================================

    /**
     * Layer norm over the last dim with the biased variance; {@code w}, {@code b} may be null.
     * Scale (see {@link Tolerance#norm}): |wᵢ|/σ·(|xᵢ| + |μ| + √D·(mean|x| + |xᵢ − μ|)) + |bᵢ|, the
     * rounding of the mean, of xᵢ − μ and of the variance sum, carried through the division by σ.
     */
    public static Expected layerNorm(Nd x, Nd w, Nd b, double eps) {
        int d = (int) x.dim(-1);
        double[] y = new double[x.size()];
        double[] scale = new double[x.size()];
        for (int r = 0; r * d < x.size(); r++) {
            int base = r * d;
            double mean = 0;
            double meanAbs = 0;
            for (int i = 0; i < d; i++) {
                mean += x.data()[base + i];
                meanAbs += Math.abs(x.data()[base + i]);
            }
            mean /= d;
            meanAbs /= d;
            double var = 0;
            for (int i = 0; i < d; i++) {
                double c = x.data()[base + i] - mean;
                var += c * c;
            }
            var /= d;
            double sigma = Math.sqrt(var + eps);
            for (int i = 0; i < d; i++) {
                double xi = x.data()[base + i];
                double wi = w == null ? 1 : w.data()[i];
                double bi = b == null ? 0 : b.data()[i];
                y[base + i] = (xi - mean) / sigma * wi + bi;
                scale[base + i] = Math.abs(wi) / sigma
                        * (Math.abs(xi) + Math.abs(mean) + Math.sqrt(d) * (meanAbs + Math.abs(xi - mean))) + Math.abs(bi);
            }
        }
        return new Expected(new Nd(x.shape().clone(), y), scale);
    }

    /** RMS norm over the last dim: x / √(mean(x²) + eps) · w. Scale: |wᵢ·xᵢ|/rms·(√D + 1). */
    public static Expected rmsNorm(Nd x, Nd w, double eps) {
        int d = (int) x.dim(-1);
        double[] y = new double[x.size()];
        double[] scale = new double[x.size()];
        for (int r = 0; r * d < x.size(); r++) {
            int base = r * d;
            double ms = 0;
            for (int i = 0; i < d; i++) {
                ms += x.data()[base + i] * x.data()[base + i];
            }
            double rms = Math.sqrt(ms / d + eps);
            for (int i = 0; i < d; i++) {
                double v = x.data()[base + i] * w.data()[i];
                y[base + i] = v / rms;
                scale[base + i] = Math.abs(v) / rms * (Math.sqrt(d) + 1);
            }
        }
        return new Expected(new Nd(x.shape().clone(), y), scale);
    }

    // ================================ indexing and layout ==========================================

    /** Rows of {@code w} [V, D] picked by {@code ids}: shape ids.shape + [D]. */
    public static Nd embedding(Nd w, Nd ids) {
        int v = (int) w.dim(0);
        int d = (int) w.dim(1);
        double[] out = new double[ids.size() * d];
        for (int i = 0; i < ids.size(); i++) {
            long id = (long) ids.data()[i];
            if (id < 0 || id >= v) {
                throw new IllegalArgumentException("id " + id + " outside [0, " + v + ")");
            }
            System.arraycopy(w.data(), (int) id * d, out, i * d, d);
        }
        return new Nd(concat(ids.shape(), d), out);
    }

    /** Joins along {@code axis}. */
    public static Nd concat(List<Nd> parts, int axis) {
        Nd first = parts.get(0);
        int ax = axis < 0 ? axis + first.rank() : axis;
        long[] shape = first.shape().clone();
        shape[ax] = parts.stream().mapToLong(p -> p.dim(ax)).sum();
        double[] out = new double[Math.toIntExact(Nd.numel(shape))];
        long off = 0;
        for (Nd p : parts) {
            for (int i = 0; i < p.size(); i++) {
                long[] idx = Nd.unravel(p.shape(), i);
                idx[ax] += off;
                out[Nd.offset(shape, idx)] = p.data()[i];
            }
            off += p.dim(ax);
        }
        return new Nd(shape, out);
    }

    /**
     * Rotary embedding of x [..., S, D] with cos, sin [S, D/2]. Pair (x₁, x₂) becomes
     * (x₁·cos − x₂·sin, x₁·sin + x₂·cos). Scale |x₁·cos| + |x₂·sin| (or the sin/cos mix for
     * x₂'): the two products whose difference can cancel.
     */
    public static Expected rope(Nd x, Nd cos, Nd sin, boolean interleaved) {
        int d = (int) x.dim(-1);
        int s = (int) x.dim(-2);
        int half = d / 2;
        double[] y = new double[x.size()];
        double[] scale = new double[x.size()];
        for (int r = 0; r * d < x.size(); r++) {
            int pos = r % s;
            int base = r * d;
            for (int i = 0; i < half; i++) {
                int i1 = interleaved ? base + 2 * i : base + i;
                int i2 = interleaved ? base + 2 * i + 1 : base + i + half;
                double c = cos.data()[pos * half + i];
                double sn = sin.data()[pos * half + i];
                double x1 = x.data()[i1];
                double x2 = x.data()[i2];
                y[i1] = x1 * c - x2 * sn;
                y[i2] = x1 * sn + x2 * c;
                scale[i1] = Math.abs(x1 * c) + Math.abs(x2 * sn);
                scale[i2] = Math.abs(x1 * sn) + Math.abs(x2 * c);
            }
        }
        return new Expected(new Nd(x.shape().clone(), y), scale);
    }

    // ================================ attention ====================================================

    /**
     * softmax(q·kᵀ·scale + mask)·v per head. q [B,Hq,Sq,D], k [B,Hkv,Sk,D], v [B,Hkv,Sk,Dv];
     * {@code mask} broadcasts to [B,Hq,Sq,Sk] or is null. Query head h reads kv head h/(Hq/Hkv).
     * With {@code causal}, key j is hidden from query i when j &gt; i + Sk − Sq. A row whose keys
     * are all hidden (or all −∞) gives 0.
     *
     * <p>Scale (see {@link Tolerance#attention}): Σⱼ pⱼ·|vⱼ|·(1 + √Sk + |sⱼ − max| + √D·Σ|q·k|·scale):
     * an absolute error in a score is a relative error of its weight, and each output is a
     * weighted sum of v.
     */
    public static Expected attention(Nd q, Nd k, Nd v, Nd mask, boolean causal, double scale) {
        int b = (int) q.dim(0);
        int hq = (int) q.dim(1);
        int sq = (int) q.dim(2);
        int d = (int) q.dim(3);
        int hkv = (int) k.dim(1);
        int sk = (int) k.dim(2);
        int dv = (int) v.dim(3);
        int group = hq / hkv;
        double[] out = new double[b * hq * sq * dv];
        double[] err = new double[out.length];
        double[] s = new double[sk];
        double[] mag = new double[sk];
        boolean[] visible = new boolean[sk];
        for (int bi = 0; bi < b; bi++) {
            for (int h = 0; h < hq; h++) {
                int kh = h / group;
                for (int i = 0; i < sq; i++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < sk; j++) {
                        visible[j] = !(causal && j > i + sk - sq);
                        if (!visible[j]) {
                            continue;
                        }
                        double dot = 0;
                        double dm = 0;
                        for (int c = 0; c < d; c++) {
                            double t = q.get(bi, h, i, c) * k.get(bi, kh, j, c);
                            dot += t;
                            dm += Math.abs(t);
                        }
                        double add = mask == null ? 0
                                : mask.data()[Nd.broadcastOffset(mask.shape(), new long[]{bi, h, i, j})];
                        s[j] = dot * scale + add;
                        mag[j] = Math.sqrt(d) * dm * Math.abs(scale) + (Double.isFinite(add) ? Math.abs(add) : 0);
                        visible[j] = s[j] != Double.NEGATIVE_INFINITY;
                        if (visible[j]) {
                            m = Math.max(m, s[j]);
                        }
                    }
                    int o = ((bi * hq + h) * sq + i) * dv;
                    if (m == Double.NEGATIVE_INFINITY) {
                        continue; // every key hidden: the row is 0
                    }
                    double sum = 0;
                    for (int j = 0; j < sk; j++) {
                        if (visible[j]) {
                            sum += Math.exp(s[j] - m);
                        }
                    }
                    for (int j = 0; j < sk; j++) {
                        if (!visible[j]) {
                            continue;
                        }
                        double p = Math.exp(s[j] - m) / sum;
                        double grow = 1 + Math.sqrt(sk) + Math.abs(s[j] - m) + mag[j];
                        for (int c = 0; c < dv; c++) {
                            double vv = v.get(bi, kh, j, c);
                            out[o + c] += p * vv;
                            err[o + c] += p * Math.abs(vv) * grow;
                        }
                    }
                }
            }
        }
        return new Expected(new Nd(new long[]{b, hq, sq, dv}, out), err);
    }
}
