package io.xpu4j.backend.cann;

import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bound function's descriptor against its C prototype, written here as C text from the
 * ABI reference and converted with the reference's LP64 type table, independently of the
 * binding code.
 */
class SignatureTest {
    private static final Map<String, String> C = new LinkedHashMap<>();

    static {
        c("aclError aclInit(const char* configPath)");
        c("aclError aclFinalize(void)");
        c("const char* aclGetRecentErrMsg(void)");
        c("const char* aclrtGetSocName(void)");
        c("aclError aclrtGetDeviceCount(uint32_t* count)");
        c("aclError aclrtSetDevice(int32_t deviceId)");
        c("aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t* free, size_t* total)");
        c("aclError aclrtCreateStream(aclrtStream* stream)");
        c("aclError aclrtDestroyStream(aclrtStream stream)");
        c("aclError aclrtSynchronizeStream(aclrtStream stream)");
        c("aclError aclrtSynchronizeDevice(void)");
        c("aclError aclrtStreamWaitEvent(aclrtStream stream, aclrtEvent event)");
        c("aclError aclrtCreateEvent(aclrtEvent* event)");
        c("aclError aclrtRecordEvent(aclrtEvent event, aclrtStream stream)");
        c("aclError aclrtSynchronizeEvent(aclrtEvent event)");
        c("aclError aclrtQueryEventStatus(aclrtEvent event, aclrtEventRecordedStatus* status)");
        c("aclError aclrtDestroyEvent(aclrtEvent event)");
        c("aclError aclrtMalloc(void** devPtr, size_t size, aclrtMemMallocPolicy policy)");
        c("aclError aclrtFree(void* devPtr)");
        c("aclError aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind)");
        c("aclError aclrtMemcpyAsync(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind, aclrtStream stream)");
        c("aclTensor* aclCreateTensor(const int64_t* viewDims, uint64_t viewDimsNum, aclDataType dataType, const int64_t* stride, "
                + "int64_t offset, aclFormat format, const int64_t* storageDims, uint64_t storageDimsNum, void* tensorData)");
        c("aclnnStatus aclDestroyTensor(const aclTensor* tensor)");
        c("aclScalar* aclCreateScalar(void* value, aclDataType dataType)");
        c("aclnnStatus aclDestroyScalar(const aclScalar* scalar)");
        c("aclIntArray* aclCreateIntArray(const int64_t* value, uint64_t size)");
        c("aclnnStatus aclDestroyIntArray(const aclIntArray* array)");

        String tail = "uint64_t* workspaceSize, aclOpExecutor** executor";
        for (String op : List.of("Add", "Sub")) {
            op(op, "const aclTensor* self, const aclTensor* other, const aclScalar* alpha, aclTensor* out, " + tail);
        }
        op("Adds", "const aclTensor* self, const aclScalar* other, const aclScalar* alpha, aclTensor* out, " + tail);
        for (String op : List.of("Mul", "Div", "Maximum", "Minimum", "EqTensor", "NeTensor", "LtTensor", "LeTensor",
                "GtTensor", "GeTensor")) {
            op(op, "const aclTensor* self, const aclTensor* other, aclTensor* out, " + tail);
        }
        op("PowTensorTensor", "const aclTensor* self, const aclTensor* exponent, aclTensor* out, " + tail);
        op("Muls", "const aclTensor* self, const aclScalar* other, aclTensor* out, " + tail);
        op("SWhere", "const aclTensor* condition, const aclTensor* self, const aclTensor* other, aclTensor* out, " + tail);
        for (String op : List.of("Exp", "Neg", "Sqrt", "Rsqrt", "Abs", "Log", "Tanh", "Erf", "Sigmoid", "Silu", "Relu", "Gelu")) {
            op(op, "const aclTensor* self, aclTensor* out, " + tail);
        }
        op("GeluV2", "const aclTensor* x, int64_t approximate, aclTensor* y, " + tail);
        op("Cast", "const aclTensor* self, const aclDataType dtype, aclTensor* out, " + tail);
        op("ReduceSum", "const aclTensor* self, const aclIntArray* dims, bool keepDims, aclDataType dtype, aclTensor* out, " + tail);
        op("Mean", "const aclTensor* self, const aclIntArray* dim, bool keepDim, aclDataType dtype, aclTensor* out, " + tail);
        op("Amax", "const aclTensor* self, const aclIntArray* dim, bool keepDim, aclTensor* out, " + tail);
        op("Amin", "const aclTensor* self, const aclIntArray* dim, bool keepDim, aclTensor* out, " + tail);
        op("ArgMax", "const aclTensor* self, int64_t dim, bool keepdim, aclTensor* out, " + tail);
        op("Permute", "const aclTensor* self, const aclIntArray* dims, aclTensor* out, " + tail);
        op("InplaceCopy", "aclTensor* selfRef, const aclTensor* src, " + tail);
        op("InplaceFillScalar", "aclTensor* selfRef, const aclScalar* value, " + tail);
        for (String op : List.of("Matmul", "Mm", "BatchMatMul")) {
            op(op, "const aclTensor* self, const aclTensor* mat2, aclTensor* out, int8_t cubeMathType, " + tail);
        }
        op("Softmax", "const aclTensor* self, int64_t dim, aclTensor* out, " + tail);
        op("LogSoftmax", "const aclTensor* self, int64_t dim, aclTensor* out, " + tail);
        op("RmsNorm", "const aclTensor* x, const aclTensor* gamma, double epsilon, const aclTensor* yOut, const aclTensor* rstdOut, " + tail);
        op("LayerNorm", "const aclTensor* input, const aclIntArray* normalizedShape, const aclTensor* weightOptional, "
                + "const aclTensor* biasOptional, double eps, aclTensor* out, aclTensor* meanOutOptional, aclTensor* rstdOutOptional, " + tail);
        op("Embedding", "const aclTensor* weight, const aclTensor* indices, const aclTensor* out, " + tail);
    }

    private static void c(String proto) {
        String name = proto.substring(0, proto.indexOf('(')).trim();
        name = name.substring(name.lastIndexOf(' ') + 1).replace("*", "");
        C.put(name, proto);
    }

    private static void op(String op, String params) {
        String p1 = "aclnnStatus aclnn" + op + "GetWorkspaceSize(" + params + ")";
        c(p1);
        c("aclnnStatus aclnn" + op + "(void* workspace, uint64_t workspaceSize, aclOpExecutor* executor, aclrtStream stream)");
    }

    /** The reference's LP64 table: C type to FFM layout. */
    private static MemoryLayout layout(String type) {
        String t = type.replace("const ", "").trim();
        if (t.endsWith("*")) {
            return ValueLayout.ADDRESS;
        }
        return switch (t) {
            case "aclError", "aclnnStatus", "int32_t", "uint32_t", "int", "aclDataType", "aclFormat", "aclrtMemcpyKind",
                 "aclrtMemMallocPolicy", "aclrtMemAttr" -> ValueLayout.JAVA_INT;
            case "aclrtStream", "aclrtEvent", "aclrtContext" -> ValueLayout.ADDRESS;
            case "size_t", "uint64_t", "int64_t" -> ValueLayout.JAVA_LONG;
            case "bool" -> ValueLayout.JAVA_BOOLEAN;
            case "int8_t" -> ValueLayout.JAVA_BYTE;
            case "double" -> ValueLayout.JAVA_DOUBLE;
            default -> throw new AssertionError("C type not in the reference table: " + type);
        };
    }

    static FunctionDescriptor fromC(String proto) {
        String head = proto.substring(0, proto.indexOf('(')).trim();
        String ret = head.substring(0, head.lastIndexOf(' ')).trim();
        if (head.substring(head.lastIndexOf(' ') + 1).startsWith("*")) {
            ret += "*";
        }
        String params = proto.substring(proto.indexOf('(') + 1, proto.lastIndexOf(')')).trim();
        List<MemoryLayout> args = new ArrayList<>();
        if (!params.equals("void")) {
            for (String p : params.split(",")) {
                String decl = p.trim();
                int cut = Math.max(decl.lastIndexOf(' '), decl.lastIndexOf('*'));
                args.add(layout(decl.substring(0, cut + 1).trim()));
            }
        }
        MemoryLayout[] a = args.toArray(MemoryLayout[]::new);
        return ret.equals("void") ? FunctionDescriptor.ofVoid(a) : FunctionDescriptor.of(layout(ret), a);
    }

    @Test
    void runtimeAndMetaDescriptorsMatchTheReference() {
        Map<String, FunctionDescriptor> bound = new LinkedHashMap<>(Acl.RUNTIME);
        bound.putAll(Acl.META);
        for (Map.Entry<String, FunctionDescriptor> e : bound.entrySet()) {
            String proto = C.get(e.getKey());
            assertTrue(proto != null, "no reference prototype for bound function " + e.getKey());
            assertEquals(fromC(proto), e.getValue(), e.getKey());
        }
    }

    @Test
    void everyOperatorsTwoPhasesMatchTheReference() {
        Set<String> checked = new HashSet<>();
        for (String op : AclnnOps.PARAMS.keySet()) {
            String p1 = "aclnn" + op + "GetWorkspaceSize";
            assertTrue(C.containsKey(p1), "no reference prototype for " + p1);
            assertEquals(fromC(C.get(p1)), AclnnOps.phase1(op), p1);
            assertEquals(fromC(C.get("aclnn" + op)), AclnnOps.PHASE2, "aclnn" + op);
            checked.add(op);
        }
        assertEquals(AclnnOps.PARAMS.size(), checked.size());
    }

    @Test
    void theConverterItselfDistinguishesTypes() {
        // a wrong descriptor must not compare equal: guards against a converter that maps everything alike
        assertTrue(!fromC("aclError f(int32_t a)").equals(fromC("aclError f(int64_t a)")));
        assertTrue(!fromC("aclError f(bool a)").equals(fromC("aclError f(int8_t a)")));
        assertEquals(FunctionDescriptor.of(ValueLayout.ADDRESS), fromC("const char* aclGetRecentErrMsg(void)"));
    }
}
