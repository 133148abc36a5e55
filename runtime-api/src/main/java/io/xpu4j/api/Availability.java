package io.xpu4j.api;

import java.util.Objects;

/**
 * Whether a backend can run on this machine, and if not, why (library not found, no device,
 * driver too old). Produced by a probe that never throws.
 */
public record Availability(boolean available, String reason) {
    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    public static Availability yes(String detail) {
        return new Availability(true, detail);
    }

    public static Availability no(String reason) {
        return new Availability(false, reason);
    }

    @Override
    public String toString() {
        return (available ? "available" : "unavailable") + (reason.isEmpty() ? "" : " (" + reason + ")");
    }
}
