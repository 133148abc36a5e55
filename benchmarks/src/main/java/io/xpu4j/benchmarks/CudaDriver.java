package io.xpu4j.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few CUDA driver calls the peer benchmarks need (device memory, copies, a context), bound
 * with java.lang.foreign and independent of xpu4j's cuda backend, so that the peer measures the
 * hardware and cuBLAS, not xpu4j. Device pointers ({@code CUdeviceptr}) travel as longs.
 *
 * <p>{@link #get()} fails with an {@link IllegalStateException} that says why (no libcuda.so.1,
 * no device, a driver error) where there is no usable GPU; it never crashes the JVM.
 */
final class CudaDriver {
    private static final Linker LINKER = Linker.nativeLinker();
    private static CudaDriver instance;
    private static IllegalStateException failure;

    private final MethodHandle memAlloc;
    private final MethodHandle memFree;
    private final MethodHandle memcpyHtoD;
    private final MethodHandle memcpyDtoH;
    private final MethodHandle memcpyDtoD;
    private final MethodHandle ctxSynchronize;
    private final MethodHandle getErrorName;
    private final MethodHandle ctxGetCurrent;
    private final MethodHandle ctxSetCurrent;
    private final MemorySegment context;
    private final String deviceName;

    private CudaDriver(SymbolLookup lib) throws Throwable {
        getErrorName = bind(lib, "cuGetErrorName", JAVA_INT, ADDRESS);
        MethodHandle init = bind(lib, "cuInit", JAVA_INT);
        MethodHandle deviceGet = bind(lib, "cuDeviceGet", ADDRESS, JAVA_INT);
        MethodHandle deviceGetName = bind(lib, "cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        MethodHandle primaryCtxRetain = bind(lib, "cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        ctxSetCurrent = bind(lib, "cuCtxSetCurrent", ADDRESS);
        ctxGetCurrent = bind(lib, "cuCtxGetCurrent", ADDRESS);
        memAlloc = bind(lib, "cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        memFree = bind(lib, "cuMemFree_v2", JAVA_LONG);
        memcpyHtoD = bind(lib, "cuMemcpyHtoD_v2", JAVA_LONG, ADDRESS, JAVA_LONG);
        memcpyDtoH = bind(lib, "cuMemcpyDtoH_v2", ADDRESS, JAVA_LONG, JAVA_LONG);
        memcpyDtoD = bind(lib, "cuMemcpyDtoD_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG);
        ctxSynchronize = bind(lib, "cuCtxSynchronize");

        check("cuInit", (int) init.invokeExact(0));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dev = a.allocate(JAVA_INT);
            check("cuDeviceGet(0)", (int) deviceGet.invokeExact(dev, 0));
            int device = dev.get(JAVA_INT, 0);
            MemorySegment name = a.allocate(256);
            check("cuDeviceGetName", (int) deviceGetName.invokeExact(name, 256, device));
            deviceName = name.getString(0);
            MemorySegment ctx = a.allocate(ADDRESS);
            check("cuDevicePrimaryCtxRetain", (int) primaryCtxRetain.invokeExact(ctx, device));
            context = ctx.get(ADDRESS, 0);
            check("cuCtxSetCurrent", (int) ctxSetCurrent.invokeExact(context));
        }
    }

    /** The driver on device 0, with its primary context current on the calling thread. */
    static synchronized CudaDriver get() {
        if (failure != null) {
            throw failure;
        }
        if (instance == null) {
            SymbolLookup lib;
            try {
                lib = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            } catch (IllegalArgumentException e) {
                failure = new IllegalStateException("no CUDA driver here: libcuda.so.1 could not be loaded ("
                        + e.getMessage() + "); the cuda benchmarks need an NVIDIA GPU and its driver");
                throw failure;
            }
            try {
                instance = new CudaDriver(lib);
            } catch (IllegalStateException e) {
                failure = e;
                throw e;
            } catch (Throwable t) {
                failure = new IllegalStateException("the CUDA driver could not be set up: " + t, t);
                throw failure;
            }
        }
        instance.makeCurrent();
        return instance;
    }

    /** JMH may run setup and the measured calls on different threads: each needs the context current. */
    private void makeCurrent() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cur = a.allocate(ADDRESS);
            check("cuCtxGetCurrent", (int) ctxGetCurrent.invokeExact(cur));
            if (!cur.get(ADDRESS, 0).equals(context)) {
                check("cuCtxSetCurrent", (int) ctxSetCurrent.invokeExact(context));
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("could not make the CUDA context current: " + t, t);
        }
    }

    String deviceName() {
        return deviceName;
    }

    long alloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            check("cuMemAlloc_v2(" + bytes + " bytes)", (int) memAlloc.invokeExact(p, bytes));
            return p.get(JAVA_LONG, 0);
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    void free(long ptr) {
        if (ptr == 0) {
            return;
        }
        try {
            check("cuMemFree_v2", (int) memFree.invokeExact(ptr));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Copies the host segment to device memory at {@code dst}. */
    void upload(long dst, MemorySegment src) {
        try {
            check("cuMemcpyHtoD_v2", (int) memcpyHtoD.invokeExact(dst, src, src.byteSize()));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Copies {@code dst.byteSize()} bytes from device memory at {@code src} into the host segment. */
    void download(MemorySegment dst, long src) {
        try {
            check("cuMemcpyDtoH_v2", (int) memcpyDtoH.invokeExact(dst, src, dst.byteSize()));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Device-to-device copy, asynchronous with respect to the host for device memory. */
    void copy(long dst, long src, long bytes) {
        try {
            check("cuMemcpyDtoD_v2", (int) memcpyDtoD.invokeExact(dst, src, bytes));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    void synchronize() {
        try {
            check("cuCtxSynchronize", (int) ctxSynchronize.invokeExact());
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A device buffer holding {@code data} as float32. */
    long upload(float[] data) {
        long p = alloc(4L * data.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ValueLayout.JAVA_FLOAT, data.length);
            MemorySegment.copy(data, 0, h, ValueLayout.JAVA_FLOAT, 0, data.length);
            upload(p, h);
        }
        return p;
    }

    /** A device buffer holding {@code data} as 16-bit values (F16 or BF16 bit patterns). */
    long upload(short[] data) {
        long p = alloc(2L * data.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ValueLayout.JAVA_SHORT, data.length);
            MemorySegment.copy(data, 0, h, ValueLayout.JAVA_SHORT, 0, data.length);
            upload(p, h);
        }
        return p;
    }

    float[] downloadFloats(long src, int n) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ValueLayout.JAVA_FLOAT, n);
            download(h, src);
            return h.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    short[] downloadShorts(long src, int n) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(ValueLayout.JAVA_SHORT, n);
            download(h, src);
            return h.toArray(ValueLayout.JAVA_SHORT);
        }
    }

    private void check(String call, int result) {
        if (result != 0) {
            throw new IllegalStateException(call + " failed: " + errorName(result) + " (CUresult " + result + ")"
                    + (deviceName == null ? "" : " on " + deviceName));
        }
    }

    private String errorName(int result) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            int rc = (int) getErrorName.invokeExact(result, p);
            if (rc == 0 && !p.get(ADDRESS, 0).equals(MemorySegment.NULL)) {
                return p.get(ADDRESS, 0).reinterpret(256).getString(0);
            }
        } catch (Throwable ignored) {
            // the number alone still identifies the error
        }
        return "CUDA error";
    }

    static MethodHandle bind(SymbolLookup lib, String name, ValueLayout... args) {
        MemorySegment f = lib.find(name).orElseThrow(() ->
                new IllegalStateException("symbol " + name + " is missing from the loaded library"));
        return LINKER.downcallHandle(f, FunctionDescriptor.of(JAVA_INT, args));
    }
}
