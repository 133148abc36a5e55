package io.xpu4j.conformance;

/** The conformance suite on the cuda backend (reported as skipped, with the reason, where it cannot run). */
class CudaConformanceTest extends ConformanceSuite {
    @Override
    protected String backendId() {
        return "cuda";
    }
}
