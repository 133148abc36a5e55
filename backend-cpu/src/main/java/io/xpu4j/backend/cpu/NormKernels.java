package io.xpu4j.backend.cpu;

import io.xpu4j.api.KernelRegistry;

final class NormKernels {
    private NormKernels() {
    }

    static void register(KernelRegistry r) {
    }
}
