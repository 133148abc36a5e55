package io.xpu4j.backend.cann;

import io.xpu4j.api.DType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.util.EnumMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The enum values the binding passes to the native side, against the ABI reference's tables
 * (aclDataType, aclFormat, aclrtMemcpyKind, aclrtMemMallocPolicy, aclrtMemAttr,
 * aclrtEventRecordedStatus), and the dtype codes against the library's own
 * {@code aclDataTypeSize}.
 */
class EnumValuesTest {
    /** aclDataType values from the reference, for every xpu4j dtype. */
    private static final Map<DType, Integer> ACL_DATA_TYPE = new EnumMap<>(Map.of(
            DType.F32, 0, DType.F16, 1, DType.I8, 2, DType.I32, 3, DType.I64, 9, DType.BOOL, 12,
            DType.BF16, 27, DType.F8_E5M2, 35, DType.F8_E4M3, 36));

    @Test
    void dtypeCodesMatchTheReference() {
        assertEquals(DType.values().length, ACL_DATA_TYPE.size(), "the table must cover every dtype");
        ACL_DATA_TYPE.forEach((t, code) -> assertEquals(code, AclCall.code(t), t.name()));
        assertEquals(11, AclCall.ACL_DOUBLE, "ACL_DOUBLE");
    }

    @Test
    void runtimeEnumValuesMatchTheReference() {
        assertEquals(1, Acl.HOST_TO_DEVICE, "ACL_MEMCPY_HOST_TO_DEVICE");
        assertEquals(2, Acl.DEVICE_TO_HOST, "ACL_MEMCPY_DEVICE_TO_HOST");
        assertEquals(3, Acl.DEVICE_TO_DEVICE, "ACL_MEMCPY_DEVICE_TO_DEVICE");
        assertEquals(0, Acl.MALLOC_HUGE_FIRST, "ACL_MEM_MALLOC_HUGE_FIRST");
        assertEquals(1, Acl.HBM_MEM, "ACL_HBM_MEM");
        assertEquals(1, Acl.EVENT_RECORDED_COMPLETE, "ACL_EVENT_RECORDED_STATUS_COMPLETE");
        assertEquals(2, Acl.FORMAT_ND, "ACL_FORMAT_ND");
    }

    @Test
    void theLibraryAgreesOnEveryDtypeElementSize() throws Throwable {
        AclRuntime rt = CannAssume.available();
        MethodHandle size = rt.acl.optional("aclDataTypeSize", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
        Assumptions.assumeTrue(size != null, "the loaded AscendCL does not export aclDataTypeSize");
        for (DType t : DType.values()) {
            assertEquals(t.byteSize(), (long) size.invokeExact(AclCall.code(t)), t.name());
        }
        assertEquals(0L, (long) size.invokeExact(-1), "ACL_DT_UNDEFINED");
    }
}
