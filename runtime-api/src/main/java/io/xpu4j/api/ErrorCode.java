package io.xpu4j.api;

/** What kind of failure an {@link XpuException} reports. */
public enum ErrorCode {
    /** An argument is malformed: bad axis, bad value, bad attribute. */
    INVALID_ARGUMENT,
    /** Tensor shapes do not fit the operation. */
    SHAPE_MISMATCH,
    /** Tensor dtypes do not fit the operation, or the op does not support the dtype. */
    DTYPE_MISMATCH,
    /** Tensors from different devices were given to one operation. */
    DEVICE_MISMATCH,
    /** A closed tensor, scope or runtime was used. */
    CLOSED,
    /** An allocation failed or would exceed the configured memory limit. */
    OUT_OF_MEMORY,
    /** No kernel exists for the op on the device's backend and the fallback policy is {@code error}. */
    UNSUPPORTED_OP,
    /** The requested backend cannot run on this machine. */
    BACKEND_UNAVAILABLE,
    /** Configuration is invalid: unknown key, bad value, unreadable file. */
    CONFIG,
    /** A native library call failed. */
    NATIVE_ERROR,
    /** The device stopped responding or was lost. */
    DEVICE_LOST,
    /** A bug inside xpu4j: an invariant did not hold. */
    INTERNAL
}
