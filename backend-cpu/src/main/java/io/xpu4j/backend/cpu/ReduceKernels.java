package io.xpu4j.backend.cpu;

import io.xpu4j.api.KernelRegistry;

final class ReduceKernels {
    private ReduceKernels() {
    }

    static void register(KernelRegistry r) {
    }
}
