package io.xpu4j.conformance;

/** The conformance suite on the cpu backend (reported as skipped, with the reason, where it cannot run). */
class CpuConformanceTest extends ConformanceSuite {
    @Override
    protected String backendId() {
        return "cpu";
    }
}
