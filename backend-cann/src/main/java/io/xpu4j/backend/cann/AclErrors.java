package io.xpu4j.backend.cann;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.util.HashMap;
import java.util.Map;

/**
 * Names of the AscendCL ({@code aclError}), runtime ({@code ACL_ERROR_RT_*}) and aclnn
 * ({@code aclnnStatus}) codes, and the mapping of a failed call to an {@link XpuException}.
 */
final class AclErrors {
    static final int ACL_SUCCESS = 0;
    static final int ACL_ERROR_REPEAT_INITIALIZE = 100002;

    private static final Map<Integer, String> NAMES = new HashMap<>();

    static {
        name(100000, "ACL_ERROR_INVALID_PARAM");
        name(100001, "ACL_ERROR_UNINITIALIZE");
        name(100002, "ACL_ERROR_REPEAT_INITIALIZE");
        name(100003, "ACL_ERROR_INVALID_FILE");
        name(100004, "ACL_ERROR_WRITE_FILE");
        name(100005, "ACL_ERROR_INVALID_FILE_SIZE");
        name(100006, "ACL_ERROR_PARSE_FILE");
        name(100024, "ACL_ERROR_OP_NOT_FOUND");
        name(100025, "ACL_ERROR_OP_LOAD_FAILED");
        name(100026, "ACL_ERROR_UNSUPPORTED_DATA_TYPE");
        name(100027, "ACL_ERROR_FORMAT_NOT_MATCH");
        name(100037, "ACL_ERROR_REPEAT_FINALIZE");
        name(148049, "ACL_ERROR_INVALID_OPP_PATH");
        name(148051, "ACL_ERROR_RELATIVE_RESOURCE_NOT_CLEARED");
        name(200000, "ACL_ERROR_BAD_ALLOC");
        name(200001, "ACL_ERROR_API_NOT_SUPPORT");
        name(200002, "ACL_ERROR_INVALID_DEVICE");
        name(200003, "ACL_ERROR_MEMORY_ADDRESS_UNALIGNED");
        name(200004, "ACL_ERROR_RESOURCE_NOT_MATCH");
        name(200005, "ACL_ERROR_INVALID_RESOURCE_HANDLE");
        name(200006, "ACL_ERROR_FEATURE_UNSUPPORTED");
        name(200007, "ACL_ERROR_PROF_MODULES_UNSUPPORTED");
        name(300000, "ACL_ERROR_STORAGE_OVER_LIMIT");
        name(500000, "ACL_ERROR_INTERNAL_ERROR");
        name(500001, "ACL_ERROR_FAILURE");
        name(500002, "ACL_ERROR_GE_FAILURE");
        name(500003, "ACL_ERROR_RT_FAILURE");
        name(500004, "ACL_ERROR_DRV_FAILURE");
        name(500005, "ACL_ERROR_PROFILING_FAILURE");

        name(107000, "ACL_ERROR_RT_PARAM_INVALID");
        name(107001, "ACL_ERROR_RT_INVALID_DEVICEID");
        name(107002, "ACL_ERROR_RT_CONTEXT_NULL");
        name(107003, "ACL_ERROR_RT_STREAM_CONTEXT");
        name(107007, "ACL_ERROR_RT_EVENT_TIMESTAMP_REVERSAL");
        name(107008, "ACL_ERROR_RT_ADDR_UNALIGNED");
        name(107016, "ACL_ERROR_RT_INVALID_MEMORY_TYPE");
        name(107017, "ACL_ERROR_RT_INVALID_HANDLE");
        name(107019, "ACL_ERROR_RT_WAIT_TIMEOUT");
        name(107020, "ACL_ERROR_RT_TASK_TIMEOUT");
        name(107027, "ACL_ERROR_RT_STREAM_CAPTURED");
        name(207000, "ACL_ERROR_RT_FEATURE_NOT_SUPPORT");
        name(207001, "ACL_ERROR_RT_MEMORY_ALLOCATION");
        name(207002, "ACL_ERROR_RT_MEMORY_FREE");
        name(207004, "ACL_ERROR_RT_NO_DEVICE");
        name(207005, "ACL_ERROR_RT_RESOURCE_ALLOC_FAIL");
        name(207008, "ACL_ERROR_RT_NO_STREAM_RESOURCE");
        name(207012, "ACL_ERROR_RT_OVER_LIMIT");
        name(207018, "ACL_ERROR_RT_DEVICE_OOM");
        name(507000, "ACL_ERROR_RT_INTERNAL_ERROR");
        name(507004, "ACL_ERROR_RT_STREAM_NOT_COMPLETE");
        name(507006, "ACL_ERROR_RT_EVENT_NOT_COMPLETE");
        name(507015, "ACL_ERROR_RT_AICORE_EXCEPTION");
        name(507035, "ACL_ERROR_RT_VECTOR_CORE_EXCEPTION");
        name(507046, "ACL_ERROR_RT_STREAM_SYNC_TIMEOUT");
        name(507047, "ACL_ERROR_RT_EVENT_SYNC_TIMEOUT");
        name(507053, "ACL_ERROR_RT_DEVICE_MEM_ERROR");

        name(161001, "ACLNN_ERR_PARAM_NULLPTR");
        name(161002, "ACLNN_ERR_PARAM_INVALID");
        name(361001, "ACLNN_ERR_RUNTIME_ERROR");
        name(561000, "ACLNN_ERR_INNER");
        name(561001, "ACLNN_ERR_INNER_INFERSHAPE_ERROR");
        name(561002, "ACLNN_ERR_INNER_TILING_ERROR");
        name(561003, "ACLNN_ERR_INNER_FIND_KERNEL_ERROR");
        name(561101, "ACLNN_ERR_INNER_CREATE_EXECUTOR");
        name(561102, "ACLNN_ERR_INNER_NOT_TRANS_EXECUTOR");
        name(561103, "ACLNN_ERR_INNER_NULLPTR");
        name(561107, "ACLNN_ERR_INNER_OPP_PATH_NOT_FOUND");
        name(561112, "ACLNN_ERR_INNER_OPP_KERNEL_PKG_NOT_FOUND");
    }

    private AclErrors() {
    }

    private static void name(int code, String name) {
        NAMES.put(code, name);
    }

    /** The symbolic name of {@code code}, or {@code UNKNOWN_<code>}. */
    static String name(int code) {
        return code == 0 ? "ACL_SUCCESS" : NAMES.getOrDefault(code, "UNKNOWN_" + code);
    }

    static int knownCodes() {
        return NAMES.size();
    }

    /**
     * How xpu4j classifies a native code returned by {@code function}. Only answers that say the
     * device itself is gone or broken count as {@link ErrorCode#DEVICE_LOST} (no device, driver
     * failure, runtime internal error, device memory error), and only from runtime calls; a
     * kernel fault ({@code ACL_ERROR_RT_AICORE_EXCEPTION}, reported at the next synchronize)
     * fails the work that caused it and leaves the device usable.
     */
    static final int ACLNN_ERR_RUNTIME_ERROR = 361001;

    static ErrorCode classify(int code, String function) {
        boolean runtimeCall = function != null && function.startsWith("acl") && !function.startsWith("aclnn");
        return switch (code) {
            case 200000, 207001, 207018 -> ErrorCode.OUT_OF_MEMORY;
            case 207004, 500004, 507000, 507053 -> runtimeCall ? ErrorCode.DEVICE_LOST : ErrorCode.NATIVE_ERROR;
            case 100026, 161002 -> ErrorCode.INVALID_ARGUMENT;
            default -> ErrorCode.NATIVE_ERROR;
        };
    }

    /**
     * The exception for a failed call: the code and its name, the function, the device, and
     * the runtime's own text ({@code aclGetRecentErrMsg}, read by the caller right after the failure).
     */
    static XpuException failure(int code, String function, String device, String recentMessage, String context) {
        return failure(code, classify(code, function), function, device, recentMessage, context);
    }

    /** As above, with the classification decided by the caller. */
    static XpuException failure(int code, ErrorCode as, String function, String device, String recentMessage,
                                String context) {
        String msg = function + " returned " + code + " " + name(code) + " on " + device
                + (context == null || context.isEmpty() ? "" : " (" + context + ")");
        return new XpuException(as, msg, "cann", (long) code,
                recentMessage == null || recentMessage.isBlank() ? null : recentMessage, null);
    }
}
