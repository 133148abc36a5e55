/*
 * Declarations of the AscendCL / aclnn C ABI subset that the emulator exports.
 * Written from the project's ABI reference (names, signatures, numeric values);
 * no vendor header is used. Every enum is passed as a C int, as in the real ABI.
 */
#ifndef XPU4J_ACL_ABI_H
#define XPU4J_ACL_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACL_API __attribute__((visibility("default")))

typedef int aclError;
typedef int32_t aclnnStatus;
typedef void *aclrtStream;
typedef void *aclrtEvent;
typedef void *aclrtContext;
typedef int aclDataType;
typedef int aclFormat;
typedef int aclrtMemcpyKind;
typedef int aclrtMemMallocPolicy;
typedef int aclrtMemAttr;
typedef int aclrtRunMode;
typedef int aclrtEventStatus;
typedef int aclrtEventRecordedStatus;
typedef int aclrtStreamStatus;
typedef int aclrtLastErrLevel;
typedef int aclDeviceInfo;
typedef int aclrtDevAttr;
typedef int aclCANNPackageName;
typedef void (*aclrtHostFunc)(void *args);

typedef struct aclTensor aclTensor;
typedef struct aclScalar aclScalar;
typedef struct aclIntArray aclIntArray;
typedef struct aclFloatArray aclFloatArray;
typedef struct aclBoolArray aclBoolArray;
typedef struct aclTensorList aclTensorList;
typedef struct aclScalarList aclScalarList;
typedef struct aclOpExecutor aclOpExecutor;

typedef struct {
    char version[128];
    char majorVersion[64];
    char minorVersion[64];
    char releaseVersion[64];
    char patchVersion[64];
    char reserved[128];
} aclCANNPackageVersion;

/* aclError */
#define ACL_SUCCESS 0
#define ACL_ERROR_INVALID_PARAM 100000
#define ACL_ERROR_UNINITIALIZE 100001
#define ACL_ERROR_REPEAT_INITIALIZE 100002
#define ACL_ERROR_REPEAT_FINALIZE 100037
#define ACL_ERROR_BAD_ALLOC 200000
#define ACL_ERROR_INTERNAL_ERROR 500000
/* runtime error codes */
#define ACL_ERROR_RT_PARAM_INVALID 107000
#define ACL_ERROR_RT_INVALID_DEVICEID 107001
#define ACL_ERROR_RT_CONTEXT_NULL 107002
#define ACL_ERROR_RT_INVALID_HANDLE 107017
#define ACL_ERROR_RT_MEMORY_ALLOCATION 207001
#define ACL_ERROR_RT_MEMORY_FREE 207002
#define ACL_ERROR_RT_INTERNAL_ERROR 507000
#define ACL_ERROR_RT_EVENT_NOT_COMPLETE 507006
#define ACL_ERROR_RT_AICORE_EXCEPTION 507015
#define ACL_ERROR_RT_STREAM_SYNC_TIMEOUT 507046
#define ACL_ERROR_RT_DEVICE_MEM_ERROR 507053
/* aclnnStatus */
#define ACLNN_SUCCESS 0
#define ACLNN_ERR_PARAM_NULLPTR 161001
#define ACLNN_ERR_PARAM_INVALID 161002
#define ACLNN_ERR_RUNTIME_ERROR 361001
#define ACLNN_ERR_INNER_NULLPTR 561103

/* aclDataType */
#define ACL_DT_UNDEFINED (-1)
#define ACL_FLOAT 0
#define ACL_FLOAT16 1
#define ACL_INT8 2
#define ACL_INT32 3
#define ACL_UINT8 4
#define ACL_INT16 6
#define ACL_UINT16 7
#define ACL_UINT32 8
#define ACL_INT64 9
#define ACL_UINT64 10
#define ACL_DOUBLE 11
#define ACL_BOOL 12
#define ACL_BF16 27
#define ACL_FLOAT8_E5M2 35
#define ACL_FLOAT8_E4M3FN 36
#define ACL_STRING 13
#define ACL_COMPLEX64 16
#define ACL_COMPLEX128 17
#define ACL_INT4 29
#define ACL_UINT1 30
#define ACL_COMPLEX32 33
#define ACL_HIFLOAT8 34
#define ACL_FLOAT8_E8M0 37
#define ACL_FLOAT6_E3M2 38
#define ACL_FLOAT6_E2M3 39
#define ACL_FLOAT4_E2M1 40
#define ACL_FLOAT4_E1M2 41

/* aclrtMemcpyKind */
#define ACL_MEMCPY_HOST_TO_HOST 0
#define ACL_MEMCPY_HOST_TO_DEVICE 1
#define ACL_MEMCPY_DEVICE_TO_HOST 2
#define ACL_MEMCPY_DEVICE_TO_DEVICE 3
#define ACL_MEMCPY_DEFAULT 4
#define ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE 5
#define ACL_MEMCPY_INNER_DEVICE_TO_DEVICE 6
#define ACL_MEMCPY_INTER_DEVICE_TO_DEVICE 7

/* status enums */
#define ACL_EVENT_STATUS_COMPLETE 0
#define ACL_EVENT_STATUS_NOT_READY 1
#define ACL_EVENT_RECORDED_STATUS_NOT_READY 0
#define ACL_EVENT_RECORDED_STATUS_COMPLETE 1
#define ACL_STREAM_STATUS_COMPLETE 0
#define ACL_STREAM_STATUS_NOT_READY 1
#define ACL_HOST 1

/* aclrtSetStreamFailureMode */
#define ACL_CONTINUE_ON_FAILURE 0
#define ACL_STOP_ON_FAILURE 1
/* event flags */
#define ACL_EVENT_SYNC 0x1u
#define ACL_EVENT_TIME_LINE 0x8u

/* ---- libascendcl.so ---- */
ACL_API aclError aclInit(const char *configPath);
ACL_API size_t aclDataTypeSize(aclDataType dataType);
ACL_API aclError aclFinalize(void);
ACL_API aclError aclFinalizeReference(uint64_t *refCount);
ACL_API aclError aclrtGetVersion(int32_t *major, int32_t *minor, int32_t *patch);
ACL_API aclError aclsysGetCANNVersion(aclCANNPackageName name, aclCANNPackageVersion *version);
ACL_API const char *aclGetRecentErrMsg(void);
ACL_API const char *aclrtGetSocName(void);
ACL_API aclError aclrtPeekAtLastError(aclrtLastErrLevel level);
ACL_API aclError aclrtGetLastError(aclrtLastErrLevel level);
ACL_API aclError aclGetDeviceCapability(uint32_t deviceId, aclDeviceInfo info, int64_t *value);
ACL_API aclError aclrtSetDevice(int32_t deviceId);
ACL_API aclError aclrtResetDevice(int32_t deviceId);
ACL_API aclError aclrtResetDeviceForce(int32_t deviceId);
ACL_API aclError aclrtGetDevice(int32_t *deviceId);
ACL_API aclError aclrtGetDeviceCount(uint32_t *count);
ACL_API aclError aclrtSynchronizeDevice(void);
ACL_API aclError aclrtSynchronizeDeviceWithTimeout(int32_t timeout);
ACL_API aclError aclrtCreateContext(aclrtContext *context, int32_t deviceId);
ACL_API aclError aclrtDestroyContext(aclrtContext context);
ACL_API aclError aclrtSetCurrentContext(aclrtContext context);
ACL_API aclError aclrtGetCurrentContext(aclrtContext *context);
ACL_API aclError aclrtGetRunMode(aclrtRunMode *mode);
ACL_API aclError aclrtGetDeviceInfo(uint32_t deviceId, aclrtDevAttr attr, int64_t *value);
ACL_API aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t *free, size_t *total);
ACL_API aclError aclrtCreateStream(aclrtStream *stream);
ACL_API aclError aclrtCreateStreamWithConfig(aclrtStream *stream, uint32_t priority, uint32_t flag);
ACL_API aclError aclrtDestroyStream(aclrtStream stream);
ACL_API aclError aclrtDestroyStreamForce(aclrtStream stream);
ACL_API aclError aclrtSetStreamFailureMode(aclrtStream stream, uint64_t mode);
ACL_API aclError aclrtSynchronizeStream(aclrtStream stream);
ACL_API aclError aclrtSynchronizeStreamWithTimeout(aclrtStream stream, int32_t timeout);
ACL_API aclError aclrtStreamQuery(aclrtStream stream, aclrtStreamStatus *status);
ACL_API aclError aclrtStreamWaitEvent(aclrtStream stream, aclrtEvent event);
ACL_API aclError aclrtLaunchHostFunc(aclrtStream stream, aclrtHostFunc fn, void *args);
ACL_API aclError aclrtCreateEvent(aclrtEvent *event);
ACL_API aclError aclrtCreateEventWithFlag(aclrtEvent *event, uint32_t flag);
ACL_API aclError aclrtCreateEventExWithFlag(aclrtEvent *event, uint32_t flag);
ACL_API aclError aclrtResetEvent(aclrtEvent event, aclrtStream stream);
ACL_API aclError aclrtRecordEvent(aclrtEvent event, aclrtStream stream);
ACL_API aclError aclrtSynchronizeEvent(aclrtEvent event);
ACL_API aclError aclrtQueryEvent(aclrtEvent event, aclrtEventStatus *status);
ACL_API aclError aclrtQueryEventStatus(aclrtEvent event, aclrtEventRecordedStatus *status);
ACL_API aclError aclrtEventElapsedTime(float *ms, aclrtEvent startEvent, aclrtEvent endEvent);
ACL_API aclError aclrtDestroyEvent(aclrtEvent event);
ACL_API aclError aclrtMalloc(void **devPtr, size_t size, aclrtMemMallocPolicy policy);
ACL_API aclError aclrtMallocAlign32(void **devPtr, size_t size, aclrtMemMallocPolicy policy);
ACL_API aclError aclrtMallocCached(void **devPtr, size_t size, aclrtMemMallocPolicy policy);
ACL_API aclError aclrtFree(void *devPtr);
ACL_API aclError aclrtFreeWithDevSync(void *devPtr);
ACL_API aclError aclrtMallocHost(void **hostPtr, size_t size);
ACL_API aclError aclrtFreeHost(void *hostPtr);
ACL_API aclError aclrtMemcpy(void *dst, size_t destMax, const void *src, size_t count, aclrtMemcpyKind kind);
ACL_API aclError aclrtMemcpyAsync(void *dst, size_t destMax, const void *src, size_t count,
                                  aclrtMemcpyKind kind, aclrtStream stream);
ACL_API aclError aclrtMemset(void *devPtr, size_t maxCount, int32_t value, size_t count);
ACL_API aclError aclrtMemsetAsync(void *devPtr, size_t maxCount, int32_t value, size_t count, aclrtStream stream);

/* Emulator-only extras (not part of the AscendCL ABI). */
ACL_API int xpu4jEmuConfigure(const char *key, long long value);
ACL_API long long xpu4jEmuLiveBytes(int device);

/* ---- libnnopbase.so ---- */
ACL_API aclTensor *aclCreateTensor(const int64_t *viewDims, uint64_t viewDimsNum, aclDataType dataType,
                                   const int64_t *stride, int64_t offset, aclFormat format,
                                   const int64_t *storageDims, uint64_t storageDimsNum, void *tensorData);
ACL_API aclScalar *aclCreateScalar(void *value, aclDataType dataType);
ACL_API aclIntArray *aclCreateIntArray(const int64_t *value, uint64_t size);
ACL_API aclFloatArray *aclCreateFloatArray(const float *value, uint64_t size);
ACL_API aclBoolArray *aclCreateBoolArray(const bool *value, uint64_t size);
ACL_API aclTensorList *aclCreateTensorList(const aclTensor *const *value, uint64_t size);
ACL_API aclScalarList *aclCreateScalarList(const aclScalar *const *value, uint64_t size);
ACL_API aclnnStatus aclDestroyTensor(const aclTensor *tensor);
ACL_API aclnnStatus aclDestroyScalar(const aclScalar *scalar);
ACL_API aclnnStatus aclDestroyIntArray(const aclIntArray *array);
ACL_API aclnnStatus aclDestroyFloatArray(const aclFloatArray *array);
ACL_API aclnnStatus aclDestroyBoolArray(const aclBoolArray *array);
ACL_API aclnnStatus aclDestroyTensorList(const aclTensorList *array);
ACL_API aclnnStatus aclDestroyScalarList(const aclScalarList *array);
ACL_API aclnnStatus aclGetViewShape(const aclTensor *tensor, int64_t **viewDims, uint64_t *viewDimsNum);
ACL_API aclnnStatus aclGetStorageShape(const aclTensor *tensor, int64_t **storageDims, uint64_t *storageDimsNum);
ACL_API aclnnStatus aclGetViewStrides(const aclTensor *tensor, int64_t **stridesValue, uint64_t *stridesNum);
ACL_API aclnnStatus aclGetViewOffset(const aclTensor *tensor, int64_t *offset);
ACL_API aclnnStatus aclGetFormat(const aclTensor *tensor, aclFormat *format);
ACL_API aclnnStatus aclGetDataType(const aclTensor *tensor, aclDataType *dataType);
ACL_API aclnnStatus aclGetIntArraySize(const aclIntArray *array, uint64_t *size);
ACL_API aclnnStatus aclGetFloatArraySize(const aclFloatArray *array, uint64_t *size);
ACL_API aclnnStatus aclGetBoolArraySize(const aclBoolArray *array, uint64_t *size);
ACL_API aclnnStatus aclGetTensorListSize(const aclTensorList *tensorList, uint64_t *size);
ACL_API aclnnStatus aclSetAclOpExecutorRepeatable(aclOpExecutor *executor);
ACL_API aclnnStatus aclDestroyAclOpExecutor(aclOpExecutor *executor);
ACL_API aclnnStatus aclSetInputTensorAddr(aclOpExecutor *executor, size_t index, aclTensor *tensor, void *addr);
ACL_API aclnnStatus aclSetOutputTensorAddr(aclOpExecutor *executor, size_t index, aclTensor *tensor, void *addr);
ACL_API aclnnStatus aclnnInit(const char *configPath);
ACL_API aclnnStatus aclnnFinalize(void);

#endif
