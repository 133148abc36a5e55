package io.xpu4j.models.embed;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.util.Locale;

/** How token vectors become one sentence vector. */
public enum Pooling {
    /** The mean of the token vectors, padding left out (sentence-transformers' default; all-MiniLM-L6-v2). */
    MEAN,
    /** The vector of the first token, [CLS] (the BGE models). */
    CLS;

    /** {@code mean} or {@code cls}, any case. */
    public static Pooling parse(String s) {
        for (Pooling p : values()) {
            if (p.name().equalsIgnoreCase(s == null ? "" : s.strip())) {
                return p;
            }
        }
        throw new XpuException(ErrorCode.INVALID_ARGUMENT, "unknown pooling '" + s + "'; allowed: mean, cls");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
