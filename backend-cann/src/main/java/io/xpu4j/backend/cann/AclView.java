package io.xpu4j.backend.cann;

import io.xpu4j.api.DType;
import io.xpu4j.api.Tensor;

/**
 * What an {@code aclTensor} describes: a storage (device address and element capacity), a
 * dtype, and a strided view into it (shape, strides and offset in elements).
 */
record AclView(long base, long storageElems, DType dtype, long[] shape, long[] strides, long offset) {

    static AclView of(Tensor t) {
        long elems = t.block().size() / t.dtype().byteSize();
        return new AclView(t.block().address(), elems, t.dtype(), t.shape(), t.strides(), t.offset());
    }

    static AclView contiguous(long base, long storageElems, DType dtype, long... shape) {
        return new AclView(base, storageElems, dtype, shape.clone(), contiguousStrides(shape), 0);
    }

    AclView view(long[] newShape, long[] newStrides, long newOffset) {
        return new AclView(base, storageElems, dtype, newShape, newStrides, newOffset);
    }

    /** The same bytes read as another dtype of the same size (raw moves of FP8 data as INT8). */
    AclView as(DType t) {
        if (t.byteSize() != dtype.byteSize()) {
            throw new IllegalArgumentException(dtype + " cannot be reinterpreted as " + t);
        }
        return new AclView(base, storageElems, t, shape, strides, offset);
    }

    /** A contiguous view reshaped (only valid for contiguous views). */
    AclView reshape(long... newShape) {
        return new AclView(base, storageElems, dtype, newShape.clone(), contiguousStrides(newShape), offset);
    }

    int rank() {
        return shape.length;
    }

    long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    static long[] contiguousStrides(long[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return st;
    }
}
