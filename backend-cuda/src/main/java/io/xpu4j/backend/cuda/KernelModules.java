package io.xpu4j.backend.cuda;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The kernel modules of one device, loaded on first use: the packaged PTX for the device's
 * architecture when there is one and the driver accepts it, else the source compiled by NVRTC
 * for the device's exact compute capability.
 */
final class KernelModules {
    private static final int JIT_LOG_BYTES = 8192;
    private final CudaDevice device;
    private final Map<String, MemorySegment> modules = new HashMap<>();
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final Map<String, List<Integer>> signatures = new HashMap<>();

    KernelModules(CudaDevice device) {
        this.device = device;
    }

    /** The {@code CUfunction} of a kernel entry point. */
    synchronized MemorySegment function(String kernel) {
        MemorySegment f = functions.get(kernel);
        if (f != null) {
            return f;
        }
        MemorySegment module = module(KernelSources.moduleOf(kernel));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            device.check(device.driver.moduleGetFunction(out, module, arena.allocateFrom(kernel)),
                    "cuModuleGetFunction(" + kernel + ")");
            f = out.get(ADDRESS, 0);
        }
        functions.put(kernel, f);
        return f;
    }

    private MemorySegment module(String name) {
        MemorySegment m = modules.get(name);
        if (m != null) {
            return m;
        }
        device.makeCurrent();
        Optional<String> arch = KernelSources.ptxArchFor(device.ccMajor, device.ccMinor);
        Optional<byte[]> ptx = arch.flatMap(a -> KernelSources.ptx(name, a));
        String failure = null;
        if (ptx.isPresent()) {
            Loaded loaded = load(ptx.get());
            if (loaded.rc() == DriverApi.CUDA_SUCCESS) {
                return remember(name, loaded.module());
            }
            // e.g. CUDA_ERROR_UNSUPPORTED_PTX_VERSION: a driver older than the nvcc that built the PTX
            failure = "cuModuleLoadDataEx(" + name + "." + arch.get() + ".ptx) failed: "
                    + device.driver.errorName(loaded.rc()) + loaded.logSuffix();
            if (device.libs.nvrtc == null) {
                device.check(loaded.rc(), "cuModuleLoadDataEx(" + name + "." + arch.get() + ".ptx; no NVRTC to recompile"
                        + loaded.logSuffix() + ")");
            }
        }
        if (device.libs.nvrtc == null) {
            throw new XpuException(ErrorCode.BACKEND_UNAVAILABLE, device.id() + ": no PTX for compute capability "
                    + device.ccMajor + "." + device.ccMinor + " was packaged and NVRTC is not installed");
        }
        String arch2 = "compute_" + device.ccMajor + device.ccMinor;
        byte[] compiled = NvrtcCompiler.compile(device.libs.nvrtc, name, arch2);
        Loaded loaded = load(compiled);
        device.check(loaded.rc(), "cuModuleLoadDataEx(" + name + ".cu compiled by NVRTC for " + arch2
                + loaded.logSuffix() + ")" + (failure != null ? " after " + failure : ""));
        return remember(name, loaded.module());
    }

    private record Loaded(int rc, MemorySegment module, String jitLog) {
        /** The JIT's own words on a failure, for the exception message. */
        String logSuffix() {
            return jitLog.isEmpty() ? "" : "; JIT log: " + jitLog;
        }
    }

    /** Parameter sizes of a kernel whose module is loaded, as its PTX declares them. */
    synchronized List<Integer> signature(String kernel) {
        function(kernel);
        List<Integer> s = signatures.get(kernel);
        if (s == null) {
            throw new XpuException(ErrorCode.INTERNAL, "the PTX of module " + KernelSources.moduleOf(kernel)
                    + " declares no entry " + kernel);
        }
        return s;
    }

    private Loaded load(byte[] ptx) {
        signatures.putAll(PtxSignatures.parse(new String(ptx, StandardCharsets.US_ASCII)));
        try (Arena arena = Arena.ofConfined()) {
            // PTX is text and must be NUL-terminated
            MemorySegment image = arena.allocate(ptx.length + 1L);
            MemorySegment.copy(ptx, 0, image, JAVA_BYTE, 0, ptx.length);
            MemorySegment out = arena.allocate(ADDRESS);
            // the JIT compiler's error log, so a PTX the driver rejects says why
            MemorySegment log = arena.allocate(JIT_LOG_BYTES);
            MemorySegment options = arena.allocate(JAVA_INT, 2);
            options.setAtIndex(JAVA_INT, 0, DriverApi.CU_JIT_ERROR_LOG_BUFFER);
            options.setAtIndex(JAVA_INT, 1, DriverApi.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            MemorySegment values = arena.allocate(ADDRESS, 2);
            values.setAtIndex(ADDRESS, 0, log);
            values.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(JIT_LOG_BYTES)); // an unsigned int, in the pointer's place
            int rc = device.driver.moduleLoadDataEx(out, image, 2, options, values);
            if (rc == DriverApi.CUDA_SUCCESS) {
                return new Loaded(rc, out.get(ADDRESS, 0), "");
            }
            return new Loaded(rc, null, log.getString(0).strip());
        }
    }

    private MemorySegment remember(String name, MemorySegment module) {
        modules.put(name, module);
        return module;
    }

    synchronized void close() {
        for (MemorySegment m : modules.values()) {
            device.check(device.driver.moduleUnload(m), "cuModuleUnload");
        }
        modules.clear();
        functions.clear();
    }
}
