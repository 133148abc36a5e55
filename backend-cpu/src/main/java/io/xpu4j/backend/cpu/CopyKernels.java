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
        Parallel.forRange(Math.toIntExact(rows), (from, to) -> Rows.forEachRow(shape,
                new long[][]{in.strides(), out.strides()}, new long[]{in.offset(), out.offset()}, from, to,
                (offs, r) -> {
                    if (si == 1 && so == 1) {
                        MemorySegment.copy(src, offs[0] * size, dst, offs[1] * size, (long) len * size);
                    } else {
                        for (int i = 0; i < len; i++) {
                            MemorySegment.copy(src, (offs[0] + i * si) * size, dst, (offs[1] + i * so) * size, size);
                        }
                    }
                }));
    }
}
