package io.xpu4j.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A stand-in for libcuda, libcublas and libnvrtc written in Java: every bound symbol is an
 * upcall stub with the binding's own descriptor, so the real downcall handles, argument types
 * and out-parameters are exercised without a GPU. "Device" memory is host memory, so copies
 * really move bytes; kernels are only recorded (and may simulate a reported error).
 */
final class FakeCuda {
    /** A launch, with a copy of each parameter's bytes taken at launch (as the driver does). */
    record Launch(String kernel, int grid, int block, int sharedBytes, List<MemorySegment> params) {
    }

    /** A GEMM call as cuBLAS sees it (column-major: A here is the row-major right operand). */
    record Gemm(String symbol, int transa, int transb, int m, int n, int k, int lda, int ldb, int ldc, long strideA,
                long strideB, long strideC, int batch, int type, int computeType) {
    }

    int initResult = 0;
    int deviceCount = 1;
    int ccMajor = 9;
    final Set<String> missingSymbols = new HashSet<>();
    final Set<String> missingLibraries = new HashSet<>();
    final List<Launch> launches = new ArrayList<>();
    final List<Gemm> gemms = new ArrayList<>();
    final List<String> calls = new ArrayList<>();
    final Map<Long, Arena> deviceAllocations = new HashMap<>();
    final Map<Long, Arena> hostAllocations = new HashMap<>();
    /** Kernel name to an action run at launch (e.g. writing an error record). */
    final Map<String, java.util.function.Consumer<Launch>> onLaunch = new HashMap<>();
    /** NVRTC programs: handle to source file name; and the options of each compilation. */
    final Map<Long, String> nvrtcPrograms = new HashMap<>();
    final List<List<String>> nvrtcOptions = new ArrayList<>();
    final List<String> nvrtcIncludeNames = new ArrayList<>();
    /** Symbol to the result it returns instead of doing anything (e.g. a sticky kernel fault). */
    final Map<String, Integer> failWith = new HashMap<>();
    /** When set, cuModuleLoadDataEx rejects every image with this JIT error log. */
    String jitErrorLog;
    /** The last math mode set on a cuBLAS handle (-1: never set). */
    int mathMode = -1;
    /**
     * Driver and cuBLAS calls made on a thread without a live current context, or with a handle
     * whose context was already reset: each would fail (or worse) on a real driver.
     */
    final List<String> contextViolations = new ArrayList<>();

    /** Calls that need no current context (device queries, context management, error text). */
    private static final Set<String> CONTEXT_FREE = Set.of("cuInit", "cuDriverGetVersion", "cuGetErrorName",
            "cuGetErrorString", "cuDeviceGetCount", "cuDeviceGet", "cuDeviceGetName", "cuDeviceTotalMem_v2",
            "cuDeviceGetAttribute", "cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRelease_v2", "cuCtxSetCurrent",
            "cublasGetStatusName", "cublasGetStatusString", "cublasSetMathMode", "cublasSetStream_v2");
    /** Primary context handle per device ordinal, and its retain count (0: reset). */
    private final Map<Integer, Long> primaryContexts = new HashMap<>();
    private final Map<Long, Integer> retains = new HashMap<>();
    /** Streams and events, by the context that created them. */
    private final Map<Long, Long> ownerContext = new HashMap<>();
    private final ThreadLocal<Long> currentContext = ThreadLocal.withInitial(() -> 0L);

    /** Host threads that run one emulated block (a power of two, as the kernels' reductions need). */
    static final int EMULATED_BLOCK = 4;

    /** When set, launches run the kernels compiled for the host (see kernel_host_harness.cpp). */
    SymbolLookup emulator;
    private final Map<String, MethodHandle> emulated = new HashMap<>();
    private final Map<Long, String> functionNames = new HashMap<>();
    private final Map<String, List<Integer>> signatures = new HashMap<>();
    private final AtomicLong handles = new AtomicLong(0x1000);
    private final Arena strings = Arena.ofShared();

    LibraryLoader loader() {
        return fileName -> {
            if (missingLibraries.contains(fileName)) {
                return Optional.empty();
            }
            List<NativeFunction> fns;
            if (fileName.equals(DriverApi.LIBRARY)) {
                fns = new ArrayList<>(DriverApi.FUNCTIONS);
                fns.add(DriverApi.CU_EVENT_ELAPSED_TIME_V1);
            } else if (CublasApi.LIBRARIES.contains(fileName)) {
                fns = CublasApi.FUNCTIONS;
            } else if (NvrtcApi.LIBRARIES.contains(fileName)) {
                fns = NvrtcApi.FUNCTIONS;
            } else {
                return Optional.empty();
            }
            Map<String, MemorySegment> stubs = new HashMap<>();
            for (NativeFunction f : fns) {
                if (!missingSymbols.contains(f.symbol())) {
                    stubs.put(f.symbol(), stub(f));
                }
            }
            SymbolLookup lookup = name -> Optional.ofNullable(stubs.get(name));
            return Optional.of(lookup);
        };
    }

    private MemorySegment stub(NativeFunction f) {
        try {
            MethodHandle dispatch = MethodHandles.lookup().findVirtual(FakeCuda.class, "dispatch",
                    MethodType.methodType(Object.class, String.class, Object[].class));
            FunctionDescriptor d = f.descriptor();
            MethodHandle h = MethodHandles.insertArguments(dispatch, 0, this, f.symbol())
                    .asCollector(Object[].class, d.argumentLayouts().size())
                    .asType(d.toMethodType());
            return Linker.nativeLinker().upcallStub(h, d, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static MemorySegment out(Object pointer, long bytes) {
        return ((MemorySegment) pointer).reinterpret(bytes);
    }

    private MemorySegment cString(String s) {
        return strings.allocateFrom(s);
    }

    private static String errorName(int code) {
        return switch (code) {
            case 2 -> "CUDA_ERROR_OUT_OF_MEMORY";
            case 3 -> "CUDA_ERROR_NOT_INITIALIZED";
            case 100 -> "CUDA_ERROR_NO_DEVICE";
            default -> "CUDA_ERROR_" + code;
        };
    }

    /** Set when a fake call threw (an upcall must not throw: that would end the JVM). */
    volatile Throwable failure;

    synchronized Object dispatch(String symbol, Object[] a) {
        try {
            return handle(symbol, a);
        } catch (Throwable t) {
            failure = t;
            boolean returnsPointer = symbol.startsWith("cublasGetStatus") || symbol.equals("nvrtcGetErrorString");
            return returnsPointer ? MemorySegment.NULL : (Object) 999;
        }
    }

    private boolean live(long context) {
        return retains.getOrDefault(context, 0) > 0;
    }

    /** CUDA_ERROR_INVALID_CONTEXT (201) when the call needs a context this thread does not have. */
    private int contextCheck(String symbol, Object[] a) {
        if (CONTEXT_FREE.contains(symbol) || symbol.startsWith("nvrtc")) {
            return 0;
        }
        if (!live(currentContext.get())) {
            contextViolations.add(symbol + " on thread " + Thread.currentThread().getName()
                    + " without a current context");
            return 201;
        }
        if (symbol.equals("cuEventDestroy_v2") || symbol.equals("cuStreamDestroy_v2")) {
            Long owner = ownerContext.remove(((MemorySegment) a[0]).address());
            if (owner == null || !live(owner)) {
                contextViolations.add(symbol + " of a handle its context's reset already destroyed");
                return 400; // CUDA_ERROR_INVALID_HANDLE
            }
        }
        return 0;
    }

    private Object handle(String symbol, Object[] a) throws Throwable {
        calls.add(symbol);
        Integer injected = failWith.get(symbol);
        if (injected != null) {
            return injected;
        }
        int contextError = contextCheck(symbol, a);
        if (contextError != 0) {
            return symbol.startsWith("cublas") ? 1 : contextError; // CUBLAS_STATUS_NOT_INITIALIZED
        }
        switch (symbol) {
            case "cuDevicePrimaryCtxRetain" -> {
                long ctx = primaryContexts.computeIfAbsent((int) a[1], d -> handles.incrementAndGet());
                retains.merge(ctx, 1, Integer::sum);
                out(a[0], 8).set(JAVA_LONG, 0, ctx);
            }
            case "cuDevicePrimaryCtxRelease_v2" -> {
                Long ctx = primaryContexts.get((int) a[0]);
                if (ctx == null || !live(ctx)) {
                    return 201;
                }
                retains.merge(ctx, -1, Integer::sum);
            }
            case "cuCtxSetCurrent" -> {
                long ctx = ((MemorySegment) a[0]).address();
                if (ctx != 0 && !live(ctx)) {
                    contextViolations.add("cuCtxSetCurrent of a context that was reset");
                    return 201;
                }
                currentContext.set(ctx);
            }
            case "cuStreamCreate", "cuEventCreate" -> {
                long h = handles.incrementAndGet();
                ownerContext.put(h, currentContext.get());
                out(a[0], 8).set(JAVA_LONG, 0, h);
            }
            case "cublasSetMathMode" -> mathMode = (int) a[1];
            case "cuInit" -> {
                return initResult;
            }
            case "cuDriverGetVersion" -> out(a[0], 4).set(JAVA_INT, 0, 13000);
            case "cuGetErrorName" -> out(a[1], 8).set(ADDRESS, 0, cString(errorName((int) a[0])));
            case "cuGetErrorString" -> out(a[1], 8).set(ADDRESS, 0, cString("fake description of " + a[0]));
            case "cuDeviceGetCount" -> out(a[0], 4).set(JAVA_INT, 0, deviceCount);
            case "cuDeviceGet" -> out(a[0], 4).set(JAVA_INT, 0, (int) a[1]);
            case "cuDeviceGetName" -> out(a[0], (int) a[1]).setString(0, "Fake GPU " + a[2]);
            case "cuDeviceTotalMem_v2" -> out(a[0], 8).set(JAVA_LONG, 0, 80L << 30);
            case "cuDeviceGetAttribute" -> out(a[0], 4).set(JAVA_INT, 0, switch ((int) a[1]) {
                case DriverApi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR -> ccMajor;
                case DriverApi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR -> 0;
                case DriverApi.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT -> 4;
                default -> 0;
            });
            case "cuMemGetInfo_v2" -> {
                out(a[0], 8).set(JAVA_LONG, 0, 70L << 30);
                out(a[1], 8).set(JAVA_LONG, 0, 80L << 30);
            }
            case "cuMemAlloc_v2" -> {
                Arena arena = Arena.ofShared();
                MemorySegment m = arena.allocate((long) a[1], 256);
                deviceAllocations.put(m.address(), arena);
                out(a[0], 8).set(JAVA_LONG, 0, m.address());
            }
            case "cuMemFree_v2" -> {
                Arena arena = deviceAllocations.remove((long) a[0]);
                if (arena == null) {
                    return 1; // CUDA_ERROR_INVALID_VALUE
                }
                arena.close();
            }
            case "cuMemHostAlloc" -> {
                Arena arena = Arena.ofShared();
                MemorySegment m = arena.allocate((long) a[1], 4096);
                hostAllocations.put(m.address(), arena);
                out(a[0], 8).set(ADDRESS, 0, m);
            }
            case "cuMemFreeHost" -> {
                Arena arena = hostAllocations.remove(((MemorySegment) a[0]).address());
                if (arena == null) {
                    return 1;
                }
                arena.close();
            }
            case "cuMemcpyHtoDAsync_v2" -> copy(((MemorySegment) a[1]).address(), (long) a[0], (long) a[2]);
            case "cuMemcpyDtoHAsync_v2" -> copy((long) a[1], ((MemorySegment) a[0]).address(), (long) a[2]);
            case "cuMemcpyDtoDAsync_v2" -> copy((long) a[1], (long) a[0], (long) a[2]);
            case "cuMemsetD8Async" -> MemorySegment.ofAddress((long) a[0]).reinterpret((long) a[2]).fill((byte) a[1]);
            case "cuModuleLoadDataEx" -> {
                if (jitErrorLog != null) {
                    writeJitLog(a);
                    return 218; // CUDA_ERROR_INVALID_PTX
                }
                signatures.putAll(PtxSignatures.parse(((MemorySegment) a[1]).reinterpret(Integer.MAX_VALUE).getString(0)));
                out(a[0], 8).set(JAVA_LONG, 0, handles.incrementAndGet());
            }
            case "cublasCreate_v2" -> out(a[0], 8).set(JAVA_LONG, 0, handles.incrementAndGet());
            case "nvrtcCreateProgram" -> {
                long h = handles.incrementAndGet();
                nvrtcPrograms.put(h, ((MemorySegment) a[2]).reinterpret(256).getString(0));
                int headers = (int) a[3];
                MemorySegment names = ((MemorySegment) a[5]).reinterpret(8L * headers);
                for (int i = 0; i < headers; i++) {
                    nvrtcIncludeNames.add(names.getAtIndex(ADDRESS, i).reinterpret(256).getString(0));
                }
                out(a[0], 8).set(JAVA_LONG, 0, h);
            }
            case "nvrtcCompileProgram" -> {
                int n = (int) a[1];
                MemorySegment opts = ((MemorySegment) a[2]).reinterpret(8L * n);
                List<String> list = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    list.add(opts.getAtIndex(ADDRESS, i).reinterpret(256).getString(0));
                }
                nvrtcOptions.add(list);
            }
            case "nvrtcGetPTXSize" -> out(a[1], 8).set(JAVA_LONG, 0, compiledPtx((MemorySegment) a[0]).length + 1L);
            case "nvrtcGetPTX" -> {
                byte[] ptx = compiledPtx((MemorySegment) a[0]);
                MemorySegment dst = out(a[1], ptx.length + 1L);
                MemorySegment.copy(ptx, 0, dst, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, ptx.length);
                dst.set(java.lang.foreign.ValueLayout.JAVA_BYTE, ptx.length, (byte) 0);
            }
            case "cuModuleGetFunction" -> {
                long h = handles.incrementAndGet();
                functionNames.put(h, ((MemorySegment) a[2]).reinterpret(256).getString(0));
                out(a[0], 8).set(JAVA_LONG, 0, h);
            }
            case "cuLaunchKernel" -> {
                String kernel = functionNames.get(((MemorySegment) a[0]).address());
                List<Integer> sizes = signatures.get(kernel);
                MemorySegment array = ((MemorySegment) a[9]).reinterpret(8L * sizes.size());
                List<MemorySegment> params = new ArrayList<>();
                for (int i = 0; i < sizes.size(); i++) {
                    MemorySegment value = array.getAtIndex(ADDRESS, i).reinterpret(sizes.get(i));
                    params.add(Arena.ofAuto().allocate(sizes.get(i), 8).copyFrom(value));
                }
                Launch l = new Launch(kernel, (int) a[1], (int) a[4], (int) a[7], params);
                launches.add(l);
                if (emulator != null) {
                    MethodHandle h = emulated.computeIfAbsent(kernel, k -> Linker.nativeLinker().downcallHandle(
                            emulator.find("launch_" + k).orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)));
                    // a few host threads per block: enough for barriers, tiles and tree reductions
                    // to interleave, few enough to keep thread start-up cheap
                    int threads = Math.min((int) a[4], EMULATED_BLOCK);
                    int divergent = (int) h.invokeExact((MemorySegment) a[9], threads);
                    if (divergent != 0) {
                        throw new AssertionError(kernel + ": threads of a block passed different numbers of __syncthreads");
                    }
                }
                java.util.function.Consumer<Launch> action = onLaunch.get(l.kernel());
                if (action != null) {
                    action.accept(l);
                }
            }
            case "cublasGemmEx" -> {
                Gemm g = new Gemm(symbol, (int) a[1], (int) a[2], (int) a[3], (int) a[4],
                        (int) a[5], (int) a[9], (int) a[12], (int) a[16], 0, 0, 0, 1, (int) a[8], (int) a[17]);
                gemms.add(g);
                return FakeGemm.run(g, (MemorySegment) a[6], (MemorySegment) a[7], (MemorySegment) a[10],
                        (MemorySegment) a[13], (MemorySegment) a[14]);
            }
            case "cublasGemmStridedBatchedEx" -> {
                Gemm g = new Gemm(symbol, (int) a[1], (int) a[2], (int) a[3],
                        (int) a[4], (int) a[5], (int) a[9], (int) a[13], (int) a[18], (long) a[10], (long) a[14],
                        (long) a[19], (int) a[20], (int) a[8], (int) a[21]);
                gemms.add(g);
                return FakeGemm.run(g, (MemorySegment) a[6], (MemorySegment) a[7], (MemorySegment) a[11],
                        (MemorySegment) a[15], (MemorySegment) a[16]);
            }
            case "cublasGetStatusName", "cublasGetStatusString", "nvrtcGetErrorString" -> {
                return cString(symbol + "(" + a[0] + ")");
            }
            default -> {
            }
        }
        return 0;
    }

    /** Writes {@link #jitErrorLog} where the CU_JIT_ERROR_LOG_BUFFER option points, within its size. */
    private void writeJitLog(Object[] a) {
        int n = (int) a[2];
        MemorySegment options = ((MemorySegment) a[3]).reinterpret(4L * n);
        MemorySegment values = ((MemorySegment) a[4]).reinterpret(8L * n);
        MemorySegment buffer = null;
        long size = 0;
        for (int i = 0; i < n; i++) {
            int option = options.getAtIndex(JAVA_INT, i);
            if (option == DriverApi.CU_JIT_ERROR_LOG_BUFFER) {
                buffer = values.getAtIndex(ADDRESS, i);
            } else if (option == DriverApi.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES) {
                size = values.getAtIndex(ADDRESS, i).address();
            }
        }
        if (buffer != null && size > 0) {
            byte[] text = jitErrorLog.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            int len = (int) Math.min(text.length, size - 1);
            MemorySegment dst = buffer.reinterpret(size);
            MemorySegment.copy(text, 0, dst, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, len);
            dst.set(java.lang.foreign.ValueLayout.JAVA_BYTE, len, (byte) 0);
        }
    }

    /** What "compiling" a program gives: the packaged compute_80 PTX of the same module. */
    private byte[] compiledPtx(MemorySegment program) {
        String file = nvrtcPrograms.get(program.address());
        return KernelSources.ptx(file.replace(".cu", ""), "compute_80").orElseThrow();
    }

    private static void copy(long src, long dst, long bytes) {
        MemorySegment.copy(MemorySegment.ofAddress(src).reinterpret(bytes), 0,
                MemorySegment.ofAddress(dst).reinterpret(bytes), 0, bytes);
    }

    /** The bytes of launch parameter {@code i} as passed. */
    static MemorySegment param(Launch l, int i, long bytes) {
        MemorySegment p = l.params().get(i);
        if (p.byteSize() != bytes) {
            throw new AssertionError("parameter " + i + " of " + l.kernel() + " has " + p.byteSize() + " bytes, not " + bytes);
        }
        return p;
    }
}
