package io.xpu4j.backend.cann;

import io.xpu4j.api.DType;
import io.xpu4j.api.Device;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.spi.MemoryBlock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One kernel invocation's native bookkeeping: the aclTensor/aclScalar/aclIntArray objects it
 * creates, its device temporaries, and the two-phase launch of aclnn operators on the device's
 * default stream.
 *
 * <p>Workspaces and temporaries are taken from the device's caching allocator and returned to
 * it as soon as the work using them is enqueued (workspaces right after phase 2, temporaries
 * when this call closes). That is safe because every kernel and copy of the device runs on its
 * default stream (so only later work can be handed the block) and the allocator synchronizes
 * the stream before it ever returns memory to the driver. The meta objects are destroyed when
 * this call closes, i.e. after phase 2 of every operator that used them.
 */
final class AclCall implements AutoCloseable {
    static final int ACL_DOUBLE = 11;

    private final CannDevice device;
    private final AclRuntime rt;
    private final String what;
    private final Arena arena = Arena.ofConfined();
    private final List<MemorySegment> tensors = new ArrayList<>();
    private final List<MemorySegment> scalars = new ArrayList<>();
    private final List<MemorySegment> arrays = new ArrayList<>();
    private final List<MemoryBlock> temps = new ArrayList<>();

    AclCall(Device device, String what) {
        this.device = (CannDevice) device;
        this.rt = this.device.runtime();
        this.what = what;
        rt.useDevice(device.index());
    }

    static int code(DType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 27;
            case I8 -> 2;
            case I32 -> 3;
            case I64 -> 9;
            case BOOL -> 12;
            case F8_E5M2 -> 35;
            case F8_E4M3 -> 36;
        };
    }

    CannDevice device() {
        return device;
    }

    MemorySegment t(Tensor x) {
        return t(AclView.of(x));
    }

    MemorySegment t(AclView v) {
        MemorySegment dims = arena.allocateFrom(JAVA_LONG, v.shape());
        MemorySegment strides = arena.allocateFrom(JAVA_LONG, v.strides());
        MemorySegment storage = arena.allocateFrom(JAVA_LONG, Math.max(v.storageElems(), 0));
        MemorySegment h = rt.acl.callPointer("aclCreateTensor", dims, (long) v.rank(), code(v.dtype()), strides,
                v.offset(), Acl.FORMAT_ND, storage, 1L, MemorySegment.ofAddress(v.base()));
        if (h.equals(MemorySegment.NULL)) {
            throw AclErrors.failure(561103, "aclCreateTensor", device.id(), rt.acl.recentErrMsg(), what);
        }
        tensors.add(h);
        return h;
    }

    MemorySegment scalar(double value) {
        MemorySegment v = arena.allocateFrom(JAVA_DOUBLE, value);
        return scalarOf(v, ACL_DOUBLE);
    }

    MemorySegment scalarLong(long value) {
        return scalarOf(arena.allocateFrom(JAVA_LONG, value), code(DType.I64));
    }

    /** A scalar 1 in a type fitting {@code t} (alpha of Add/Sub). */
    MemorySegment one(DType t) {
        return t.isFloatingPoint() ? scalarOf(arena.allocateFrom(JAVA_FLOAT, 1f), code(DType.F32)) : scalarLong(1);
    }

    private MemorySegment scalarOf(MemorySegment value, int dtype) {
        MemorySegment h = rt.acl.callPointer("aclCreateScalar", value, dtype);
        if (h.equals(MemorySegment.NULL)) {
            throw AclErrors.failure(561103, "aclCreateScalar", device.id(), rt.acl.recentErrMsg(), what);
        }
        scalars.add(h);
        return h;
    }

    MemorySegment ints(long... values) {
        MemorySegment h = rt.acl.callPointer("aclCreateIntArray",
                values.length == 0 ? arena.allocate(8) : arena.allocateFrom(JAVA_LONG, values), (long) values.length);
        if (h.equals(MemorySegment.NULL)) {
            throw AclErrors.failure(561103, "aclCreateIntArray", device.id(), rt.acl.recentErrMsg(), what);
        }
        arrays.add(h);
        return h;
    }

    /** A contiguous device temporary, returned to the allocator when this call closes. */
    AclView temp(DType t, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        MemoryBlock b = device.allocator().allocate(Math.max(1, n) * t.byteSize());
        temps.add(b);
        return AclView.contiguous(b.address(), Math.max(1, n), t, shape);
    }

    /** {@code value} broadcast (stride 0) to {@code shape}, from a one-element temporary. */
    AclView constant(DType t, double value, long... shape) {
        AclView one = temp(t, 1);
        run("InplaceFillScalar", t(one), scalar(value));
        return one.view(shape.clone(), new long[shape.length], 0);
    }

    /** Phase 1, workspace, phase 2 of {@code aclnn<op>} on the default stream. */
    void run(String op, Object... args) {
        AclnnOps.Op h = rt.ops.get(op);
        Object[] all = new Object[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        MemorySegment wsSize = arena.allocate(JAVA_LONG);
        MemorySegment exec = arena.allocate(ADDRESS);
        all[args.length] = wsSize;
        all[args.length + 1] = exec;
        int rc;
        try {
            rc = (int) h.workspace().invokeWithArguments(all);
        } catch (Throwable e) {
            throw Acl.rethrow(e);
        }
        rt.check(rc, h.name() + "GetWorkspaceSize", device.id(), what);
        long size = wsSize.get(JAVA_LONG, 0);
        MemoryBlock ws = size > 0 ? device.allocator().allocate(size) : null;
        try {
            try {
                rc = (int) h.execute().invokeWithArguments(ws == null ? MemorySegment.NULL : MemorySegment.ofAddress(ws.address()),
                        size, exec.get(ADDRESS, 0), device.defaultStream().handle());
            } catch (Throwable e) {
                throw Acl.rethrow(e);
            }
            rt.check(rc, h.name(), device.id(), what);
            device.defaultStream().noteEnqueued(h.name() + " (" + what + ")");
        } finally {
            if (ws != null) {
                device.allocator().free(ws);
            }
        }
    }

    /** The elements of {@code v} as float32 on the host (a device cast, then a synchronized read). */
    float[] readF32(AclView v) {
        AclView c = temp(DType.F32, v.numel());
        AclView src = v.view(v.shape(), v.strides(), v.offset());
        AclView dst = c.reshape(v.shape());
        if (v.dtype() == DType.F32) {
            run("InplaceCopy", t(dst), t(src));
        } else {
            run("Cast", t(src), code(DType.F32), t(dst));
        }
        MemorySegment host = arena.allocate(Math.max(4, c.numel() * 4), 64);
        device.copyToHost(new MemoryBlock(c.base(), c.numel() * 4, null), 0, host, 0, c.numel() * 4);
        return host.asSlice(0, c.numel() * 4).toArray(JAVA_FLOAT);
    }

    /** The elements of {@code v} (an integer or bool view) as int64 on the host. */
    long[] readI64(AclView v) {
        AclView c = temp(DType.I64, v.numel());
        AclView dst = c.reshape(v.shape());
        if (v.dtype() == DType.I64) {
            run("InplaceCopy", t(dst), t(v));
        } else {
            run("Cast", t(v), code(DType.I64), t(dst));
        }
        MemorySegment host = arena.allocate(Math.max(8, c.numel() * 8), 64);
        device.copyToHost(new MemoryBlock(c.base(), c.numel() * 8, null), 0, host, 0, c.numel() * 8);
        return host.asSlice(0, c.numel() * 8).toArray(JAVA_LONG);
    }

    @Override
    public void close() {
        try {
            for (MemorySegment h : tensors) {
                rt.acl.call("aclDestroyTensor", h);
            }
            for (MemorySegment h : scalars) {
                rt.acl.call("aclDestroyScalar", h);
            }
            for (MemorySegment h : arrays) {
                rt.acl.call("aclDestroyIntArray", h);
            }
            for (MemoryBlock b : temps) {
                device.allocator().free(b);
            }
        } finally {
            arena.close();
        }
    }
}
