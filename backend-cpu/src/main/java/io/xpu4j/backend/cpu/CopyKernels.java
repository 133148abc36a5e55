package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.FloatFormats;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;

import java.lang.foreign.MemorySegment;

/** {@code fill} (every element one value) and {@code copy} (strided source into a strided destination). */
final class CopyKernels {
    private CopyKernels() {
    }

    static void register(KernelRegistry r) {
        r.registerAnyDType("cpu", "fill", CopyKernels::fill);
        r.registerAnyDType("cpu", "copy", CopyKernels::copy);
    }

    static void fill(KernelCall call) {
        Tensor out = call.output();
        DType t = out.dtype();
        int size = t.byteSize();
        MemorySegment dst = out.segment().asSlice(out.byteOffset(), out.byteSize());
        MemorySegment one = MemorySegment.ofArray(new byte[8]);
        encode(one, t, call.attrs().getDouble("value"));
        // replicate the element by doubling the filled prefix: log2(n) bulk copies
        MemorySegment.copy(one, 0, dst, 0, size);
        long filled = size;
        while (filled < dst.byteSize()) {
            long chunk = Math.min(filled, dst.byteSize() - filled);
            MemorySegment.copy(dst, 0, dst, filled, chunk);
            filled += chunk;
        }
    }

    /** One element from a double, rounded once (not via float first). */
    private static void encode(MemorySegment one, DType t, double v) {
        switch (t) {
            case F32 -> one.set(Rows.F32, 0, (float) v);
            case F16 -> one.set(Rows.I16, 0, FloatFormats.doubleToHalf(v));
            case BF16 -> one.set(Rows.I16, 0, FloatFormats.doubleToBf16(v));
            case F8_E4M3 -> one.set(Rows.I8, 0, FloatFormats.doubleToE4M3(v, false));
            case F8_E5M2 -> one.set(Rows.I8, 0, FloatFormats.doubleToE5M2(v, false));
            case BOOL -> one.set(Rows.I8, 0, (byte) (v != 0 ? 1 : 0));
            default -> Rows.storeLong(new long[]{(long) v}, 0, 1, one, t, 0, 1);
        }
    }

    static void copy(KernelCall call) {
        Tensor in = call.input(0);
        Tensor out = call.output();
        int size = in.dtype().byteSize();
        MemorySegment src = in.segment();
        MemorySegment dst = out.segment();
        if (in.isContiguous() && out.isContiguous()) {
            MemorySegment.copy(src, in.byteOffset(), dst, out.byteOffset(), in.byteSize());
            return;
        }
        long[] shape = out.shape();
        int len = Rows.rowLength(shape);
        long si = Rows.innerStride(in);
        long so = Rows.innerStride(out);
        long rows = Rows.rowCount(shape);
        long rowBytes = (long) len * size;
        long[] ss = in.strides();
        long[] ds = out.strides();
        long sBase = in.offset();
        long dBase = out.offset();
        Parallel.forRange(Math.toIntExact(rows), (from, to) -> {
            // the rows' offsets as an odometer over the outer dims, kept here rather than behind
            // Rows.forEachRow's per-row callback, and single elements moved with plain loads and
            // stores rather than a bulk copy each: both about 1.5x faster on a transposed
            // [32, 128, 12, 32] F32 tensor
            int outer = Math.max(0, shape.length - 1);
            long[] idx = new long[outer];
            long rem = from;
            long sOff = sBase;
            long dOff = dBase;
            for (int d = outer - 1; d >= 0; d--) {
                idx[d] = rem % shape[d];
                rem /= shape[d];
                sOff += idx[d] * ss[d];
                dOff += idx[d] * ds[d];
            }
            for (long r = from; r < to; r++) {
                long s0 = sOff * size;
                long d0 = dOff * size;
                if (si == 1 && so == 1) {
                    // memmove semantics within a row, as copyInto between overlapping views needs
                    MemorySegment.copy(src, s0, dst, d0, rowBytes);
                } else {
                    copyElements(src, s0, si * size, dst, d0, so * size, len, size);
                }
                for (int d = outer - 1; d >= 0; d--) {
                    sOff += ss[d];
                    dOff += ds[d];
                    if (++idx[d] < shape[d]) {
                        break;
                    }
                    sOff -= ss[d] * shape[d];
                    dOff -= ds[d] * shape[d];
                    idx[d] = 0;
                }
            }
        });
    }

    /** {@code len} elements of {@code size} bytes, {@code sStep} and {@code dStep} bytes apart. */
    private static void copyElements(MemorySegment src, long s, long sStep, MemorySegment dst, long d, long dStep,
                                     int len, int size) {
        switch (size) {
            case 4 -> {
                for (int i = 0; i < len; i++) {
                    dst.set(Rows.I32, d + i * dStep, src.get(Rows.I32, s + i * sStep));
                }
            }
            case 2 -> {
                for (int i = 0; i < len; i++) {
                    dst.set(Rows.I16, d + i * dStep, src.get(Rows.I16, s + i * sStep));
                }
            }
            case 8 -> {
                for (int i = 0; i < len; i++) {
                    dst.set(Rows.I64, d + i * dStep, src.get(Rows.I64, s + i * sStep));
                }
            }
            case 1 -> {
                for (int i = 0; i < len; i++) {
                    dst.set(Rows.I8, d + i * dStep, src.get(Rows.I8, s + i * sStep));
                }
            }
            default -> {
                for (int i = 0; i < len; i++) {
                    MemorySegment.copy(src, s + i * sStep, dst, d + i * dStep, size);
                }
            }
        }
    }
}
