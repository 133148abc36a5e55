package io.xpu4j.api;

/**
 * The one exception type xpu4j throws. It carries a {@link ErrorCode}, the backend involved
 * (if any), and, for failures of a native call, the native error code and the native message
 * (for example the text of {@code cuGetErrorString} or {@code aclGetRecentErrMsg}).
 */
public class XpuException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String backend;
    private final Long nativeCode;
    private final String nativeMessage;

    public XpuException(ErrorCode code, String message) {
        this(code, message, null, null, null, null);
    }

    public XpuException(ErrorCode code, String message, Throwable cause) {
        this(code, message, null, null, null, cause);
    }

    public XpuException(ErrorCode code, String message, String backend, Long nativeCode,
                        String nativeMessage, Throwable cause) {
        super(compose(code, message, backend, nativeCode, nativeMessage), cause);
        this.code = code;
        this.backend = backend;
        this.nativeCode = nativeCode;
        this.nativeMessage = nativeMessage;
    }

    private static String compose(ErrorCode code, String message, String backend, Long nativeCode,
                                  String nativeMessage) {
        StringBuilder sb = new StringBuilder();
        sb.append('[').append(code);
        if (backend != null) {
            sb.append(", ").append(backend);
        }
        sb.append("] ").append(message);
        if (nativeCode != null) {
            sb.append(" (native code ").append(nativeCode);
            if (nativeMessage != null && !nativeMessage.isBlank()) {
                sb.append(": ").append(nativeMessage.strip());
            }
            sb.append(')');
        }
        return sb.toString();
    }

    public ErrorCode code() {
        return code;
    }

    /** The backend id ({@code cpu}, {@code cuda}, {@code cann}) or {@code null}. */
    public String backend() {
        return backend;
    }

    /** The native error code, or {@code null} when the failure did not come from a native call. */
    public Long nativeCode() {
        return nativeCode;
    }

    /** The native library's own description of the failure, or {@code null}. */
    public String nativeMessage() {
        return nativeMessage;
    }
}
