package io.xpu4j.models.onnx;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * ONNX semantics on small host arrays: the shape arithmetic of exported graphs (Shape → Gather →
 * Unsqueeze → Concat → Reshape, position-id slices, comparisons). Sizes are bounded by
 * {@link HostArray#HOST_LIMIT} by the caller, so plain index arithmetic in int is safe.
 */
final class HostOps {
    private HostOps() {
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** NumPy broadcasting of two shapes; {@code where} names the node for the error. */
    static long[] broadcast(long[] a, long[] b, String where) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long x = i < r - a.length ? 1 : a[i - (r - a.length)];
            long y = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (x != y && x != 1 && y != 1) {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, where + ": shapes " + Arrays.toString(a) + " and "
                        + Arrays.toString(b) + " do not broadcast (dimension " + i + ": " + x + " vs " + y + ")");
            }
            out[i] = x == 1 ? y : x;
        }
        return out;
    }

    /** For every element of {@code out}, the flat index of the element of {@code in} it reads when broadcast. */
    static int[] broadcastIndex(long[] in, long[] out) {
        int n = (int) numel(out);
        int r = out.length;
        long[] strides = new long[r];
        long s = 1;
        for (int i = in.length - 1; i >= 0; i--) {
            int o = i + (r - in.length);
            strides[o] = in[i] == 1 ? 0 : s;
            s *= in[i];
        }
        int[] map = new int[n];
        long[] idx = new long[r];
        for (int f = 0; f < n; f++) {
            long src = 0;
            for (int d = 0; d < r; d++) {
                src += idx[d] * strides[d];
            }
            map[f] = (int) src;
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < out[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return map;
    }

    // ---- elementwise ------------------------------------------------------------------------

    static HostArray binary(String op, HostArray a, HostArray b, String where) {
        long[] shape = broadcast(a.shape, b.shape, where);
        int[] ia = broadcastIndex(a.shape, shape);
        int[] ib = broadcastIndex(b.shape, shape);
        int n = ia.length;
        boolean compare = switch (op) {
            case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual" -> true;
            default -> false;
        };
        boolean integer = !a.isFloat() && !b.isFloat();
        if (compare) {
            long[] r = new long[n];
            for (int i = 0; i < n; i++) {
                int c = integer ? Long.compare(a.ints[ia[i]], b.ints[ib[i]]) : Double.compare(a.real(ia[i]), b.real(ib[i]));
                boolean nan = !integer && (Double.isNaN(a.real(ia[i])) || Double.isNaN(b.real(ib[i])));
                boolean v = !nan && switch (op) {
                    case "Equal" -> c == 0;
                    case "Less" -> c < 0;
                    case "Greater" -> c > 0;
                    case "LessOrEqual" -> c <= 0;
                    default -> c >= 0;
                };
                r[i] = v ? 1 : 0;
            }
            return HostArray.ofInts(OnnxTypes.BOOL, shape, r);
        }
        if (integer) {
            long[] r = new long[n];
            for (int i = 0; i < n; i++) {
                long x = a.ints[ia[i]];
                long y = b.ints[ib[i]];
                r[i] = switch (op) {
                    case "Add" -> x + y;
                    case "Sub" -> x - y;
                    case "Mul" -> x * y;
                    case "Div" -> {
                        if (y == 0) {
                            throw new XpuException(ErrorCode.INVALID_ARGUMENT, where + ": integer division by zero");
                        }
                        yield x / y;
                    }
                    case "Max" -> Math.max(x, y);
                    case "Min" -> Math.min(x, y);
                    case "Pow" -> (long) Math.pow(x, y);
                    default -> throw new IllegalArgumentException(op);
                };
            }
            return HostArray.ofInts(a.type, shape, r);
        }
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            double x = a.real(ia[i]);
            double y = b.real(ib[i]);
            r[i] = switch (op) {
                case "Add" -> x + y;
                case "Sub" -> x - y;
                case "Mul" -> x * y;
                case "Div" -> x / y;
                case "Max" -> Double.isNaN(x) || Double.isNaN(y) ? Double.NaN : Math.max(x, y);
                case "Min" -> Double.isNaN(x) || Double.isNaN(y) ? Double.NaN : Math.min(x, y);
                case "Pow" -> Math.pow(x, y);
                default -> throw new IllegalArgumentException(op);
            };
        }
        // a float type wins, as in a graph where ONNX's type rules already made both the same
        return HostArray.ofReals(a.isFloat() ? a.type : b.type, shape, r);
    }

    static HostArray unary(HostArray x, DoubleUnaryOperator f) {
        double[] r = new double[x.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = f.applyAsDouble(x.real(i));
        }
        return HostArray.ofReals(x.type, x.shape, r);
    }

    static HostArray where(HostArray c, HostArray x, HostArray y, String where) {
        long[] shape = broadcast(broadcast(c.shape, x.shape, where), y.shape, where);
        int[] ic = broadcastIndex(c.shape, shape);
        int[] ix = broadcastIndex(x.shape, shape);
        int[] iy = broadcastIndex(y.shape, shape);
        if (x.isFloat() || y.isFloat()) {
            double[] r = new double[ic.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = c.integer(ic[i]) != 0 ? x.real(ix[i]) : y.real(iy[i]);
            }
            return HostArray.ofReals(x.type, shape, r);
        }
        long[] r = new long[ic.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = c.integer(ic[i]) != 0 ? x.ints[ix[i]] : y.ints[iy[i]];
        }
        return HostArray.ofInts(x.type, shape, r);
    }

    static HostArray expand(HostArray x, long[] shape) {
        return gatherFlat(x, shape, broadcastIndex(x.shape, shape));
    }

    /** A new array of {@code shape} whose element i is {@code x}'s element {@code map[i]}. */
    static HostArray gatherFlat(HostArray x, long[] shape, int[] map) {
        if (x.isFloat()) {
            double[] r = new double[map.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = x.reals[map[i]];
            }
            return HostArray.ofReals(x.type, shape, r);
        }
        long[] r = new long[map.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = x.ints[map[i]];
        }
        return HostArray.ofInts(x.type, shape, r);
    }

    // ---- movement ---------------------------------------------------------------------------

    static HostArray gather(HostArray data, HostArray idx, int axis, String where) {
        long[] ds = data.shape;
        long dimA = ds[axis];
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= ds[i];
        }
        long inner = 1;
        for (int i = axis + 1; i < ds.length; i++) {
            inner *= ds[i];
        }
        long[] shape = new long[ds.length - 1 + idx.rank()];
        System.arraycopy(ds, 0, shape, 0, axis);
        System.arraycopy(idx.shape, 0, shape, axis, idx.rank());
        System.arraycopy(ds, axis + 1, shape, axis + idx.rank(), ds.length - axis - 1);
        int k = idx.size();
        long[] ids = new long[k];
        for (int j = 0; j < k; j++) {
            long v = idx.integer(j);
            long norm = v < 0 ? v + dimA : v;
            if (norm < 0 || norm >= dimA) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, where + ": index " + v + " is out of range for axis "
                        + axis + " of size " + dimA + " (allowed: " + (-dimA) + " to " + (dimA - 1) + ")");
            }
            ids[j] = norm;
        }
        int[] map = new int[(int) numel(shape)];
        int f = 0;
        for (long o = 0; o < outer; o++) {
            for (int j = 0; j < k; j++) {
                long base = (o * dimA + ids[j]) * inner;
                for (long in = 0; in < inner; in++) {
                    map[f++] = (int) (base + in);
                }
            }
        }
        return gatherFlat(data, shape, map);
    }

    /** Slice with per-axis start, step and count (already resolved and clamped). */
    static HostArray slice(HostArray x, long[] starts, long[] steps, long[] counts) {
        int r = x.rank();
        long[] strides = new long[r];
        long s = 1;
        for (int i = r - 1; i >= 0; i--) {
            strides[i] = s;
            s *= x.shape[i];
        }
        int n = (int) numel(counts);
        int[] map = new int[n];
        long[] idx = new long[r];
        for (int f = 0; f < n; f++) {
            long src = 0;
            for (int d = 0; d < r; d++) {
                src += (starts[d] + idx[d] * steps[d]) * strides[d];
            }
            map[f] = (int) src;
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < counts[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return gatherFlat(x, counts, map);
    }

    static HostArray transpose(HostArray x, int[] perm) {
        int r = x.rank();
        long[] inStrides = new long[r];
        long s = 1;
        for (int i = r - 1; i >= 0; i--) {
            inStrides[i] = s;
            s *= x.shape[i];
        }
        long[] shape = new long[r];
        long[] strides = new long[r];
        for (int i = 0; i < r; i++) {
            shape[i] = x.shape[perm[i]];
            strides[i] = inStrides[perm[i]];
        }
        int n = x.size();
        int[] map = new int[n];
        long[] idx = new long[r];
        for (int f = 0; f < n; f++) {
            long src = 0;
            for (int d = 0; d < r; d++) {
                src += idx[d] * strides[d];
            }
            map[f] = (int) src;
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return gatherFlat(x, shape, map);
    }

    static HostArray concat(List<HostArray> parts, int axis, long[] shape) {
        HostArray first = parts.get(0);
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= shape[i];
        }
        long inner = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        boolean real = parts.stream().anyMatch(HostArray::isFloat);
        int n = (int) numel(shape);
        long[] li = real ? null : new long[n];
        double[] ld = real ? new double[n] : null;
        int f = 0;
        for (long o = 0; o < outer; o++) {
            for (HostArray p : parts) {
                long len = p.shape[axis] * inner;
                long base = o * len;
                for (long j = 0; j < len; j++) {
                    if (real) {
                        ld[f++] = p.real((int) (base + j));
                    } else {
                        li[f++] = p.ints[(int) (base + j)];
                    }
                }
            }
        }
        return real ? HostArray.ofReals(first.type, shape, ld) : HostArray.ofInts(first.type, shape, li);
    }
}
