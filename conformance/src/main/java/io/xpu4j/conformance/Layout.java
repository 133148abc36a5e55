package io.xpu4j.conformance;

/**
 * How an input tensor is laid out in memory. Kernels may receive any strides, so every op is
 * fed views as well as fresh contiguous tensors.
 */
enum Layout {
    /** Fresh, row-major. */
    CONTIGUOUS("contiguous"),
    /** All dims reversed in storage, viewed back through a permute: no unit stride anywhere (rank ≥ 2). */
    TRANSPOSED("transposed"),
    /** Every other element of a larger last dim, starting at element 1: stride 2 and a nonzero offset. */
    STRIDED("strided"),
    /** Dim 0 stored once and expanded (stride 0), as broadcasting produces. */
    EXPANDED("expanded");

    final String label;

    Layout(String label) {
        this.label = label;
    }
}
