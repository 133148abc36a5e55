package io.xpu4j.backend.cuda;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Compiles one packaged kernel source (with the shared header) to PTX with NVRTC. */
final class NvrtcCompiler {
    private NvrtcCompiler() {
    }

    static byte[] compile(NvrtcApi nvrtc, String module, String arch) {
        String fileName = module + ".cu";
        String source = KernelSources.source(fileName);
        String header = KernelSources.source(KernelSources.COMMON_HEADER);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment progOut = arena.allocate(ADDRESS);
            MemorySegment headers = arena.allocate(ADDRESS, 1);
            headers.setAtIndex(ADDRESS, 0, arena.allocateFrom(header));
            MemorySegment includeNames = arena.allocate(ADDRESS, 1);
            includeNames.setAtIndex(ADDRESS, 0, arena.allocateFrom(KernelSources.COMMON_HEADER));
            nvrtc.check(nvrtc.createProgram(progOut, arena.allocateFrom(source), arena.allocateFrom(fileName), 1,
                    headers, includeNames), "nvrtcCreateProgram(" + fileName + ")");
            MemorySegment prog = progOut.get(ADDRESS, 0);
            try {
                String[] opts = {"--gpu-architecture=" + arch, "-std=c++17"};
                MemorySegment options = arena.allocate(ADDRESS, opts.length);
                for (int i = 0; i < opts.length; i++) {
                    options.setAtIndex(ADDRESS, i, arena.allocateFrom(opts[i]));
                }
                int rc = nvrtc.compileProgram(prog, opts.length, options);
                if (rc != NvrtcApi.NVRTC_SUCCESS) {
                    String log = log(nvrtc, prog, arena);
                    throw new XpuException(ErrorCode.NATIVE_ERROR, "NVRTC could not compile " + fileName + " for "
                            + arch + ":\n" + log, "cuda", (long) rc, log, null);
                }
                MemorySegment size = arena.allocate(JAVA_LONG);
                nvrtc.check(nvrtc.getPtxSize(prog, size), "nvrtcGetPTXSize(" + fileName + ")");
                long n = size.get(JAVA_LONG, 0);
                MemorySegment ptx = arena.allocate(Math.max(n, 1));
                nvrtc.check(nvrtc.getPtx(prog, ptx), "nvrtcGetPTX(" + fileName + ")");
                // the size includes the terminating NUL
                return ptx.asSlice(0, Math.max(n - 1, 0)).toArray(JAVA_BYTE);
            } finally {
                nvrtc.destroyProgram(progOut);
            }
        }
    }

    private static String log(NvrtcApi nvrtc, MemorySegment prog, Arena arena) {
        MemorySegment size = arena.allocate(JAVA_LONG);
        if (nvrtc.getProgramLogSize(prog, size) != NvrtcApi.NVRTC_SUCCESS) {
            return "(no log)";
        }
        long n = size.get(JAVA_LONG, 0);
        MemorySegment log = arena.allocate(Math.max(n, 1));
        if (nvrtc.getProgramLog(prog, log) != NvrtcApi.NVRTC_SUCCESS) {
            return "(no log)";
        }
        return log.getString(0);
    }
}
