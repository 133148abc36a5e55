package io.xpu4j.backend.cpu;

import io.xpu4j.api.KernelRegistry;

final class SoftmaxKernels {
    private SoftmaxKernels() {
    }

    static void register(KernelRegistry r) {
    }
}
