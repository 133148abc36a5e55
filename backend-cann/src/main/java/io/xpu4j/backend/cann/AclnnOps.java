package io.xpu4j.backend.cann;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The aclnn operators xpu4j uses, with their phase-1 parameter lists. Each operator is two
 * symbols, {@code aclnnXxxGetWorkspaceSize(<params>, uint64_t*, aclOpExecutor**)} and
 * {@code aclnnXxx(void*, uint64_t, aclOpExecutor*, aclrtStream)}; an operator whose symbols are
 * missing from every operator library is simply absent, and the kernels needing it are not registered.
 *
 * <p>Parameter kinds: {@code P} pointer (aclTensor, aclScalar, aclIntArray), {@code L} int64_t,
 * {@code Z} bool, {@code D} double, {@code I} int (aclDataType by value), {@code B} int8_t.
 */
final class AclnnOps {
    static final Map<String, String> PARAMS = new LinkedHashMap<>();

    static {
        PARAMS.put("Add", "PPPP");
        PARAMS.put("Sub", "PPPP");
        PARAMS.put("Mul", "PPP");
        PARAMS.put("Muls", "PPP");
        PARAMS.put("Div", "PPP");
        PARAMS.put("Maximum", "PPP");
        PARAMS.put("Minimum", "PPP");
        PARAMS.put("PowTensorTensor", "PPP");
        PARAMS.put("EqTensor", "PPP");
        PARAMS.put("NeTensor", "PPP");
        PARAMS.put("LtTensor", "PPP");
        PARAMS.put("LeTensor", "PPP");
        PARAMS.put("GtTensor", "PPP");
        PARAMS.put("GeTensor", "PPP");
        PARAMS.put("SWhere", "PPPP");
        for (String u : List.of("Exp", "Neg", "Sqrt", "Rsqrt", "Abs", "Log", "Tanh", "Erf", "Sigmoid", "Silu", "Relu")) {
            PARAMS.put(u, "PP");
        }
        PARAMS.put("GeluV2", "PLP");
        PARAMS.put("Cast", "PIP");
        PARAMS.put("ReduceSum", "PPZIP");
        PARAMS.put("Mean", "PPZIP");
        PARAMS.put("Amax", "PPZP");
        PARAMS.put("Amin", "PPZP");
        PARAMS.put("ArgMax", "PLZP");
        PARAMS.put("InplaceCopy", "PP");
        PARAMS.put("InplaceFillScalar", "PP");
        PARAMS.put("Matmul", "PPPB");
        PARAMS.put("Mm", "PPPB");
        PARAMS.put("BatchMatMul", "PPPB");
        PARAMS.put("Softmax", "PLP");
        PARAMS.put("LogSoftmax", "PLP");
        PARAMS.put("RmsNorm", "PPDPP");
        PARAMS.put("LayerNorm", "PPPPDPPP");
        PARAMS.put("Embedding", "PPP");
    }

    static final FunctionDescriptor PHASE2 = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);

    /** The phase-1 descriptor of {@code op}: its parameters, then {@code uint64_t*}, {@code aclOpExecutor**}. */
    static FunctionDescriptor phase1(String op) {
        String kinds = PARAMS.get(op);
        List<MemoryLayout> args = new ArrayList<>();
        for (char k : kinds.toCharArray()) {
            args.add(switch (k) {
                case 'P' -> ADDRESS;
                case 'L' -> JAVA_LONG;
                case 'Z' -> JAVA_BOOLEAN;
                case 'D' -> JAVA_DOUBLE;
                case 'I' -> JAVA_INT;
                case 'B' -> JAVA_BYTE;
                default -> throw new IllegalStateException("bad kind " + k);
            });
        }
        args.add(ADDRESS);
        args.add(ADDRESS);
        return FunctionDescriptor.of(JAVA_INT, args.toArray(MemoryLayout[]::new));
    }

    /** Both phases of one operator. */
    record Op(String name, MethodHandle workspace, MethodHandle execute, String file) {
    }

    private final Map<String, Op> ops = new LinkedHashMap<>();
    private final Map<String, String> missing = new LinkedHashMap<>();

    AclnnOps(AclLibraries libs) {
        for (String op : PARAMS.keySet()) {
            String p1 = "aclnn" + op + "GetWorkspaceSize";
            String p2 = "aclnn" + op;
            Optional<AclLibraries.Found> f1 = AclLibraries.find(libs.ops(), p1);
            Optional<AclLibraries.Found> f2 = AclLibraries.find(libs.ops(), p2);
            if (f1.isEmpty() || f2.isEmpty()) {
                missing.put(op, (f1.isEmpty() ? p1 : p2) + " not in " + (libs.ops().isEmpty()
                        ? "any operator library (tried: " + libs.attempts("operators") + ")" : AclLibraries.files(libs.ops())));
                continue;
            }
            Linker l = Linker.nativeLinker();
            ops.put(op, new Op("aclnn" + op, l.downcallHandle(f1.get().address(), phase1(op)),
                    l.downcallHandle(f2.get().address(), PHASE2), f1.get().file()));
        }
    }

    boolean has(String... names) {
        for (String n : names) {
            if (!ops.containsKey(n)) {
                return false;
            }
        }
        return true;
    }

    Op get(String name) {
        Op op = ops.get(name);
        if (op == null) {
            throw new IllegalStateException("aclnn" + name + " is not available: " + missing.get(name));
        }
        return op;
    }

    /** Operators that could not be bound, with the reason. */
    Map<String, String> missing() {
        return missing;
    }
}
