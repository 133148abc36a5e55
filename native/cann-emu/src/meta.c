/* The aclnn meta API: tensor/scalar/array/list descriptors and executor handling.
 * Descriptors are host objects; creation copies every caller array. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

#include <stdarg.h>

static int meta_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int meta_fail(int code, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    xpu4jEmuInternalApi()->set_msg(buf);
    return code;
}

static int64_t *dup_i64(const int64_t *v, uint64_t n) {
    int64_t *p = malloc((n ? n : 1) * sizeof *p);
    if (p && n) memcpy(p, v, n * sizeof *p);
    return p;
}

ACL_API aclTensor *aclCreateTensor(const int64_t *viewDims, uint64_t viewDimsNum, aclDataType dataType,
                                   const int64_t *stride, int64_t offset, aclFormat format,
                                   const int64_t *storageDims, uint64_t storageDimsNum, void *tensorData) {
    if ((viewDims == NULL && viewDimsNum != 0) || (storageDims == NULL && storageDimsNum != 0)) return NULL;
    /* no rank limit here (phase 1 checks it); only counts whose arrays cannot be allocated fail */
    if (viewDimsNum > SIZE_MAX / 2 / sizeof(int64_t) || storageDimsNum > SIZE_MAX / 2 / sizeof(int64_t)) return NULL;
    aclTensor *t = calloc(1, sizeof *t);
    if (t == NULL) return NULL;
    t->magic = EMU_TENSOR_MAGIC;
    t->dtype = dataType;
    t->format = format;
    t->rank = viewDimsNum;
    t->dims = dup_i64(viewDims, viewDimsNum);
    t->strides = malloc((viewDimsNum ? viewDimsNum : 1) * sizeof(int64_t));
    t->storage_rank = storageDimsNum;
    t->storage_dims = dup_i64(storageDims, storageDimsNum);
    if (t->dims == NULL || t->strides == NULL || t->storage_dims == NULL) {
        free(t->dims);
        free(t->strides);
        free(t->storage_dims);
        free(t);
        return NULL;
    }
    if (stride != NULL) {
        if (viewDimsNum) memcpy(t->strides, stride, viewDimsNum * sizeof(int64_t));
    } else { /* no strides: row-major contiguous */
        int64_t s = 1;
        for (uint64_t i = viewDimsNum; i-- > 0;) {
            t->strides[i] = s;
            s *= viewDims[i] > 0 ? viewDims[i] : 1;
        }
    }
    t->offset = offset;
    t->data = tensorData;
    return t;
}

/* The value is copied (the caller's variable may go away). Every dtype with a whole-byte element
 * of at most 16 bytes is stored; which dtypes an op accepts is checked in its phase 1. */
ACL_API aclScalar *aclCreateScalar(void *value, aclDataType dataType) {
    if (value == NULL) return NULL;
    size_t size = aclDataTypeSize(dataType);
    if (size == 0 || size > sizeof ((aclScalar *)0)->bytes) return NULL;
    aclScalar *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    s->magic = EMU_SCALAR_MAGIC;
    s->dtype = dataType;
    memcpy(s->bytes, value, size);
    return s;
}

ACL_API aclIntArray *aclCreateIntArray(const int64_t *value, uint64_t size) {
    if (value == NULL && size != 0) return NULL;
    aclIntArray *a = calloc(1, sizeof *a);
    if (a == NULL) return NULL;
    a->size = size;
    a->values = dup_i64(value, size);
    if (a->values == NULL) {
        free(a);
        return NULL;
    }
    return a;
}

ACL_API aclFloatArray *aclCreateFloatArray(const float *value, uint64_t size) {
    if (value == NULL && size != 0) return NULL;
    aclFloatArray *a = calloc(1, sizeof *a);
    if (a == NULL) return NULL;
    a->size = size;
    a->values = malloc((size ? size : 1) * sizeof(float));
    if (a->values == NULL) {
        free(a);
        return NULL;
    }
    if (size) memcpy(a->values, value, size * sizeof(float));
    return a;
}

ACL_API aclBoolArray *aclCreateBoolArray(const bool *value, uint64_t size) {
    if (value == NULL && size != 0) return NULL;
    aclBoolArray *a = calloc(1, sizeof *a);
    if (a == NULL) return NULL;
    a->size = size;
    a->values = malloc((size ? size : 1) * sizeof(bool));
    if (a->values == NULL) {
        free(a);
        return NULL;
    }
    if (size) memcpy(a->values, value, size * sizeof(bool));
    return a;
}

ACL_API aclTensorList *aclCreateTensorList(const aclTensor *const *value, uint64_t size) {
    if (value == NULL && size != 0) return NULL;
    aclTensorList *l = calloc(1, sizeof *l);
    if (l == NULL) return NULL;
    l->size = size;
    l->items = malloc((size ? size : 1) * sizeof(aclTensor *));
    if (l->items == NULL) {
        free(l);
        return NULL;
    }
    if (size) memcpy(l->items, value, size * sizeof(aclTensor *));
    return l;
}

ACL_API aclScalarList *aclCreateScalarList(const aclScalar *const *value, uint64_t size) {
    if (value == NULL && size != 0) return NULL;
    aclScalarList *l = calloc(1, sizeof *l);
    if (l == NULL) return NULL;
    l->size = size;
    l->items = malloc((size ? size : 1) * sizeof(aclScalar *));
    if (l->items == NULL) {
        free(l);
        return NULL;
    }
    if (size) memcpy(l->items, value, size * sizeof(aclScalar *));
    return l;
}

ACL_API aclnnStatus aclDestroyTensor(const aclTensor *tensor) {
    if (tensor == NULL) return ACLNN_SUCCESS;
    aclTensor *t = (aclTensor *)tensor;
    if (t->magic != EMU_TENSOR_MAGIC)
        return meta_fail(ACLNN_ERR_PARAM_INVALID, "aclDestroyTensor: not a live aclTensor (destroyed twice?)");
    t->magic = 0;
    free(t->dims);
    free(t->strides);
    free(t->storage_dims);
    free(t);
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclDestroyScalar(const aclScalar *scalar) {
    if (scalar == NULL) return ACLNN_SUCCESS;
    aclScalar *s = (aclScalar *)scalar;
    if (s->magic != EMU_SCALAR_MAGIC)
        return meta_fail(ACLNN_ERR_PARAM_INVALID, "aclDestroyScalar: not a live aclScalar (destroyed twice?)");
    s->magic = 0;
    free(s);
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclDestroyIntArray(const aclIntArray *array) {
    if (array) {
        free(array->values);
        free((void *)array);
    }
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclDestroyFloatArray(const aclFloatArray *array) {
    if (array) {
        free(array->values);
        free((void *)array);
    }
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclDestroyBoolArray(const aclBoolArray *array) {
    if (array) {
        free(array->values);
        free((void *)array);
    }
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclDestroyTensorList(const aclTensorList *array) {
    if (array == NULL) return ACLNN_SUCCESS;
    for (uint64_t i = 0; i < array->size; i++) aclDestroyTensor(array->items[i]); /* the list owns its members */
    free(array->items);
    free((void *)array);
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclDestroyScalarList(const aclScalarList *array) {
    if (array == NULL) return ACLNN_SUCCESS;
    for (uint64_t i = 0; i < array->size; i++) aclDestroyScalar(array->items[i]);
    free(array->items);
    free((void *)array);
    return ACLNN_SUCCESS;
}

static int check_tensor_arg(const char *fn, const aclTensor *t, const void *out) {
    if (t == NULL || out == NULL) return meta_fail(ACLNN_ERR_PARAM_NULLPTR, "%s: a required argument is null", fn);
    if (t->magic != EMU_TENSOR_MAGIC) return meta_fail(ACLNN_ERR_PARAM_INVALID, "%s: not a live aclTensor", fn);
    return ACLNN_SUCCESS;
}

static aclnnStatus copy_out(const char *fn, const aclTensor *t, const int64_t *src, uint64_t n, int64_t **out,
                            uint64_t *num) {
    int rc = check_tensor_arg(fn, t, out);
    if (rc) return rc;
    if (num == NULL) return meta_fail(ACLNN_ERR_PARAM_NULLPTR, "%s: a required argument is null", fn);
    *out = dup_i64(src, n); /* caller-owned */
    if (*out == NULL) return meta_fail(ACLNN_ERR_INNER_NULLPTR, "%s: out of host memory", fn);
    *num = n;
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclGetViewShape(const aclTensor *tensor, int64_t **viewDims, uint64_t *viewDimsNum) {
    return copy_out("aclGetViewShape", tensor, tensor ? tensor->dims : NULL, tensor ? tensor->rank : 0, viewDims,
                    viewDimsNum);
}

ACL_API aclnnStatus aclGetStorageShape(const aclTensor *tensor, int64_t **storageDims, uint64_t *storageDimsNum) {
    return copy_out("aclGetStorageShape", tensor, tensor ? tensor->storage_dims : NULL,
                    tensor ? tensor->storage_rank : 0, storageDims, storageDimsNum);
}

ACL_API aclnnStatus aclGetViewStrides(const aclTensor *tensor, int64_t **stridesValue, uint64_t *stridesNum) {
    return copy_out("aclGetViewStrides", tensor, tensor ? tensor->strides : NULL, tensor ? tensor->rank : 0,
                    stridesValue, stridesNum);
}

ACL_API aclnnStatus aclGetViewOffset(const aclTensor *tensor, int64_t *offset) {
    int rc = check_tensor_arg("aclGetViewOffset", tensor, offset);
    if (rc) return rc;
    *offset = tensor->offset;
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclGetFormat(const aclTensor *tensor, aclFormat *format) {
    int rc = check_tensor_arg("aclGetFormat", tensor, format);
    if (rc) return rc;
    *format = tensor->format;
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclGetDataType(const aclTensor *tensor, aclDataType *dataType) {
    int rc = check_tensor_arg("aclGetDataType", tensor, dataType);
    if (rc) return rc;
    *dataType = tensor->dtype;
    return ACLNN_SUCCESS;
}

#define SIZE_GETTER(NAME, TYPE)                                                                                   \
    ACL_API aclnnStatus NAME(const TYPE *array, uint64_t *size) {                                                 \
        if (array == NULL || size == NULL)                                                                        \
            return meta_fail(ACLNN_ERR_PARAM_NULLPTR, "%s: a required argument is null", #NAME);                  \
        *size = array->size;                                                                                      \
        return ACLNN_SUCCESS;                                                                                     \
    }
SIZE_GETTER(aclGetIntArraySize, aclIntArray)
SIZE_GETTER(aclGetFloatArraySize, aclFloatArray)
SIZE_GETTER(aclGetBoolArraySize, aclBoolArray)
SIZE_GETTER(aclGetTensorListSize, aclTensorList)

static int check_executor(const char *fn, const aclOpExecutor *ex) {
    if (ex == NULL) return meta_fail(ACLNN_ERR_INNER_NULLPTR, "%s: executor is null", fn);
    int st = xpu4jEmuInternalApi()->exec_state(ex);
    if (st == EMU_EXEC_RETIRED)
        return meta_fail(ACLNN_ERR_PARAM_INVALID,
                         "%s: executor was already consumed by its phase-2 call or destroyed", fn);
    if (st != EMU_EXEC_LIVE) return meta_fail(ACLNN_ERR_PARAM_INVALID, "%s: not an executor returned by a phase-1 call", fn);
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclSetAclOpExecutorRepeatable(aclOpExecutor *executor) {
    int rc = check_executor("aclSetAclOpExecutorRepeatable", executor);
    if (rc) return rc;
    executor->repeatable = 1;
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclDestroyAclOpExecutor(aclOpExecutor *executor) {
    int rc = check_executor("aclDestroyAclOpExecutor", executor);
    if (rc) return rc;
    xpu4jEmuInternalApi()->exec_retire(executor);
    return ACLNN_SUCCESS;
}

static aclnnStatus set_addr(const char *fn, aclOpExecutor *ex, size_t index, aclTensor *tensor, void *addr, int out) {
    int rc = check_executor(fn, ex);
    if (rc) return rc;
    size_t n = out ? (size_t)ex->n_out : (size_t)ex->n_in;
    size_t slot = out ? (size_t)ex->n_in + index : index;
    if (index >= n || !ex->t[slot].present)
        return meta_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s index %zu is out of range (executor of %s has %zu)", fn,
                         out ? "output" : "input", index, ex->op, n);
    ex->t[slot].data = addr;
    if (tensor && tensor->magic == EMU_TENSOR_MAGIC) tensor->data = addr;
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclSetInputTensorAddr(aclOpExecutor *executor, size_t index, aclTensor *tensor, void *addr) {
    return set_addr("aclSetInputTensorAddr", executor, index, tensor, addr, 0);
}

ACL_API aclnnStatus aclSetOutputTensorAddr(aclOpExecutor *executor, size_t index, aclTensor *tensor, void *addr) {
    return set_addr("aclSetOutputTensorAddr", executor, index, tensor, addr, 1);
}

ACL_API aclnnStatus aclnnInit(const char *configPath) {
    (void)configPath;
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclnnFinalize(void) { return ACLNN_SUCCESS; }
