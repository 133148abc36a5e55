package io.xpu4j.backend.cann;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorMappingTest {
    /** Every code the ABI reference lists, with its name. */
    private static final Map<Integer, String> REFERENCE = Map.ofEntries(
            Map.entry(100000, "ACL_ERROR_INVALID_PARAM"), Map.entry(100001, "ACL_ERROR_UNINITIALIZE"),
            Map.entry(100002, "ACL_ERROR_REPEAT_INITIALIZE"), Map.entry(100003, "ACL_ERROR_INVALID_FILE"),
            Map.entry(100004, "ACL_ERROR_WRITE_FILE"), Map.entry(100005, "ACL_ERROR_INVALID_FILE_SIZE"),
            Map.entry(100006, "ACL_ERROR_PARSE_FILE"), Map.entry(100024, "ACL_ERROR_OP_NOT_FOUND"),
            Map.entry(100025, "ACL_ERROR_OP_LOAD_FAILED"), Map.entry(100026, "ACL_ERROR_UNSUPPORTED_DATA_TYPE"),
            Map.entry(100027, "ACL_ERROR_FORMAT_NOT_MATCH"), Map.entry(100037, "ACL_ERROR_REPEAT_FINALIZE"),
            Map.entry(148049, "ACL_ERROR_INVALID_OPP_PATH"), Map.entry(148051, "ACL_ERROR_RELATIVE_RESOURCE_NOT_CLEARED"),
            Map.entry(200000, "ACL_ERROR_BAD_ALLOC"), Map.entry(200001, "ACL_ERROR_API_NOT_SUPPORT"),
            Map.entry(200002, "ACL_ERROR_INVALID_DEVICE"), Map.entry(200003, "ACL_ERROR_MEMORY_ADDRESS_UNALIGNED"),
            Map.entry(200004, "ACL_ERROR_RESOURCE_NOT_MATCH"), Map.entry(200005, "ACL_ERROR_INVALID_RESOURCE_HANDLE"),
            Map.entry(200006, "ACL_ERROR_FEATURE_UNSUPPORTED"), Map.entry(200007, "ACL_ERROR_PROF_MODULES_UNSUPPORTED"),
            Map.entry(300000, "ACL_ERROR_STORAGE_OVER_LIMIT"), Map.entry(500000, "ACL_ERROR_INTERNAL_ERROR"),
            Map.entry(500001, "ACL_ERROR_FAILURE"), Map.entry(500002, "ACL_ERROR_GE_FAILURE"),
            Map.entry(500003, "ACL_ERROR_RT_FAILURE"), Map.entry(500004, "ACL_ERROR_DRV_FAILURE"),
            Map.entry(500005, "ACL_ERROR_PROFILING_FAILURE"),
            Map.entry(107000, "ACL_ERROR_RT_PARAM_INVALID"), Map.entry(107001, "ACL_ERROR_RT_INVALID_DEVICEID"),
            Map.entry(107002, "ACL_ERROR_RT_CONTEXT_NULL"), Map.entry(107003, "ACL_ERROR_RT_STREAM_CONTEXT"),
            Map.entry(107007, "ACL_ERROR_RT_EVENT_TIMESTAMP_REVERSAL"), Map.entry(107008, "ACL_ERROR_RT_ADDR_UNALIGNED"),
            Map.entry(107016, "ACL_ERROR_RT_INVALID_MEMORY_TYPE"), Map.entry(107017, "ACL_ERROR_RT_INVALID_HANDLE"),
            Map.entry(107019, "ACL_ERROR_RT_WAIT_TIMEOUT"), Map.entry(107020, "ACL_ERROR_RT_TASK_TIMEOUT"),
            Map.entry(107027, "ACL_ERROR_RT_STREAM_CAPTURED"), Map.entry(207000, "ACL_ERROR_RT_FEATURE_NOT_SUPPORT"),
            Map.entry(207001, "ACL_ERROR_RT_MEMORY_ALLOCATION"), Map.entry(207002, "ACL_ERROR_RT_MEMORY_FREE"),
            Map.entry(207004, "ACL_ERROR_RT_NO_DEVICE"), Map.entry(207005, "ACL_ERROR_RT_RESOURCE_ALLOC_FAIL"),
            Map.entry(207008, "ACL_ERROR_RT_NO_STREAM_RESOURCE"), Map.entry(207012, "ACL_ERROR_RT_OVER_LIMIT"),
            Map.entry(207018, "ACL_ERROR_RT_DEVICE_OOM"), Map.entry(507000, "ACL_ERROR_RT_INTERNAL_ERROR"),
            Map.entry(507004, "ACL_ERROR_RT_STREAM_NOT_COMPLETE"), Map.entry(507006, "ACL_ERROR_RT_EVENT_NOT_COMPLETE"),
            Map.entry(507015, "ACL_ERROR_RT_AICORE_EXCEPTION"), Map.entry(507035, "ACL_ERROR_RT_VECTOR_CORE_EXCEPTION"),
            Map.entry(507046, "ACL_ERROR_RT_STREAM_SYNC_TIMEOUT"), Map.entry(507047, "ACL_ERROR_RT_EVENT_SYNC_TIMEOUT"),
            Map.entry(507053, "ACL_ERROR_RT_DEVICE_MEM_ERROR"),
            Map.entry(161001, "ACLNN_ERR_PARAM_NULLPTR"), Map.entry(161002, "ACLNN_ERR_PARAM_INVALID"),
            Map.entry(361001, "ACLNN_ERR_RUNTIME_ERROR"), Map.entry(561000, "ACLNN_ERR_INNER"),
            Map.entry(561001, "ACLNN_ERR_INNER_INFERSHAPE_ERROR"), Map.entry(561002, "ACLNN_ERR_INNER_TILING_ERROR"),
            Map.entry(561003, "ACLNN_ERR_INNER_FIND_KERNEL_ERROR"), Map.entry(561101, "ACLNN_ERR_INNER_CREATE_EXECUTOR"),
            Map.entry(561102, "ACLNN_ERR_INNER_NOT_TRANS_EXECUTOR"), Map.entry(561103, "ACLNN_ERR_INNER_NULLPTR"),
            Map.entry(561107, "ACLNN_ERR_INNER_OPP_PATH_NOT_FOUND"), Map.entry(561112, "ACLNN_ERR_INNER_OPP_KERNEL_PKG_NOT_FOUND"));

    @Test
    void everyReferenceCodeHasItsName() {
        REFERENCE.forEach((code, name) -> assertEquals(name, AclErrors.name(code), "code " + code));
        assertEquals(REFERENCE.size(), AclErrors.knownCodes());
        assertEquals("UNKNOWN_123456", AclErrors.name(123456));
    }

    @Test
    void failureCarriesCodeNameFunctionDeviceAndNativeText() {
        XpuException e = AclErrors.failure(161002, "aclnnAddGetWorkspaceSize", "cann:0", "shapes [2] and [3] do not broadcast",
                "op 'add' [F32, F32] -> F32");
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals(161002L, e.nativeCode());
        assertEquals("cann", e.backend());
        assertEquals("shapes [2] and [3] do not broadcast", e.nativeMessage());
        for (String part : new String[]{"161002", "ACLNN_ERR_PARAM_INVALID", "aclnnAddGetWorkspaceSize", "cann:0",
                "op 'add'", "do not broadcast"}) {
            assertTrue(e.getMessage().contains(part), part + " missing from: " + e.getMessage());
        }
    }

    @Test
    void classification() {
        assertEquals(ErrorCode.OUT_OF_MEMORY, AclErrors.classify(207001, "aclrtMalloc"));
        assertEquals(ErrorCode.OUT_OF_MEMORY, AclErrors.classify(200000, "aclrtMalloc"));
        assertEquals(ErrorCode.DEVICE_LOST, AclErrors.classify(507000, "aclrtSynchronizeStream"));
        assertEquals(ErrorCode.DEVICE_LOST, AclErrors.classify(507053, "aclrtMemcpyAsync"));
        assertEquals(ErrorCode.NATIVE_ERROR, AclErrors.classify(507046, "aclrtSynchronizeStream"));
        assertEquals(ErrorCode.NATIVE_ERROR, AclErrors.classify(507015, "aclrtSynchronizeStream"));
        assertEquals(ErrorCode.NATIVE_ERROR, AclErrors.classify(507000, "aclnnAdd"));
        assertEquals(ErrorCode.NATIVE_ERROR, AclErrors.classify(561000, "aclnnSoftmax"));
        assertEquals(ErrorCode.NATIVE_ERROR, AclErrors.classify(107000, "aclrtMemcpy"));
    }

    @Test
    void aRealFailureFromTheLibraryIsMapped() {
        AclRuntime rt = CannAssume.available();
        XpuException e = assertThrows(XpuException.class, () -> rt.useDevice(4096));
        assertNotNull(e.nativeCode());
        assertTrue(e.getMessage().contains("aclrtSetDevice") && e.getMessage().contains("cann:4096")
                && e.getMessage().contains(AclErrors.name(e.nativeCode().intValue())), e.getMessage());
        assertNotNull(e.nativeMessage(), "aclGetRecentErrMsg text expected");
        // the thread's device binding is unchanged and still usable
        rt.useDevice(0);
        assertTrue(CannDevice.memoryInfo(rt, 0).totalBytes() > 0);
    }
}
