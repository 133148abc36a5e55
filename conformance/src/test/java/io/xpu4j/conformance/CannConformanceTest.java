package io.xpu4j.conformance;

/** The conformance suite on the cann backend (reported as skipped, with the reason, where it cannot run). */
class CannConformanceTest extends ConformanceSuite {
    @Override
    protected String backendId() {
        return "cann";
    }
}
