package io.xpu4j.api;

/**
 * One operator's implementation on one backend for given dtypes. The runtime has already
 * checked shapes and dtypes and allocated the outputs; the kernel only computes.
 * The per-op contract (input order, attributes, output layout) is documented on {@link Ops}
 * and in {@code docs/ops.md}.
 */
@FunctionalInterface
public interface Kernel {
    void run(KernelCall call);
}
