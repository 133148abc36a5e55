package io.xpu4j.api;

import java.util.Objects;

/**
 * Where one effective {@link Config} value came from, so that a user who wonders why a setting
 * is in force can find the place that set it.
 *
 * @param kind   the kind of source
 * @param detail the file path ({@code ./xpu4j.yaml}), environment variable ({@code XPU4J_BACKEND})
 *               or system property ({@code -Dxpu4j.backend}); {@code null} for {@link Kind#DEFAULT}
 *               and usually for {@link Kind#CODE}
 */
public record ConfigSource(Kind kind, String detail) {

    /** The kinds of source, from lowest to highest precedence. */
    public enum Kind { DEFAULT, FILE, ENVIRONMENT, SYSTEM_PROPERTY, CODE }

    static final ConfigSource DEFAULT = new ConfigSource(Kind.DEFAULT, null);
    static final ConfigSource CODE = new ConfigSource(Kind.CODE, null);

    public ConfigSource {
        Objects.requireNonNull(kind, "kind");
    }

    static ConfigSource file(String path) {
        return new ConfigSource(Kind.FILE, path);
    }

    static ConfigSource env(String name) {
        return new ConfigSource(Kind.ENVIRONMENT, name);
    }

    static ConfigSource property(String name) {
        return new ConfigSource(Kind.SYSTEM_PROPERTY, "-D" + name);
    }

    /** The prefix of error messages about a value from this source. */
    String where() {
        // "file x.yaml: unknown key" reads as if the file were unknown; say what the file is.
        return kind == Kind.FILE ? "config " + this : toString();
    }

    @Override
    public String toString() {
        String label = switch (kind) {
            case DEFAULT -> "default";
            case FILE -> "file";
            case ENVIRONMENT -> "env";
            case SYSTEM_PROPERTY -> "system property";
            case CODE -> "code";
        };
        return detail == null ? label : label + " " + detail;
    }
}
