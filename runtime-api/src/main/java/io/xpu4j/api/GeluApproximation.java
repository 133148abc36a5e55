package io.xpu4j.api;

/** Which GELU formula {@link Ops#gelu(Tensor, GeluApproximation)} computes. */
public enum GeluApproximation {
    /** x·Φ(x) = 0.5·x·(1 + erf(x/√2)): the exact form (BERT, ONNX Gelu default). */
    NONE,
    /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): the tanh approximation (GPT-2). */
    TANH
}
