package io.xpu4j.cli;

import java.util.Locale;

/** Byte counts for people: {@code 1.5 MiB}. */
final class Sizes {
    private Sizes() {
    }

    static String bytes(long n) {
        if (n < 0) {
            return "unknown";
        }
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Human-readable, with the exact count where it is not already exact. */
    static String bytesExact(long n) {
        return n < 1024 ? bytes(n) : bytes(n) + " (" + n + " bytes)";
    }
}
