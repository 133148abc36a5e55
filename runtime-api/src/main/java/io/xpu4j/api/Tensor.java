package io.xpu4j.api;

import io.xpu4j.api.spi.MemoryBlock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.Arrays;

/**
 * An n-dimensional array on a device: shape, strides and offset (both in elements), a dtype,
 * and reference-counted storage shared with its views. Views ({@link #reshape}, {@link #transpose},
 * {@link #permute}, {@link #slice}, {@link #expand}) share storage and are tensors of their own:
 * close each, or let a {@link Scope} close them. A tensor that is garbage-collected unclosed is
 * reported as a leak and its memory reclaimed.
 *
 * <p>Computation lives in {@link Ops}; this class has the layout, views and host transfers.
 */
public final class Tensor implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final System.Logger LOG = System.getLogger("io.xpu4j");

    private final Runtime runtime;
    private final Storage storage;
    private final DType dtype;
    private final long[] shape;
    private final long[] strides;
    private final long offset;
    private final long numel;
    private final ReleaseState state;
    private final Cleaner.Cleanable cleanable;
    Scope scope;
    boolean closedByScope;

    /** Takes over one reference to {@code storage} (the caller retained it or just created it). */
    Tensor(Runtime runtime, Storage storage, DType dtype, long[] shape, long[] strides, long offset) {
        this.runtime = runtime;
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.numel = Shapes.numel(shape);
        this.state = new ReleaseState(storage, describeLayout(dtype, shape, storage.device()));
        this.cleanable = CLEANER.register(this, state);
        Scope.adopt(this);
    }

    /** Cleaner action; must not reference the tensor. */
    private static final class ReleaseState implements Runnable {
        private final Storage storage;
        private final String description;
        private volatile boolean explicit;

        ReleaseState(Storage storage, String description) {
            this.storage = storage;
            this.description = description;
        }

        @Override
        public void run() {
            if (!explicit) {
                storage.device().allocator().reportLeak();
                LOG.log(System.Logger.Level.WARNING, "leaked tensor " + description
                        + " was garbage-collected without close(); close tensors or use a Scope");
            }
            storage.release();
        }
    }

    // ---- layout -------------------------------------------------------------------------------

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code dim}; negative values count from the end. */
    public long shape(int dim) {
        return shape[Shapes.axis(dim, shape.length, "shape")];
    }

    public int rank() {
        return shape.length;
    }

    /** Strides in elements. */
    public long[] strides() {
        return strides.clone();
    }

    public long stride(int dim) {
        return strides[Shapes.axis(dim, shape.length, "stride")];
    }

    /** Offset of the first element into the storage, in elements. */
    public long offset() {
        return offset;
    }

    public long numel() {
        return numel;
    }

    public long byteSize() {
        return numel * dtype.byteSize();
    }

    public Device device() {
        return storage.device();
    }

    public Runtime runtime() {
        return runtime;
    }

    public boolean isContiguous() {
        return Shapes.isContiguous(shape, strides);
    }

    public boolean isClosed() {
        return state.explicit;
    }

    // ---- access for kernels ---------------------------------------------------------------------

    /** The storage block (for kernels). */
    public MemoryBlock block() {
        checkOpen();
        return storage.block();
    }

    /** Byte offset of element 0 within {@link #block()}. */
    public long byteOffset() {
        return offset * dtype.byteSize();
    }

    /**
     * A host segment over the whole storage (for CPU kernels); element {@code i} of a contiguous
     * tensor sits at byte {@code byteOffset() + i * dtype().byteSize()}.
     */
    public MemorySegment segment() {
        checkOpen();
        MemorySegment s = storage.block().hostSegment();
        if (s == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT,
                    describe() + " lives in device memory the host cannot address; copy it with to(cpu) first");
        }
        return s;
    }

    /** Address of element 0 on the device. */
    public long address() {
        return block().address() + byteOffset();
    }

    // ---- views ----------------------------------------------------------------------------------

    private Tensor view(long[] newShape, long[] newStrides, long newOffset) {
        checkOpen();
        storage.retain();
        return new Tensor(runtime, storage, dtype, newShape, newStrides, newOffset);
    }

    /** A view of the same storage with an arbitrary layout; callers guarantee it stays in bounds. */
    Tensor restride(long[] newShape, long[] newStrides, long newOffset) {
        return view(newShape.clone(), newStrides.clone(), newOffset);
    }

    /** Another handle on the same elements (a view with the same layout), closed independently. */
    public Tensor share() {
        return view(shape.clone(), strides.clone(), offset);
    }

    /**
     * The same elements in a new shape; one dimension may be -1 (inferred). A view when the
     * layout allows it, otherwise a contiguous copy.
     */
    public Tensor reshape(long... newShape) {
        checkOpen();
        long[] resolved = Shapes.resolveReshape(shape, newShape);
        long[] viewStrides = Shapes.reshapeStrides(shape, strides, resolved);
        if (viewStrides != null) {
            return view(resolved, viewStrides, offset);
        }
        try (Tensor c = contiguous()) {
            return c.reshape(resolved);
        }
    }

    /** Swaps two dimensions (a view). */
    public Tensor transpose(int dim0, int dim1) {
        checkOpen();
        int a = Shapes.axis(dim0, shape.length, "transpose");
        int b = Shapes.axis(dim1, shape.length, "transpose");
        int[] perm = new int[shape.length];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[a] = b;
        perm[b] = a;
        return permute(perm);
    }

    /** Reorders dimensions: output dim {@code i} is input dim {@code order[i]} (a view). */
    public Tensor permute(int... order) {
        checkOpen();
        if (order.length != shape.length) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "permute: order " + Arrays.toString(order)
                    + " has " + order.length + " entries but " + describe() + " has rank " + shape.length);
        }
        boolean[] seen = new boolean[shape.length];
        long[] ns = new long[shape.length];
        long[] nt = new long[shape.length];
        for (int i = 0; i < order.length; i++) {
            int d = Shapes.axis(order[i], shape.length, "permute");
            if (seen[d]) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "permute: order " + Arrays.toString(order)
                        + " repeats dimension " + d + "; it must be a permutation of 0.." + (shape.length - 1));
            }
            seen[d] = true;
            ns[i] = shape[d];
            nt[i] = strides[d];
        }
        return view(ns, nt, offset);
    }

    /** Elements {@code start} (inclusive) to {@code end} (exclusive) of {@code dim} (a view). */
    public Tensor slice(int dim, long start, long end) {
        return slice(dim, start, end, 1);
    }

    /**
     * Every {@code step}-th element from {@code start} to {@code end} of {@code dim} (a view).
     * Negative {@code start}/{@code end} count from the end; both are clamped to the size.
     */
    public Tensor slice(int dim, long start, long end, long step) {
        checkOpen();
        int d = Shapes.axis(dim, shape.length, "slice");
        if (step <= 0) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "slice: step must be positive, got " + step);
        }
        long n = shape[d];
        long s = start < 0 ? Math.max(0, start + n) : Math.min(start, n);
        long e = end < 0 ? Math.max(0, end + n) : Math.min(end, n);
        long len = e > s ? (e - s + step - 1) / step : 0;
        long[] ns = shape.clone();
        long[] nt = strides.clone();
        ns[d] = len;
        nt[d] = strides[d] * step;
        return view(ns, nt, len == 0 ? offset : offset + s * strides[d]);
    }

    /**
     * Broadcasts size-1 dimensions to larger sizes without copying (stride 0); new leading
     * dimensions may be added. -1 keeps a dimension's size.
     */
    public Tensor expand(long... newShape) {
        checkOpen();
        if (newShape.length < shape.length) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "expand: cannot expand " + describe() + " to "
                    + Arrays.toString(newShape) + ", which has fewer dimensions");
        }
        int lead = newShape.length - shape.length;
        long[] ns = new long[newShape.length];
        long[] nt = new long[newShape.length];
        for (int i = 0; i < newShape.length; i++) {
            long want = newShape[i];
            if (i < lead) {
                if (want < 0) {
                    throw new XpuException(ErrorCode.SHAPE_MISMATCH, "expand: -1 is not allowed for new leading dimension " + i);
                }
                ns[i] = want;
                nt[i] = 0;
                continue;
            }
            long have = shape[i - lead];
            if (want == -1 || want == have) {
                ns[i] = have;
                nt[i] = strides[i - lead];
            } else if (have == 1 && want >= 0) {
                ns[i] = want;
                nt[i] = 0;
            } else {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, "expand: cannot expand " + describe() + " to "
                        + Arrays.toString(newShape) + ": dimension " + i + " has size " + have
                        + ", only size-1 dimensions can grow");
            }
        }
        return view(ns, nt, offset);
    }

    /** Inserts a size-1 dimension at {@code dim} (in the output's numbering; -1 appends). */
    public Tensor unsqueeze(int dim) {
        checkOpen();
        int d = Shapes.axis(dim, shape.length + 1, "unsqueeze");
        long[] ns = new long[shape.length + 1];
        long[] nt = new long[shape.length + 1];
        for (int i = 0, j = 0; i < ns.length; i++) {
            if (i == d) {
                ns[i] = 1;
                nt[i] = j < shape.length ? strides[j] * shape[j] : 1;
            } else {
                ns[i] = shape[j];
                nt[i] = strides[j];
                j++;
            }
        }
        return view(ns, nt, offset);
    }

    /** Removes dimension {@code dim}, which must have size 1. */
    public Tensor squeeze(int dim) {
        checkOpen();
        int d = Shapes.axis(dim, shape.length, "squeeze");
        if (shape[d] != 1) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "squeeze: dimension " + d + " of " + describe()
                    + " has size " + shape[d] + "; only size-1 dimensions can be squeezed");
        }
        long[] ns = new long[shape.length - 1];
        long[] nt = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != d) {
                ns[j] = shape[i];
                nt[j++] = strides[i];
            }
        }
        return view(ns, nt, offset);
    }

    // ---- conveniences over Ops ----------------------------------------------------------------

    /** This tensor if already contiguous (a new view of it), else a contiguous copy. */
    public Tensor contiguous() {
        return runtime.ops().contiguous(this);
    }

    /** A copy on {@code device}. */
    public Tensor to(Device device) {
        return runtime.ops().to(this, device);
    }

    /** A converted copy; see {@link Ops#cast}. */
    public Tensor cast(DType target) {
        return runtime.ops().cast(this, target);
    }

    // ---- host reads -----------------------------------------------------------------------------

    /** Copies the elements, in row-major order, into {@code dst} as raw bytes of {@link #dtype()}. */
    public void copyTo(MemorySegment dst) {
        checkOpen();
        long bytes = byteSize();
        if (dst.byteSize() < bytes) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "copyTo: destination has " + dst.byteSize()
                    + " bytes but " + describe() + " needs " + bytes);
        }
        if (bytes == 0) {
            return;
        }
        if (isContiguous()) {
            device().copyToHost(storage.block(), byteOffset(), dst, 0, bytes);
        } else {
            try (Tensor c = runtime.ops().contiguous(this)) {
                c.copyTo(dst);
            }
        }
    }

    private MemorySegment readAs(DType type, Arena arena) {
        MemorySegment host = arena.allocate(Math.max(1, numel * type.byteSize()), 64);
        if (type == dtype) {
            copyTo(host);
        } else {
            try (Tensor c = runtime.ops().cast(this, type)) {
                c.copyTo(host);
            }
        }
        return host;
    }

    /** The elements as floats (converted from {@link #dtype()} if needed). */
    public float[] toFloatArray() {
        checkHostArray();
        try (Arena arena = Arena.ofConfined()) {
            return readAs(DType.F32, arena).asSlice(0, numel * 4).toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    /** The elements as ints (converted from {@link #dtype()} if needed). */
    public int[] toIntArray() {
        checkHostArray();
        try (Arena arena = Arena.ofConfined()) {
            return readAs(DType.I32, arena).asSlice(0, numel * 4).toArray(ValueLayout.JAVA_INT);
        }
    }

    /** The elements as longs (converted from {@link #dtype()} if needed). */
    public long[] toLongArray() {
        checkHostArray();
        try (Arena arena = Arena.ofConfined()) {
            return readAs(DType.I64, arena).asSlice(0, numel * 8).toArray(ValueLayout.JAVA_LONG);
        }
    }

    /** The elements as booleans (non-zero is true). */
    public boolean[] toBooleanArray() {
        checkHostArray();
        try (Arena arena = Arena.ofConfined()) {
            byte[] b = readAs(DType.BOOL, arena).asSlice(0, numel).toArray(ValueLayout.JAVA_BYTE);
            boolean[] out = new boolean[b.length];
            for (int i = 0; i < b.length; i++) {
                out[i] = b[i] != 0;
            }
            return out;
        }
    }

    /** The raw bytes of the elements in row-major order. */
    public byte[] toByteArray() {
        checkHostArray();
        try (Arena arena = Arena.ofConfined()) {
            return readAs(dtype, arena).asSlice(0, byteSize()).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** The single element of a one-element tensor, as a double. */
    public double item() {
        checkOpen();
        if (numel != 1) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "item: " + describe() + " has " + numel + " elements, not 1");
        }
        if (dtype == DType.I64) {
            return toLongArray()[0];
        }
        try (Arena arena = Arena.ofConfined()) {
            return readAs(DType.F32, arena).get(ValueLayout.JAVA_FLOAT, 0);
        }
    }

    private void checkHostArray() {
        checkOpen();
        if (numel > Integer.MAX_VALUE - 8) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, describe() + " has too many elements for a Java array; use copyTo(MemorySegment)");
        }
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    void checkOpen() {
        if (state.explicit) {
            throw new XpuException(ErrorCode.CLOSED, "tensor " + state.description + " is closed"
                    + (closedByScope ? " (its Scope closed it; use scope.detach(tensor) to keep a tensor past its scope)" : ""));
        }
    }

    /** Releases this tensor's reference to its storage. Idempotent. */
    @Override
    public void close() {
        if (state.explicit) {
            return;
        }
        state.explicit = true;
        if (scope != null && !closedByScope) {
            scope.forget(this);
        }
        cleanable.clean();
    }

    /** e.g. {@code F32[2, 3] on cpu:0}. */
    public String describe() {
        return state.description;
    }

    private static String describeLayout(DType dtype, long[] shape, Device device) {
        return dtype + Arrays.toString(shape) + " on " + device.id();
    }

    @Override
    public String toString() {
        return "Tensor(" + describe() + (isClosed() ? ", closed" : "") + ")";
    }
}
