package io.xpu4j.backend.cuda;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver API ({@code libcuda.so.1}, installed with the NVIDIA driver), bound with
 * java.lang.foreign. Where {@code cuda.h} maps a name to a versioned symbol ({@code cuMemAlloc}
 * to {@code cuMemAlloc_v2}) the versioned symbol is bound, as a C program compiled against the
 * header would. Methods return the raw {@code CUresult}; {@link #check} turns a failure into an
 * {@link XpuException} carrying {@code cuGetErrorName}/{@code cuGetErrorString}.
 *
 * <p>C types map to layouts as: {@code CUresult}, {@code int}, {@code unsigned int},
 * {@code CUdevice} and enums to {@code JAVA_INT}; {@code size_t} and {@code CUdeviceptr}
 * (unsigned long long) to {@code JAVA_LONG}; pointers and handles ({@code CUcontext},
 * {@code CUstream}, ...) to {@code ADDRESS}.
 */
final class DriverApi {
    static final String LIBRARY = "libcuda.so.1";

    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_OUT_OF_MEMORY = 2;
    static final int CUDA_ERROR_NOT_INITIALIZED = 3;
    static final int CUDA_ERROR_NOT_READY = 600;
    static final int CUDA_ERROR_NO_DEVICE = 100;
    static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final int CU_EVENT_DISABLE_TIMING = 0x2;
    static final int CU_MEMHOSTALLOC_PORTABLE = 0x1;
    static final int CU_JIT_ERROR_LOG_BUFFER = 5;
    static final int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

    static final NativeFunction CU_INIT = fn("cuInit", "cuInit", JAVA_INT);
    static final NativeFunction CU_DRIVER_GET_VERSION = fn("cuDriverGetVersion", "cuDriverGetVersion", ADDRESS);
    static final NativeFunction CU_GET_ERROR_NAME = fn("cuGetErrorName", "cuGetErrorName", JAVA_INT, ADDRESS);
    static final NativeFunction CU_GET_ERROR_STRING = fn("cuGetErrorString", "cuGetErrorString", JAVA_INT, ADDRESS);
    static final NativeFunction CU_DEVICE_GET_COUNT = fn("cuDeviceGetCount", "cuDeviceGetCount", ADDRESS);
    static final NativeFunction CU_DEVICE_GET = fn("cuDeviceGet", "cuDeviceGet", ADDRESS, JAVA_INT);
    static final NativeFunction CU_DEVICE_GET_NAME = fn("cuDeviceGetName", "cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
    static final NativeFunction CU_DEVICE_TOTAL_MEM = fn("cuDeviceTotalMem", "cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
    static final NativeFunction CU_DEVICE_GET_ATTRIBUTE =
            fn("cuDeviceGetAttribute", "cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
    static final NativeFunction CU_DEVICE_PRIMARY_CTX_RETAIN =
            fn("cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
    static final NativeFunction CU_DEVICE_PRIMARY_CTX_RELEASE =
            fn("cuDevicePrimaryCtxRelease", "cuDevicePrimaryCtxRelease_v2", JAVA_INT);
    static final NativeFunction CU_CTX_SET_CURRENT = fn("cuCtxSetCurrent", "cuCtxSetCurrent", ADDRESS);
    static final NativeFunction CU_CTX_SYNCHRONIZE = fn("cuCtxSynchronize", "cuCtxSynchronize");
    static final NativeFunction CU_MEM_GET_INFO = fn("cuMemGetInfo", "cuMemGetInfo_v2", ADDRESS, ADDRESS);
    static final NativeFunction CU_MEM_ALLOC = fn("cuMemAlloc", "cuMemAlloc_v2", ADDRESS, JAVA_LONG);
    static final NativeFunction CU_MEM_FREE = fn("cuMemFree", "cuMemFree_v2", JAVA_LONG);
    static final NativeFunction CU_MEM_HOST_ALLOC = fn("cuMemHostAlloc", "cuMemHostAlloc", ADDRESS, JAVA_LONG, JAVA_INT);
    static final NativeFunction CU_MEM_FREE_HOST = fn("cuMemFreeHost", "cuMemFreeHost", ADDRESS);
    static final NativeFunction CU_MEMCPY_HTOD_ASYNC =
            fn("cuMemcpyHtoDAsync", "cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
    static final NativeFunction CU_MEMCPY_DTOH_ASYNC =
            fn("cuMemcpyDtoHAsync", "cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
    static final NativeFunction CU_MEMCPY_DTOD_ASYNC =
            fn("cuMemcpyDtoDAsync", "cuMemcpyDtoDAsync_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
    static final NativeFunction CU_MEMSET_D8_ASYNC =
            fn("cuMemsetD8Async", "cuMemsetD8Async", JAVA_LONG, JAVA_BYTE, JAVA_LONG, ADDRESS);
    static final NativeFunction CU_STREAM_CREATE = fn("cuStreamCreate", "cuStreamCreate", ADDRESS, JAVA_INT);
    static final NativeFunction CU_STREAM_DESTROY = fn("cuStreamDestroy", "cuStreamDestroy_v2", ADDRESS);
    static final NativeFunction CU_STREAM_SYNCHRONIZE = fn("cuStreamSynchronize", "cuStreamSynchronize", ADDRESS);
    static final NativeFunction CU_STREAM_WAIT_EVENT =
            fn("cuStreamWaitEvent", "cuStreamWaitEvent", ADDRESS, ADDRESS, JAVA_INT);
    static final NativeFunction CU_EVENT_CREATE = fn("cuEventCreate", "cuEventCreate", ADDRESS, JAVA_INT);
    static final NativeFunction CU_EVENT_RECORD = fn("cuEventRecord", "cuEventRecord", ADDRESS, ADDRESS);
    static final NativeFunction CU_EVENT_SYNCHRONIZE = fn("cuEventSynchronize", "cuEventSynchronize", ADDRESS);
    static final NativeFunction CU_EVENT_QUERY = fn("cuEventQuery", "cuEventQuery", ADDRESS);
    static final NativeFunction CU_EVENT_ELAPSED_TIME =
            fn("cuEventElapsedTime", "cuEventElapsedTime_v2", ADDRESS, ADDRESS, ADDRESS);
    /** Drivers before CUDA 12.8 export only the unversioned symbol, which has the same prototype. */
    static final NativeFunction CU_EVENT_ELAPSED_TIME_V1 =
            fn("cuEventElapsedTime", "cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS);
    static final NativeFunction CU_EVENT_DESTROY = fn("cuEventDestroy", "cuEventDestroy_v2", ADDRESS);
    static final NativeFunction CU_MODULE_LOAD_DATA_EX =
            fn("cuModuleLoadDataEx", "cuModuleLoadDataEx", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
    static final NativeFunction CU_MODULE_UNLOAD = fn("cuModuleUnload", "cuModuleUnload", ADDRESS);
    static final NativeFunction CU_MODULE_GET_FUNCTION =
            fn("cuModuleGetFunction", "cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
    static final NativeFunction CU_LAUNCH_KERNEL = fn("cuLaunchKernel", "cuLaunchKernel",
            ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);

    /** Every function bound, for the descriptor check against {@code cuda.h}. */
    static final List<NativeFunction> FUNCTIONS = List.of(CU_INIT, CU_DRIVER_GET_VERSION, CU_GET_ERROR_NAME,
            CU_GET_ERROR_STRING, CU_DEVICE_GET_COUNT, CU_DEVICE_GET, CU_DEVICE_GET_NAME, CU_DEVICE_TOTAL_MEM,
            CU_DEVICE_GET_ATTRIBUTE, CU_DEVICE_PRIMARY_CTX_RETAIN, CU_DEVICE_PRIMARY_CTX_RELEASE, CU_CTX_SET_CURRENT,
            CU_CTX_SYNCHRONIZE, CU_MEM_GET_INFO, CU_MEM_ALLOC, CU_MEM_FREE, CU_MEM_HOST_ALLOC, CU_MEM_FREE_HOST,
            CU_MEMCPY_HTOD_ASYNC, CU_MEMCPY_DTOH_ASYNC, CU_MEMCPY_DTOD_ASYNC, CU_MEMSET_D8_ASYNC, CU_STREAM_CREATE,
            CU_STREAM_DESTROY, CU_STREAM_SYNCHRONIZE, CU_STREAM_WAIT_EVENT, CU_EVENT_CREATE, CU_EVENT_RECORD,
            CU_EVENT_SYNCHRONIZE, CU_EVENT_QUERY, CU_EVENT_ELAPSED_TIME, CU_EVENT_DESTROY, CU_MODULE_LOAD_DATA_EX,
            CU_MODULE_UNLOAD, CU_MODULE_GET_FUNCTION, CU_LAUNCH_KERNEL);

    private static NativeFunction fn(String cName, String symbol, MemoryLayout... args) {
        return new NativeFunction(cName, symbol, FunctionDescriptor.of(JAVA_INT, args));
    }

    private final MethodHandle cuInit;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuGetErrorName;
    private final MethodHandle cuGetErrorString;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceTotalMem;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuDevicePrimaryCtxRetain;
    private final MethodHandle cuDevicePrimaryCtxRelease;
    private final MethodHandle cuCtxSetCurrent;
    private final MethodHandle cuCtxSynchronize;
    private final MethodHandle cuMemGetInfo;
    private final MethodHandle cuMemAlloc;
    private final MethodHandle cuMemFree;
    private final MethodHandle cuMemHostAlloc;
    private final MethodHandle cuMemFreeHost;
    private final MethodHandle cuMemcpyHtoDAsync;
    private final MethodHandle cuMemcpyDtoHAsync;
    private final MethodHandle cuMemcpyDtoDAsync;
    private final MethodHandle cuMemsetD8Async;
    private final MethodHandle cuStreamCreate;
    private final MethodHandle cuStreamDestroy;
    private final MethodHandle cuStreamSynchronize;
    private final MethodHandle cuStreamWaitEvent;
    private final MethodHandle cuEventCreate;
    private final MethodHandle cuEventRecord;
    private final MethodHandle cuEventSynchronize;
    private final MethodHandle cuEventQuery;
    private final MethodHandle cuEventElapsedTime;
    private final MethodHandle cuEventDestroy;
    private final MethodHandle cuModuleLoadDataEx;
    private final MethodHandle cuModuleUnload;
    private final MethodHandle cuModuleGetFunction;
    private final MethodHandle cuLaunchKernel;

    /** Binds every function first, so a missing symbol is found before anything is called. */
    DriverApi(NativeLibrary lib) throws NativeBindingException {
        cuInit = lib.bind(CU_INIT);
        cuDriverGetVersion = lib.bind(CU_DRIVER_GET_VERSION);
        cuGetErrorName = lib.bind(CU_GET_ERROR_NAME);
        cuGetErrorString = lib.bind(CU_GET_ERROR_STRING);
        cuDeviceGetCount = lib.bind(CU_DEVICE_GET_COUNT);
        cuDeviceGet = lib.bind(CU_DEVICE_GET);
        cuDeviceGetName = lib.bind(CU_DEVICE_GET_NAME);
        cuDeviceTotalMem = lib.bind(CU_DEVICE_TOTAL_MEM);
        cuDeviceGetAttribute = lib.bind(CU_DEVICE_GET_ATTRIBUTE);
        cuDevicePrimaryCtxRetain = lib.bind(CU_DEVICE_PRIMARY_CTX_RETAIN);
        cuDevicePrimaryCtxRelease = lib.bind(CU_DEVICE_PRIMARY_CTX_RELEASE);
        cuCtxSetCurrent = lib.bind(CU_CTX_SET_CURRENT);
        cuCtxSynchronize = lib.bind(CU_CTX_SYNCHRONIZE);
        cuMemGetInfo = lib.bind(CU_MEM_GET_INFO);
        cuMemAlloc = lib.bind(CU_MEM_ALLOC);
        cuMemFree = lib.bind(CU_MEM_FREE);
        cuMemHostAlloc = lib.bind(CU_MEM_HOST_ALLOC);
        cuMemFreeHost = lib.bind(CU_MEM_FREE_HOST);
        cuMemcpyHtoDAsync = lib.bind(CU_MEMCPY_HTOD_ASYNC);
        cuMemcpyDtoHAsync = lib.bind(CU_MEMCPY_DTOH_ASYNC);
        cuMemcpyDtoDAsync = lib.bind(CU_MEMCPY_DTOD_ASYNC);
        cuMemsetD8Async = lib.bind(CU_MEMSET_D8_ASYNC);
        cuStreamCreate = lib.bind(CU_STREAM_CREATE);
        cuStreamDestroy = lib.bind(CU_STREAM_DESTROY);
        cuStreamSynchronize = lib.bind(CU_STREAM_SYNCHRONIZE);
        cuStreamWaitEvent = lib.bind(CU_STREAM_WAIT_EVENT);
        cuEventCreate = lib.bind(CU_EVENT_CREATE);
        cuEventRecord = lib.bind(CU_EVENT_RECORD);
        cuEventSynchronize = lib.bind(CU_EVENT_SYNCHRONIZE);
        cuEventQuery = lib.bind(CU_EVENT_QUERY);
        cuEventElapsedTime = lib.bind(lib.has(CU_EVENT_ELAPSED_TIME.symbol()) ? CU_EVENT_ELAPSED_TIME
                : CU_EVENT_ELAPSED_TIME_V1);
        cuEventDestroy = lib.bind(CU_EVENT_DESTROY);
        cuModuleLoadDataEx = lib.bind(CU_MODULE_LOAD_DATA_EX);
        cuModuleUnload = lib.bind(CU_MODULE_UNLOAD);
        cuModuleGetFunction = lib.bind(CU_MODULE_GET_FUNCTION);
        cuLaunchKernel = lib.bind(CU_LAUNCH_KERNEL);
    }

    // ---------------------------------------------------------------- errors

    /** {@code CUDA_ERROR_NO_DEVICE} and similar, via cuGetErrorName; {@code CUresult n} if unknown. */
    String errorName(int code) {
        return errorText(cuGetErrorName, code, "CUresult " + code);
    }

    /** The driver's description of a {@code CUresult}; empty if unknown. */
    String errorString(int code) {
        return errorText(cuGetErrorString, code, "");
    }

    private static String errorText(MethodHandle h, int code, String fallback) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = (int) h.invokeExact(code, out);
            MemorySegment p = out.get(ADDRESS, 0);
            if (rc != CUDA_SUCCESS || p.address() == 0) {
                return fallback;
            }
            return p.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return fallback;
        }
    }

    /**
     * Throws unless {@code rc} is {@code CUDA_SUCCESS}. The exception names the call, the device
     * and the driver's error name and text; {@code CUDA_ERROR_OUT_OF_MEMORY} maps to
     * {@link ErrorCode#OUT_OF_MEMORY}.
     */
    void check(int rc, String call, String device) {
        if (rc == CUDA_SUCCESS) {
            return;
        }
        String name = errorName(rc);
        ErrorCode code = rc == CUDA_ERROR_OUT_OF_MEMORY ? ErrorCode.OUT_OF_MEMORY : ErrorCode.NATIVE_ERROR;
        throw new XpuException(code, device + ": " + call + " failed: " + name, "cuda", (long) rc,
                name + ": " + errorString(rc), null);
    }

    private static XpuException linkFailure(String function, Throwable t) {
        return new XpuException(ErrorCode.INTERNAL, "calling " + function + " failed in the binding: " + t, t);
    }

    // ---------------------------------------------------------------- calls (raw CUresult)

    int init(int flags) {
        try {
            return (int) cuInit.invokeExact(flags);
        } catch (Throwable t) {
            throw linkFailure("cuInit", t);
        }
    }

    int driverGetVersion(MemorySegment version) {
        try {
            return (int) cuDriverGetVersion.invokeExact(version);
        } catch (Throwable t) {
            throw linkFailure("cuDriverGetVersion", t);
        }
    }

    int deviceGetCount(MemorySegment count) {
        try {
            return (int) cuDeviceGetCount.invokeExact(count);
        } catch (Throwable t) {
            throw linkFailure("cuDeviceGetCount", t);
        }
    }

    int deviceGet(MemorySegment device, int ordinal) {
        try {
            return (int) cuDeviceGet.invokeExact(device, ordinal);
        } catch (Throwable t) {
            throw linkFailure("cuDeviceGet", t);
        }
    }

    int deviceGetName(MemorySegment name, int len, int device) {
        try {
            return (int) cuDeviceGetName.invokeExact(name, len, device);
        } catch (Throwable t) {
            throw linkFailure("cuDeviceGetName", t);
        }
    }

    int deviceTotalMem(MemorySegment bytes, int device) {
        try {
            return (int) cuDeviceTotalMem.invokeExact(bytes, device);
        } catch (Throwable t) {
            throw linkFailure("cuDeviceTotalMem_v2", t);
        }
    }

    int deviceGetAttribute(MemorySegment value, int attribute, int device) {
        try {
            return (int) cuDeviceGetAttribute.invokeExact(value, attribute, device);
        } catch (Throwable t) {
            throw linkFailure("cuDeviceGetAttribute", t);
        }
    }

    int devicePrimaryCtxRetain(MemorySegment ctx, int device) {
        try {
            return (int) cuDevicePrimaryCtxRetain.invokeExact(ctx, device);
        } catch (Throwable t) {
            throw linkFailure("cuDevicePrimaryCtxRetain", t);
        }
    }

    int devicePrimaryCtxRelease(int device) {
        try {
            return (int) cuDevicePrimaryCtxRelease.invokeExact(device);
        } catch (Throwable t) {
            throw linkFailure("cuDevicePrimaryCtxRelease_v2", t);
        }
    }

    int ctxSetCurrent(MemorySegment ctx) {
        try {
            return (int) cuCtxSetCurrent.invokeExact(ctx);
        } catch (Throwable t) {
            throw linkFailure("cuCtxSetCurrent", t);
        }
    }

    int ctxSynchronize() {
        try {
            return (int) cuCtxSynchronize.invokeExact();
        } catch (Throwable t) {
            throw linkFailure("cuCtxSynchronize", t);
        }
    }

    int memGetInfo(MemorySegment free, MemorySegment total) {
        try {
            return (int) cuMemGetInfo.invokeExact(free, total);
        } catch (Throwable t) {
            throw linkFailure("cuMemGetInfo_v2", t);
        }
    }

    int memAlloc(MemorySegment dptr, long bytes) {
        try {
            return (int) cuMemAlloc.invokeExact(dptr, bytes);
        } catch (Throwable t) {
            throw linkFailure("cuMemAlloc_v2", t);
        }
    }

    int memFree(long dptr) {
        try {
            return (int) cuMemFree.invokeExact(dptr);
        } catch (Throwable t) {
            throw linkFailure("cuMemFree_v2", t);
        }
    }

    int memHostAlloc(MemorySegment pp, long bytes, int flags) {
        try {
            return (int) cuMemHostAlloc.invokeExact(pp, bytes, flags);
        } catch (Throwable t) {
            throw linkFailure("cuMemHostAlloc", t);
        }
    }

    int memFreeHost(MemorySegment p) {
        try {
            return (int) cuMemFreeHost.invokeExact(p);
        } catch (Throwable t) {
            throw linkFailure("cuMemFreeHost", t);
        }
    }

    int memcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream);
        } catch (Throwable t) {
            throw linkFailure("cuMemcpyHtoDAsync_v2", t);
        }
    }

    int memcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream);
        } catch (Throwable t) {
            throw linkFailure("cuMemcpyDtoHAsync_v2", t);
        }
    }

    int memcpyDtoDAsync(long dst, long src, long bytes, MemorySegment stream) {
        try {
            return (int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream);
        } catch (Throwable t) {
            throw linkFailure("cuMemcpyDtoDAsync_v2", t);
        }
    }

    int memsetD8Async(long dst, byte value, long count, MemorySegment stream) {
        try {
            return (int) cuMemsetD8Async.invokeExact(dst, value, count, stream);
        } catch (Throwable t) {
            throw linkFailure("cuMemsetD8Async", t);
        }
    }

    int streamCreate(MemorySegment stream, int flags) {
        try {
            return (int) cuStreamCreate.invokeExact(stream, flags);
        } catch (Throwable t) {
            throw linkFailure("cuStreamCreate", t);
        }
    }

    int streamDestroy(MemorySegment stream) {
        try {
            return (int) cuStreamDestroy.invokeExact(stream);
        } catch (Throwable t) {
            throw linkFailure("cuStreamDestroy_v2", t);
        }
    }

    int streamSynchronize(MemorySegment stream) {
        try {
            return (int) cuStreamSynchronize.invokeExact(stream);
        } catch (Throwable t) {
            throw linkFailure("cuStreamSynchronize", t);
        }
    }

    int streamWaitEvent(MemorySegment stream, MemorySegment event, int flags) {
        try {
            return (int) cuStreamWaitEvent.invokeExact(stream, event, flags);
        } catch (Throwable t) {
            throw linkFailure("cuStreamWaitEvent", t);
        }
    }

    int eventCreate(MemorySegment event, int flags) {
        try {
            return (int) cuEventCreate.invokeExact(event, flags);
        } catch (Throwable t) {
            throw linkFailure("cuEventCreate", t);
        }
    }

    int eventRecord(MemorySegment event, MemorySegment stream) {
        try {
            return (int) cuEventRecord.invokeExact(event, stream);
        } catch (Throwable t) {
            throw linkFailure("cuEventRecord", t);
        }
    }

    int eventSynchronize(MemorySegment event) {
        try {
            return (int) cuEventSynchronize.invokeExact(event);
        } catch (Throwable t) {
            throw linkFailure("cuEventSynchronize", t);
        }
    }

    int eventQuery(MemorySegment event) {
        try {
            return (int) cuEventQuery.invokeExact(event);
        } catch (Throwable t) {
            throw linkFailure("cuEventQuery", t);
        }
    }

    int eventElapsedTime(MemorySegment millis, MemorySegment start, MemorySegment end) {
        try {
            return (int) cuEventElapsedTime.invokeExact(millis, start, end);
        } catch (Throwable t) {
            throw linkFailure("cuEventElapsedTime_v2", t);
        }
    }

    int eventDestroy(MemorySegment event) {
        try {
            return (int) cuEventDestroy.invokeExact(event);
        } catch (Throwable t) {
            throw linkFailure("cuEventDestroy_v2", t);
        }
    }

    int moduleLoadDataEx(MemorySegment module, MemorySegment image, int numOptions, MemorySegment options,
                         MemorySegment optionValues) {
        try {
            return (int) cuModuleLoadDataEx.invokeExact(module, image, numOptions, options, optionValues);
        } catch (Throwable t) {
            throw linkFailure("cuModuleLoadDataEx", t);
        }
    }

    int moduleUnload(MemorySegment module) {
        try {
            return (int) cuModuleUnload.invokeExact(module);
        } catch (Throwable t) {
            throw linkFailure("cuModuleUnload", t);
        }
    }

    int moduleGetFunction(MemorySegment function, MemorySegment module, MemorySegment name) {
        try {
            return (int) cuModuleGetFunction.invokeExact(function, module, name);
        } catch (Throwable t) {
            throw linkFailure("cuModuleGetFunction", t);
        }
    }

    int launchKernel(MemorySegment f, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                     int sharedMemBytes, MemorySegment stream, MemorySegment params, MemorySegment extra) {
        try {
            return (int) cuLaunchKernel.invokeExact(f, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedMemBytes,
                    stream, params, extra);
        } catch (Throwable t) {
            throw linkFailure("cuLaunchKernel", t);
        }
    }
}
