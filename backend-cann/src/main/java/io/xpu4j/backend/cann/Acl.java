package io.xpu4j.backend.cann;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcall handles for the AscendCL runtime ({@code libascendcl.so}) and the aclnn meta API
 * ({@code libnnopbase.so}). Every descriptor follows the C prototypes of the ABI reference:
 * {@code aclError}/{@code aclnnStatus}/enums are {@code int}, handles and object pointers are
 * addresses, {@code size_t}/{@code int64_t}/{@code uint64_t} are {@code long}.
 *
 * <p>Built only through {@link #bind}, which reports the first missing symbol instead of throwing.
 */
final class Acl {
    /** Runtime functions, by name, with their C signatures. */
    static final Map<String, FunctionDescriptor> RUNTIME = new LinkedHashMap<>();
    /** Meta (tensor/scalar/array object) functions. */
    static final Map<String, FunctionDescriptor> META = new LinkedHashMap<>();

    static {
        RUNTIME.put("aclInit", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        RUNTIME.put("aclFinalize", FunctionDescriptor.of(JAVA_INT));
        RUNTIME.put("aclGetRecentErrMsg", FunctionDescriptor.of(ADDRESS));
        RUNTIME.put("aclrtGetSocName", FunctionDescriptor.of(ADDRESS));
        RUNTIME.put("aclrtGetDeviceCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        RUNTIME.put("aclrtSetDevice", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        RUNTIME.put("aclrtGetMemInfo", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        RUNTIME.put("aclrtCreateStream", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        RUNTIME.put("aclrtDestroyStream", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        RUNTIME.put("aclrtSynchronizeStream", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        RUNTIME.put("aclrtSynchronizeDevice", FunctionDescriptor.of(JAVA_INT));
        RUNTIME.put("aclrtStreamWaitEvent", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        RUNTIME.put("aclrtCreateEvent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        RUNTIME.put("aclrtRecordEvent", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        RUNTIME.put("aclrtSynchronizeEvent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        RUNTIME.put("aclrtQueryEventStatus", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        RUNTIME.put("aclrtDestroyEvent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        RUNTIME.put("aclrtMalloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        RUNTIME.put("aclrtFree", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        RUNTIME.put("aclrtMemcpy", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT));
        RUNTIME.put("aclrtMemcpyAsync",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));

        META.put("aclCreateTensor", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG,
                JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
        META.put("aclDestroyTensor", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        META.put("aclCreateScalar", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        META.put("aclDestroyScalar", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        META.put("aclCreateIntArray", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG));
        META.put("aclDestroyIntArray", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    // aclrtMemcpyKind
    static final int HOST_TO_DEVICE = 1;
    static final int DEVICE_TO_HOST = 2;
    static final int DEVICE_TO_DEVICE = 3;
    // aclrtMemMallocPolicy
    static final int MALLOC_HUGE_FIRST = 0;
    // aclrtMemAttr
    static final int HBM_MEM = 1;
    // aclrtEventRecordedStatus
    static final int EVENT_RECORDED_COMPLETE = 1;
    // aclFormat
    static final int FORMAT_ND = 2;

    final AclLibraries libraries;
    private final Map<String, MethodHandle> handles;

    private Acl(AclLibraries libraries, Map<String, MethodHandle> handles) {
        this.libraries = libraries;
        this.handles = handles;
    }

    /** The outcome of binding: the bindings, or why they could not be made. */
    record Binding(Acl acl, String problem) {
    }

    static Binding bind(AclLibraries libs) {
        if (libs.runtime().isEmpty()) {
            return new Binding(null, "AscendCL runtime library (" + String.join(" or ", AclLibraries.RUNTIME_NAMES)
                    + ") not found; tried: " + libs.attempts("runtime")
                    + ". Install the CANN toolkit and set ASCEND_HOME_PATH (e.g. source set_env.sh)");
        }
        if (libs.meta().isEmpty()) {
            return new Binding(null, "aclnn meta library libnnopbase.so not found; tried: " + libs.attempts("meta"));
        }
        Map<String, MethodHandle> hs = new LinkedHashMap<>();
        String problem = link(libs.runtime(), RUNTIME, hs);
        if (problem == null) {
            problem = link(libs.meta(), META, hs);
        }
        if (problem != null) {
            return new Binding(null, problem);
        }
        return new Binding(new Acl(libs, hs), null);
    }

    private static String link(List<AclLibraries.Opened> libs, Map<String, FunctionDescriptor> table,
                               Map<String, MethodHandle> into) {
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, FunctionDescriptor> e : table.entrySet()) {
            Optional<AclLibraries.Found> f = AclLibraries.find(libs, e.getKey());
            if (f.isEmpty()) {
                missing.add(e.getKey());
                continue;
            }
            into.put(e.getKey(), Linker.nativeLinker().downcallHandle(f.get().address(), e.getValue()));
        }
        return missing.isEmpty() ? null
                : AclLibraries.files(libs) + " lacks symbol(s) " + missing + " (is it a CANN library of a supported version?)";
    }

    /** An optional symbol from any of the opened libraries (test hooks of the emulator). */
    MethodHandle optional(String name, FunctionDescriptor fd) {
        List<AclLibraries.Opened> all = new ArrayList<>(libraries.runtime());
        all.addAll(libraries.meta());
        all.addAll(libraries.ops());
        return AclLibraries.find(all, name).map(f -> Linker.nativeLinker().downcallHandle(f.address(), fd)).orElse(null);
    }

    MethodHandle handle(String name) {
        return handles.get(name);
    }

    // ---- typed calls -------------------------------------------------------------------------

    int aclInit(MemorySegment config) {
        try {
            return (int) handles.get("aclInit").invokeExact(config);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int aclFinalize() {
        try {
            return (int) handles.get("aclFinalize").invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The calling thread's latest error text, or empty. */
    String recentErrMsg() {
        try {
            MemorySegment p = (MemorySegment) handles.get("aclGetRecentErrMsg").invokeExact();
            return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(1 << 16).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }

    String socName() {
        try {
            MemorySegment p = (MemorySegment) handles.get("aclrtGetSocName").invokeExact();
            return p.equals(MemorySegment.NULL) ? null : p.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int call(String name, Object... args) {
        try {
            return (int) handles.get(name).invokeWithArguments(args);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment callPointer(String name, Object... args) {
        try {
            return (MemorySegment) handles.get(name).invokeWithArguments(args);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
