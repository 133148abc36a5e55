package io.xpu4j.benchmarks;

import io.xpu4j.api.BackendStatus;
import io.xpu4j.api.Runtime;

/**
 * Prints one line per backend xpu4j knows ({@code id: available|unavailable (reason)}) and exits
 * 0 when the backend named by the first argument is available, 3 when it is not: the GPU check
 * script decides with it whether the device benchmarks can run, and prints the reason when not.
 */
public final class BackendProbe {
    private BackendProbe() {
    }

    public static void main(String[] args) {
        String wanted = args.length > 0 ? args[0] : "cuda";
        boolean available = false;
        for (BackendStatus s : Runtime.backends()) {
            System.out.println(s.id() + ": " + s.availability() + (s.devices().isEmpty() ? "" : " " + s.devices()));
            if (s.id().equals(wanted)) {
                available = s.availability().available();
            }
        }
        System.exit(available ? 0 : 3);
    }
}
