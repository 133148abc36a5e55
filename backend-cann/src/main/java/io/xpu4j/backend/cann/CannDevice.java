package io.xpu4j.backend.cann;

import io.xpu4j.api.Allocator;
import io.xpu4j.api.Device;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.MemoryInfo;
import io.xpu4j.api.Stream;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.CachingAllocator;
import io.xpu4j.api.spi.MemoryBlock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One Ascend NPU. Every kernel and every copy runs on the default stream, which makes the
 * release of temporaries and workspaces stream-ordered: a block returned to the caching
 * allocator after its last use was enqueued can only be handed to work enqueued later on the
 * same stream, and host reads synchronize that stream first.
 */
final class CannDevice implements Device {
    private final AclRuntime rt;
    private final int index;
    private final CachingAllocator allocator;
    private final CannStream defaultStream;
    private final List<CannStream> streams = new ArrayList<>();
    private boolean closed;

    CannDevice(AclRuntime rt, int index, long memoryLimitBytes) {
        this.rt = rt;
        this.index = index;
        rt.useDevice(index);
        this.allocator = new CachingAllocator(new CannMemory(this, rt), memoryLimitBytes);
        this.defaultStream = new CannStream(this, rt);
    }

    AclRuntime runtime() {
        return rt;
    }

    @Override
    public String backendId() {
        return "cann";
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String name() {
        return CannBackend.deviceName(rt);
    }

    @Override
    public MemoryInfo memoryInfo() {
        return memoryInfo(rt, index);
    }

    static MemoryInfo memoryInfo(AclRuntime rt, int index) {
        rt.useDevice(index);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(JAVA_LONG);
            MemorySegment total = arena.allocate(JAVA_LONG);
            rt.check(rt.acl.call("aclrtGetMemInfo", Acl.HBM_MEM, free, total), "aclrtGetMemInfo", "cann:" + index, "ACL_HBM_MEM");
            return new MemoryInfo(total.get(JAVA_LONG, 0), free.get(JAVA_LONG, 0));
        }
    }

    @Override
    public Allocator allocator() {
        return allocator;
    }

    @Override
    public CannStream defaultStream() {
        return defaultStream;
    }

    @Override
    public synchronized Stream newStream() {
        CannStream s = new CannStream(this, rt);
        streams.add(s);
        return s;
    }

    synchronized void forget(CannStream s) {
        streams.remove(s);
    }

    @Override
    public void synchronize() {
        defaultStream.synchronize();
        List<CannStream> others;
        synchronized (this) {
            others = new ArrayList<>(streams);
        }
        for (CannStream s : others) {
            s.synchronize();
        }
    }

    void synchronizeQuietly() {
        try {
            defaultStream.synchronize();
        } catch (XpuException ignored) {
            // the failure belongs to the work that caused it and was or will be reported there
        }
    }

    @Override
    public boolean isHostAccessible() {
        return false;
    }

    @Override
    public void copyFromHost(MemorySegment src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
        if (bytes == 0) {
            return;
        }
        checkRange(dst, dstOffset, bytes, "copyFromHost");
        rt.useDevice(index);
        // the source may be freed as soon as this returns, so the copy completes before returning;
        // heap segments cannot be passed to native code and are staged in native memory
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment from = src.isNative() ? src.asSlice(srcOffset, bytes) : stage(arena, src, srcOffset, bytes);
            enqueueCopy(MemorySegment.ofAddress(dst.address() + dstOffset), from, bytes, Acl.HOST_TO_DEVICE);
            defaultStream.synchronize();
        }
    }

    @Override
    public void copyToHost(MemoryBlock src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
        if (bytes == 0) {
            return;
        }
        checkRange(src, srcOffset, bytes, "copyToHost");
        rt.useDevice(index);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment to = dst.isNative() ? dst.asSlice(dstOffset, bytes) : arena.allocate(bytes, 64);
            enqueueCopy(to, MemorySegment.ofAddress(src.address() + srcOffset), bytes, Acl.DEVICE_TO_HOST);
            defaultStream.synchronize();
            if (!dst.isNative()) {
                MemorySegment.copy(to, 0, dst, dstOffset, bytes);
            }
        }
    }

    /**
     * Enqueues a device-to-host copy and returns without waiting: the bytes are in {@code dst}
     * only after the default stream is synchronized. For tests that show why reads synchronize.
     */
    void copyToHostAsync(MemoryBlock src, long srcOffset, MemorySegment dst, long bytes) {
        rt.useDevice(index);
        enqueueCopy(dst, MemorySegment.ofAddress(src.address() + srcOffset), bytes, Acl.DEVICE_TO_HOST);
    }

    @Override
    public void copyWithin(MemoryBlock src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
        if (bytes == 0) {
            return;
        }
        checkRange(src, srcOffset, bytes, "copyWithin (source)");
        checkRange(dst, dstOffset, bytes, "copyWithin (destination)");
        rt.useDevice(index);
        enqueueCopy(MemorySegment.ofAddress(dst.address() + dstOffset), MemorySegment.ofAddress(src.address() + srcOffset),
                bytes, Acl.DEVICE_TO_DEVICE);
    }

    private void enqueueCopy(MemorySegment dst, MemorySegment src, long bytes, int kind) {
        rt.check(rt.acl.call("aclrtMemcpyAsync", dst, bytes, src, bytes, kind, defaultStream.handle()),
                "aclrtMemcpyAsync", id(), bytes + " bytes, kind " + kind);
        defaultStream.noteEnqueued("aclrtMemcpyAsync(kind " + kind + ")");
    }

    private static MemorySegment stage(Arena arena, MemorySegment src, long off, long bytes) {
        MemorySegment s = arena.allocate(bytes, 64);
        MemorySegment.copy(src, off, s, 0, bytes);
        return s;
    }

    private void checkRange(MemoryBlock b, long off, long bytes, String what) {
        if (off < 0 || bytes < 0 || off + bytes > b.size()) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, id() + ": " + what + " of " + bytes + " bytes at offset "
                    + off + " does not fit a block of " + b.size() + " bytes");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (rt.finalized()) {
            return;
        }
        try {
            for (CannStream s : streams) {
                s.closeNow();
            }
            synchronizeQuietly();
            allocator.emptyCache();
        } finally {
            defaultStream.closeNow();
        }
    }

    @Override
    public String toString() {
        return id();
    }
}
