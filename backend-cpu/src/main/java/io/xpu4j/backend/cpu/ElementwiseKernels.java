package io.xpu4j.backend.cpu;

import io.xpu4j.api.KernelRegistry;

final class ElementwiseKernels {
    private ElementwiseKernels() {
    }

    static void register(KernelRegistry r) {
    }
}
