package io.xpu4j.backend.cann;

import io.xpu4j.api.Availability;
import org.junit.jupiter.api.Assumptions;

/** Skips a test, printing the probe's reason, where the cann backend cannot run. */
final class CannAssume {
    private CannAssume() {
    }

    static AclRuntime available() {
        Availability a = new CannBackend().availability();
        if (!a.available()) {
            System.out.println("[cann] skipped: backend cann unavailable: " + a.reason());
        }
        Assumptions.assumeTrue(a.available(), () -> "backend cann unavailable: " + a.reason());
        return AclRuntime.shared();
    }

    /** Fault injection needs the emulator's test hooks. */
    static AclRuntime emulator() {
        AclRuntime rt = available();
        Assumptions.assumeTrue(rt.emulatorLiveBytes(0) >= 0,
                "the loaded AscendCL has no xpu4jEmu* test hooks (real CANN); fault injection needs the emulator");
        return rt;
    }
}
