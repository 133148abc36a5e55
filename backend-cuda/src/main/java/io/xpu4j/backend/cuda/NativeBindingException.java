package io.xpu4j.backend.cuda;

/** A library or symbol could not be found; its message becomes the backend's unavailability reason. */
final class NativeBindingException extends Exception {
    private static final long serialVersionUID = 1L;

    NativeBindingException(String message) {
        super(message);
    }
}
