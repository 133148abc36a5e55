/*
 * Phase-1 prototypes of the aclnn operators exported by libopapi.so. Every operator also
 * exports phase 2: aclnnStatus aclnnXxx(void *workspace, uint64_t workspaceSize,
 * aclOpExecutor *executor, aclrtStream stream). Parameter lists follow the public aclnn
 * signatures (see the project's operator list).
 */
#ifndef XPU4J_ACLNN_OPS_H
#define XPU4J_ACLNN_OPS_H

#include "acl_abi.h"

#define ACLNN_WS uint64_t *workspaceSize, aclOpExecutor **executor
#define ACLNN_PHASE2(NAME)                                                                                        \
    ACL_API aclnnStatus NAME(void *workspace, uint64_t workspaceSize, aclOpExecutor *executor, aclrtStream stream)
#define ACLNN_UNARY(NAME)                                                                                         \
    ACL_API aclnnStatus NAME##GetWorkspaceSize(const aclTensor *self, aclTensor *out, ACLNN_WS);                  \
    ACLNN_PHASE2(NAME)
#define ACLNN_BINARY(NAME)                                                                                        \
    ACL_API aclnnStatus NAME##GetWorkspaceSize(const aclTensor *self, const aclTensor *other, aclTensor *out,     \
                                               ACLNN_WS);                                                         \
    ACLNN_PHASE2(NAME)
#define ACLNN_MATMUL(NAME)                                                                                        \
    ACL_API aclnnStatus NAME##GetWorkspaceSize(const aclTensor *self, const aclTensor *mat2, aclTensor *out,      \
                                               int8_t cubeMathType, ACLNN_WS);                                    \
    ACLNN_PHASE2(NAME)

ACL_API aclnnStatus aclnnAddGetWorkspaceSize(const aclTensor *self, const aclTensor *other, const aclScalar *alpha,
                                             aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnAdd);
ACL_API aclnnStatus aclnnSubGetWorkspaceSize(const aclTensor *self, const aclTensor *other, const aclScalar *alpha,
                                             aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnSub);
ACL_API aclnnStatus aclnnAddsGetWorkspaceSize(const aclTensor *self, const aclScalar *other, const aclScalar *alpha,
                                              aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnAdds);
ACL_API aclnnStatus aclnnMulsGetWorkspaceSize(const aclTensor *self, const aclScalar *other, aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnMuls);
ACLNN_BINARY(aclnnMul);
ACLNN_BINARY(aclnnDiv);
ACLNN_BINARY(aclnnMaximum);
ACLNN_BINARY(aclnnMinimum);
ACLNN_BINARY(aclnnPowTensorTensor);
ACLNN_BINARY(aclnnEqTensor);
ACLNN_BINARY(aclnnNeTensor);
ACLNN_BINARY(aclnnLtTensor);
ACLNN_BINARY(aclnnLeTensor);
ACLNN_BINARY(aclnnGtTensor);
ACLNN_BINARY(aclnnGeTensor);
ACL_API aclnnStatus aclnnSWhereGetWorkspaceSize(const aclTensor *condition, const aclTensor *self,
                                                const aclTensor *other, aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnSWhere);
ACLNN_UNARY(aclnnExp);
ACLNN_UNARY(aclnnNeg);
ACLNN_UNARY(aclnnSqrt);
ACLNN_UNARY(aclnnRsqrt);
ACLNN_UNARY(aclnnAbs);
ACLNN_UNARY(aclnnLog);
ACLNN_UNARY(aclnnTanh);
ACLNN_UNARY(aclnnErf);
ACLNN_UNARY(aclnnSigmoid);
ACLNN_UNARY(aclnnGelu);
ACLNN_UNARY(aclnnSilu);
ACLNN_UNARY(aclnnRelu);
ACL_API aclnnStatus aclnnGeluV2GetWorkspaceSize(const aclTensor *x, int64_t approximate, aclTensor *y, ACLNN_WS);
ACLNN_PHASE2(aclnnGeluV2);
ACL_API aclnnStatus aclnnCastGetWorkspaceSize(const aclTensor *self, const aclDataType dtype, aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnCast);
ACL_API aclnnStatus aclnnInplaceCopyGetWorkspaceSize(aclTensor *selfRef, const aclTensor *src, ACLNN_WS);
ACLNN_PHASE2(aclnnInplaceCopy);
ACL_API aclnnStatus aclnnInplaceFillScalarGetWorkspaceSize(aclTensor *selfRef, const aclScalar *value, ACLNN_WS);
ACLNN_PHASE2(aclnnInplaceFillScalar);
ACL_API aclnnStatus aclnnPermuteGetWorkspaceSize(const aclTensor *self, const aclIntArray *dims, aclTensor *out,
                                                 ACLNN_WS);
ACLNN_PHASE2(aclnnPermute);
ACL_API aclnnStatus aclnnEmbeddingGetWorkspaceSize(const aclTensor *weight, const aclTensor *indices,
                                                   const aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnEmbedding);
ACL_API aclnnStatus aclnnReduceSumGetWorkspaceSize(const aclTensor *self, const aclIntArray *dims, bool keepDims,
                                                   aclDataType dtype, aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnReduceSum);
ACL_API aclnnStatus aclnnMeanGetWorkspaceSize(const aclTensor *self, const aclIntArray *dim, bool keepDim,
                                              aclDataType dtype, aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnMean);
ACL_API aclnnStatus aclnnAmaxGetWorkspaceSize(const aclTensor *self, const aclIntArray *dim, bool keepDim,
                                              aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnAmax);
ACL_API aclnnStatus aclnnAminGetWorkspaceSize(const aclTensor *self, const aclIntArray *dim, bool keepDim,
                                              aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnAmin);
ACL_API aclnnStatus aclnnArgMaxGetWorkspaceSize(const aclTensor *self, int64_t dim, bool keepdim, aclTensor *out,
                                                ACLNN_WS);
ACLNN_PHASE2(aclnnArgMax);
ACLNN_MATMUL(aclnnMatmul);
ACLNN_MATMUL(aclnnMm);
ACLNN_MATMUL(aclnnBatchMatMul);
ACL_API aclnnStatus aclnnSoftmaxGetWorkspaceSize(const aclTensor *self, int64_t dim, aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnSoftmax);
ACL_API aclnnStatus aclnnLogSoftmaxGetWorkspaceSize(const aclTensor *self, int64_t dim, aclTensor *out, ACLNN_WS);
ACLNN_PHASE2(aclnnLogSoftmax);
ACL_API aclnnStatus aclnnRmsNormGetWorkspaceSize(const aclTensor *x, const aclTensor *gamma, double epsilon,
                                                 const aclTensor *yOut, const aclTensor *rstdOut, ACLNN_WS);
ACLNN_PHASE2(aclnnRmsNorm);
ACL_API aclnnStatus aclnnLayerNormGetWorkspaceSize(const aclTensor *input, const aclIntArray *normalizedShape,
                                                   const aclTensor *weightOptional, const aclTensor *biasOptional,
                                                   double eps, aclTensor *out, aclTensor *meanOutOptional,
                                                   aclTensor *rstdOutOptional, ACLNN_WS);
ACLNN_PHASE2(aclnnLayerNorm);

#undef ACLNN_UNARY
#undef ACLNN_BINARY
#undef ACLNN_MATMUL

#endif
