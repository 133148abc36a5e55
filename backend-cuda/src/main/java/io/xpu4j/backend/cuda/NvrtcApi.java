package io.xpu4j.backend.cuda;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * NVRTC ({@code libnvrtc.so.13}, else {@code .so.12}): compiles the kernel sources to PTX at run
 * time when the build had no {@code nvcc}. {@code nvrtcResult} is an enum ({@code JAVA_INT}),
 * {@code nvrtcProgram} a pointer, {@code size_t} {@code JAVA_LONG}.
 */
final class NvrtcApi {
    static final List<String> LIBRARIES = List.of("libnvrtc.so.13", "libnvrtc.so.12");
    static final int NVRTC_SUCCESS = 0;

    static final NativeFunction VERSION = fn("nvrtcVersion", ADDRESS, ADDRESS);
    static final NativeFunction CREATE_PROGRAM =
            fn("nvrtcCreateProgram", ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
    static final NativeFunction COMPILE_PROGRAM = fn("nvrtcCompileProgram", ADDRESS, JAVA_INT, ADDRESS);
    static final NativeFunction GET_PTX_SIZE = fn("nvrtcGetPTXSize", ADDRESS, ADDRESS);
    static final NativeFunction GET_PTX = fn("nvrtcGetPTX", ADDRESS, ADDRESS);
    static final NativeFunction GET_PROGRAM_LOG_SIZE = fn("nvrtcGetProgramLogSize", ADDRESS, ADDRESS);
    static final NativeFunction GET_PROGRAM_LOG = fn("nvrtcGetProgramLog", ADDRESS, ADDRESS);
    static final NativeFunction DESTROY_PROGRAM = fn("nvrtcDestroyProgram", ADDRESS);
    static final NativeFunction GET_ERROR_STRING =
            new NativeFunction("nvrtcGetErrorString", "nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    static final List<NativeFunction> FUNCTIONS = List.of(VERSION, CREATE_PROGRAM, COMPILE_PROGRAM, GET_PTX_SIZE,
            GET_PTX, GET_PROGRAM_LOG_SIZE, GET_PROGRAM_LOG, DESTROY_PROGRAM, GET_ERROR_STRING);

    private static NativeFunction fn(String name, MemoryLayout... args) {
        return new NativeFunction(name, name, FunctionDescriptor.of(JAVA_INT, args));
    }

    private final String fileName;
    private final MethodHandle version;
    private final MethodHandle createProgram;
    private final MethodHandle compileProgram;
    private final MethodHandle getPtxSize;
    private final MethodHandle getPtx;
    private final MethodHandle getProgramLogSize;
    private final MethodHandle getProgramLog;
    private final MethodHandle destroyProgram;
    private final MethodHandle getErrorString;

    NvrtcApi(NativeLibrary lib) throws NativeBindingException {
        fileName = lib.fileName();
        version = lib.bind(VERSION);
        createProgram = lib.bind(CREATE_PROGRAM);
        compileProgram = lib.bind(COMPILE_PROGRAM);
        getPtxSize = lib.bind(GET_PTX_SIZE);
        getPtx = lib.bind(GET_PTX);
        getProgramLogSize = lib.bind(GET_PROGRAM_LOG_SIZE);
        getProgramLog = lib.bind(GET_PROGRAM_LOG);
        destroyProgram = lib.bind(DESTROY_PROGRAM);
        getErrorString = lib.bind(GET_ERROR_STRING);
    }

    String fileName() {
        return fileName;
    }

    void check(int rc, String call) {
        if (rc == NVRTC_SUCCESS) {
            return;
        }
        String text;
        try {
            MemorySegment p = (MemorySegment) getErrorString.invokeExact(rc);
            text = p.address() == 0 ? "nvrtcResult " + rc : p.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            text = "nvrtcResult " + rc;
        }
        throw new XpuException(ErrorCode.NATIVE_ERROR, call + " failed: " + text, "cuda", (long) rc, text, null);
    }

    private static XpuException linkFailure(String function, Throwable t) {
        return new XpuException(ErrorCode.INTERNAL, "calling " + function + " failed in the binding: " + t, t);
    }

    int version(MemorySegment major, MemorySegment minor) {
        try {
            return (int) version.invokeExact(major, minor);
        } catch (Throwable t) {
            throw linkFailure("nvrtcVersion", t);
        }
    }

    int createProgram(MemorySegment prog, MemorySegment src, MemorySegment name, int numHeaders,
                      MemorySegment headers, MemorySegment includeNames) {
        try {
            return (int) createProgram.invokeExact(prog, src, name, numHeaders, headers, includeNames);
        } catch (Throwable t) {
            throw linkFailure("nvrtcCreateProgram", t);
        }
    }

    int compileProgram(MemorySegment prog, int numOptions, MemorySegment options) {
        try {
            return (int) compileProgram.invokeExact(prog, numOptions, options);
        } catch (Throwable t) {
            throw linkFailure("nvrtcCompileProgram", t);
        }
    }

    int getPtxSize(MemorySegment prog, MemorySegment size) {
        try {
            return (int) getPtxSize.invokeExact(prog, size);
        } catch (Throwable t) {
            throw linkFailure("nvrtcGetPTXSize", t);
        }
    }

    int getPtx(MemorySegment prog, MemorySegment ptx) {
        try {
            return (int) getPtx.invokeExact(prog, ptx);
        } catch (Throwable t) {
            throw linkFailure("nvrtcGetPTX", t);
        }
    }

    int getProgramLogSize(MemorySegment prog, MemorySegment size) {
        try {
            return (int) getProgramLogSize.invokeExact(prog, size);
        } catch (Throwable t) {
            throw linkFailure("nvrtcGetProgramLogSize", t);
        }
    }

    int getProgramLog(MemorySegment prog, MemorySegment log) {
        try {
            return (int) getProgramLog.invokeExact(prog, log);
        } catch (Throwable t) {
            throw linkFailure("nvrtcGetProgramLog", t);
        }
    }

    int destroyProgram(MemorySegment progPtr) {
        try {
            return (int) destroyProgram.invokeExact(progPtr);
        } catch (Throwable t) {
            throw linkFailure("nvrtcDestroyProgram", t);
        }
    }
}
