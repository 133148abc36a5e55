package io.xpu4j.backend.cuda;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Maps C prototypes to the FunctionDescriptor an x86-64/aarch64 Linux binding must use, from
 * the C types alone (independently of how the bindings were written).
 */
final class CPrototypes {
    /** Opaque handle typedefs: pointers to incomplete structs. */
    private static final Set<String> HANDLES = Set.of("CUcontext", "CUstream", "CUevent", "CUmodule", "CUfunction",
            "cublasHandle_t", "cudaStream_t", "nvrtcProgram");
    /** 32-bit integers and C enums. */
    private static final Set<String> INTS = Set.of("int", "unsigned int", "unsigned", "CUdevice", "CUresult",
            "CUdevice_attribute", "cublasStatus_t", "cublasOperation_t", "cudaDataType", "cudaDataType_t",
            "cublasComputeType_t", "cublasGemmAlgo_t", "cublasMath_t", "nvrtcResult");
    private static final Set<String> LONGS = Set.of("size_t", "CUdeviceptr", "unsigned long long", "long long",
            "long long int", "int64_t");
    private static final Map<String, MemoryLayout> OTHERS = Map.of("float", JAVA_FLOAT, "unsigned char", JAVA_BYTE);

    private CPrototypes() {
    }

    /** A parsed prototype: return type text and parameter declarations. */
    record Prototype(String name, String returnType, List<String> params) {
        FunctionDescriptor descriptor() {
            List<MemoryLayout> args = new ArrayList<>();
            for (String p : params) {
                args.add(layoutOfParam(p));
            }
            MemoryLayout[] a = args.toArray(MemoryLayout[]::new);
            return returnType.equals("void") ? FunctionDescriptor.ofVoid(a)
                    : FunctionDescriptor.of(layoutOfType(returnType), a);
        }
    }

    /** Parses {@code ret name(type a, type b)}; whitespace and newlines are free. */
    static Prototype parse(String prototype) {
        String s = prototype.replaceAll("\\s+", " ").strip();
        int open = s.indexOf('(');
        int close = s.lastIndexOf(')');
        String head = s.substring(0, open).strip();
        int space = head.lastIndexOf(' ');
        String name = head.substring(space + 1);
        String ret = head.substring(0, space).replace("CUDAAPI", "").strip();
        while (name.startsWith("*")) { // "const char *name": the star belongs to the return type
            name = name.substring(1);
            ret = ret + "*";
        }
        String inner = s.substring(open + 1, close).strip();
        List<String> params = new ArrayList<>();
        if (!inner.isEmpty() && !inner.equals("void")) {
            for (String p : inner.split(",")) {
                params.add(p.strip());
            }
        }
        return new Prototype(name, ret, params);
    }

    /** The layout of a parameter declaration such as {@code const char *name} or {@code CUdevice dev}. */
    static MemoryLayout layoutOfParam(String decl) {
        if (decl.contains("*") || decl.contains("[")) {
            return ADDRESS;
        }
        String d = decl.replace("const ", "").strip();
        // drop the parameter name (the last identifier) when the declaration has one
        int space = d.lastIndexOf(' ');
        if (space > 0) {
            String type = d.substring(0, space).strip();
            if (known(type)) {
                return layoutOfType(type);
            }
        }
        return layoutOfType(d);
    }

    private static boolean known(String type) {
        return HANDLES.contains(type) || INTS.contains(type) || LONGS.contains(type) || OTHERS.containsKey(type);
    }

    static MemoryLayout layoutOfType(String type) {
        String t = type.replace("const ", "").strip();
        if (t.endsWith("*")) {
            return ADDRESS;
        }
        if (HANDLES.contains(t)) {
            return ADDRESS;
        }
        if (INTS.contains(t)) {
            return JAVA_INT;
        }
        if (LONGS.contains(t)) {
            return JAVA_LONG;
        }
        MemoryLayout other = OTHERS.get(t);
        if (other == null) {
            throw new IllegalArgumentException("no layout mapping for C type '" + t + "'");
        }
        return other;
    }
}
