package io.xpu4j.backend.cpu;

import io.xpu4j.api.KernelRegistry;

/**
 * Where every CPU op lives. Op name to implementing class:
 * <pre>
 * fill, copy                                   CopyKernels
 * cast                                         CastKernels
  * add sub mul div maximum minimum pow                ElementwiseKernels (binary)
 * eq ne lt le gt ge, where                     ElementwiseKernels (compare, select)
 * neg abs exp log sqrt rsqrt tanh erf
 *   sigmoid relu gelu silu                     ElementwiseKernels (unary)
 * sum mean max min argmax                      ReduceKernels
 * matmul                                       MatmulKernel (on Gemm)
 * softmax log_softmax                          SoftmaxKernels
 * layer_norm rms_norm                          NormKernels
 * embedding                                    EmbeddingKernel
 * rope                                         RopeKernel
 * attention                                    AttentionKernel
 * </pre>
 */
final class CpuKernels {
    private CpuKernels() {
    }

    static void registerAll(KernelRegistry r) {
        CopyKernels.register(r);
        CastKernels.register(r);
        ElementwiseKernels.register(r);
        ReduceKernels.register(r);
        MatmulKernel.register(r);
        SoftmaxKernels.register(r);
        NormKernels.register(r);
        EmbeddingKernel.register(r);
        RopeKernel.register(r);
        AttentionKernel.register(r);
    }
}
