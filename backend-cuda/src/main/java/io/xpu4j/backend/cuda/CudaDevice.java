package io.xpu4j.backend.cuda;

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
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One GPU: its primary context (made current on each calling thread), a default stream every op
 * and copy is ordered on, a caching allocator over {@code cuMemAlloc}, pinned staging buffers for
 * host copies, the loaded kernel modules and a cuBLAS handle.
 */
final class CudaDevice implements Device {
    /**
     * The device (by {@link #serial}) whose context this backend last made current on this thread.
     * A serial rather than the context handle: a primary context released by one device object
     * and retained again by the next has the same handle but must be made current anew.
     */
    private static final ThreadLocal<long[]> CURRENT = ThreadLocal.withInitial(() -> new long[1]);
    private static final AtomicLong SERIALS = new AtomicLong();

    final CudaLibraries libs;
    final DriverApi driver;
    private final int index;
    private final long serial = SERIALS.incrementAndGet();
    private final int cuDevice;
    private final MemorySegment context;
    private final String name;
    final int ccMajor;
    final int ccMinor;
    final int multiprocessors;
    private final CudaStream stream;
    private final CachingAllocator allocator;
    private final PinnedStaging staging;
    final KernelModules modules;
    final DeviceErrorRecord errors;
    private CublasHandle blas;
    /** Guards {@link #closed} against driver releases running on other threads (Cleaners). */
    private final Object liveness = new Object();
    /** Set once the primary context is released: its reset freed every handle and pointer of this device. */
    private volatile boolean closed;
    private boolean closing;

    CudaDevice(CudaLibraries libs, int index, long memoryLimitBytes) {
        this.libs = libs;
        this.driver = libs.driver;
        this.index = index;
        String id = "cuda:" + index;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            driver.check(driver.deviceGet(out, index), "cuDeviceGet(" + index + ")", id);
            cuDevice = out.get(JAVA_INT, 0);
            MemorySegment ctxOut = arena.allocate(ADDRESS);
            driver.check(driver.devicePrimaryCtxRetain(ctxOut, cuDevice), "cuDevicePrimaryCtxRetain", id);
            context = ctxOut.get(ADDRESS, 0);
        }
        makeCurrent();
        DeviceInfo info = DeviceInfo.query(driver, cuDevice, id);
        name = info.name();
        ccMajor = info.ccMajor();
        ccMinor = info.ccMinor();
        multiprocessors = info.multiprocessors();
        stream = CudaStream.create(this, true);
        allocator = new CachingAllocator(new CudaMemory(this), memoryLimitBytes);
        staging = new PinnedStaging(this);
        modules = new KernelModules(this);
        errors = new DeviceErrorRecord(this);
    }

    /** Makes this device's primary context current on the calling thread (once per thread and switch). */
    void makeCurrent() {
        if (closed) {
            throw new XpuException(ErrorCode.CLOSED, id() + " was closed");
        }
        long[] current = CURRENT.get();
        if (current[0] != serial) {
            driver.check(driver.ctxSetCurrent(context), "cuCtxSetCurrent", id());
            current[0] = serial;
        }
    }

    /**
     * Runs a driver release (cuEventDestroy, cuStreamDestroy, cuMemFree, ...) on the calling
     * thread, which may be a Cleaner's, after making the context current there; does nothing once
     * the device has closed, because the context reset at close already freed the object and its
     * handle must not reach the driver again.
     *
     * @return whether the release ran
     */
    boolean releaseIfOpen(Runnable release) {
        synchronized (liveness) {
            if (closed) {
                return false;
            }
            makeCurrent();
            release.run();
            return true;
        }
    }

    /** Throws unless {@code rc} is success, naming the call and this device. */
    void check(int rc, String call) {
        driver.check(rc, call, id());
    }

    MemorySegment streamHandle() {
        return stream.handle();
    }

    synchronized CublasHandle blas() {
        if (blas == null) {
            blas = new CublasHandle(this);
        }
        return blas;
    }

    @Override
    public String backendId() {
        return "cuda";
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public MemoryInfo memoryInfo() {
        makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(JAVA_LONG);
            MemorySegment total = arena.allocate(JAVA_LONG);
            check(driver.memGetInfo(free, total), "cuMemGetInfo_v2");
            return new MemoryInfo(total.get(JAVA_LONG, 0), free.get(JAVA_LONG, 0));
        }
    }

    @Override
    public Allocator allocator() {
        return allocator;
    }

    @Override
    public Stream defaultStream() {
        return stream;
    }

    @Override
    public Stream newStream() {
        return CudaStream.create(this, false);
    }

    @Override
    public void synchronize() {
        makeCurrent();
        check(driver.ctxSynchronize(), "cuCtxSynchronize");
    }

    @Override
    public boolean isHostAccessible() {
        return false;
    }

    @Override
    public void copyFromHost(MemorySegment src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
        checkRange("copyFromHost", dst, dstOffset, bytes);
        if (bytes == 0) {
            return;
        }
        makeCurrent();
        staging.toDevice(src, srcOffset, dst.address() + dstOffset, bytes);
    }

    @Override
    public void copyToHost(MemoryBlock src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
        checkRange("copyToHost", src, srcOffset, bytes);
        if (bytes == 0) {
            return;
        }
        makeCurrent();
        staging.toHost(src.address() + srcOffset, dst, dstOffset, bytes);
    }

    @Override
    public void copyWithin(MemoryBlock src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
        checkRange("copyWithin (source)", src, srcOffset, bytes);
        checkRange("copyWithin (destination)", dst, dstOffset, bytes);
        if (bytes == 0) {
            return;
        }
        makeCurrent();
        copyDeviceToDevice(src.address() + srcOffset, dst.address() + dstOffset, bytes);
    }

    void copyDeviceToDevice(long src, long dst, long bytes) {
        check(driver.memcpyDtoDAsync(dst, src, bytes, streamHandle()), "cuMemcpyDtoDAsync_v2(" + bytes + " bytes)");
    }

    private void checkRange(String what, MemoryBlock block, long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset + bytes > block.size()) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, id() + ": " + what + " of " + bytes + " bytes at offset "
                    + offset + " is outside the block of " + block.size() + " bytes");
        }
    }

    /** Fills device bytes with zero, ordered on the default stream. */
    void zero(long address, long bytes) {
        check(driver.memsetD8Async(address, (byte) 0, bytes, streamHandle()), "cuMemsetD8Async(" + bytes + " bytes)");
    }

    @Override
    public synchronized void close() {
        if (closing) {
            return;
        }
        closing = true;
        // Every step is attempted and the primary context is released even when one fails: after
        // a kernel fault the context is unusable, and only its reset (the last release) gives the
        // next device opened on this GPU a working one.
        List<RuntimeException> failures = new ArrayList<>();
        attempt(failures, () -> {
            makeCurrent();
            check(driver.ctxSynchronize(), "cuCtxSynchronize (closing)");
        });
        attempt(failures, allocator::emptyCache);
        attempt(failures, errors::close);
        attempt(failures, staging::close);
        if (blas != null) {
            attempt(failures, blas::close);
        }
        attempt(failures, modules::close);
        attempt(failures, stream::destroy);
        synchronized (liveness) {
            closed = true;
            CURRENT.get()[0] = 0;
            attempt(failures, () -> check(driver.devicePrimaryCtxRelease(cuDevice), "cuDevicePrimaryCtxRelease_v2"));
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    private static void attempt(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    @Override
    public String toString() {
        return id() + " (" + name + ", compute capability " + ccMajor + "." + ccMinor + ")";
    }

    /** Device memory outside the caching allocator (the kernel error record); freed with {@link #scratchFree}. */
    long scratchAllocate(long bytes, String what) {
        makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check(driver.memAlloc(out, Math.max(bytes, 1)), "cuMemAlloc_v2(" + bytes + " bytes for " + what + ")");
            return out.get(JAVA_LONG, 0);
        }
    }

    void scratchFree(long address, String what) {
        makeCurrent();
        check(driver.memFree(address), "cuMemFree_v2(" + what + ")");
    }
}
