package io.xpu4j.backend.cpu;

import io.xpu4j.api.KernelRegistry;

final class CastKernels {
    private CastKernels() {
    }

    static void register(KernelRegistry r) {
    }
}
