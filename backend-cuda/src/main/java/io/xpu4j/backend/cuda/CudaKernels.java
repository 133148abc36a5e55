package io.xpu4j.backend.cuda;

import io.xpu4j.api.KernelRegistry;

/**
 * Every CUDA op. Op to implementation (kernels in native/cuda):
 * <pre>
 * fill copy cast                              ElementwiseOps  xpu_fill xpu_copy xpu_cast (+ cuMemcpyDtoDAsync)
 * add sub mul div maximum minimum pow         ElementwiseOps  xpu_binary
 * eq ne lt le gt ge, where                    ElementwiseOps  xpu_compare xpu_where
 * neg abs relu exp log sqrt rsqrt tanh erf
 *   sigmoid silu gelu                         ElementwiseOps  xpu_unary
 * sum max min mean, argmax                    ReduceOps       xpu_reduce xpu_argmax
 * softmax log_softmax layer_norm rms_norm     RowOps          xpu_softmax xpu_layer_norm xpu_rms_norm
 * rope embedding attention                    ModelOps        xpu_rope xpu_embedding xpu_attention
 * matmul                                      MatmulOp        cublasGemmEx / cublasGemmStridedBatchedEx
 * </pre>
 */
final class CudaKernels {
    private CudaKernels() {
    }

    static void registerAll(KernelRegistry r) {
        ElementwiseOps.register(r);
        ReduceOps.register(r);
        RowOps.register(r);
        ModelOps.register(r);
        MatmulOp.register(r);
    }
}
