package io.xpu4j.backend.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bound function's descriptor against its C prototype: for the driver API, the prototypes
 * of the installed toolkit's {@code cuda.h} (skipped with a reason when there is no toolkit),
 * including which versioned symbol the header maps each name to; for cuBLAS and NVRTC, the
 * prototypes as their documentation states them, written out below.
 */
class BindingDescriptorsTest {
    private static final Pattern DRIVER_PROTOTYPE =
            Pattern.compile("CUresult\\s+CUDAAPI\\s+(\\w+)\\s*\\(([^)]*)\\)\\s*;");
    private static final Pattern DEFINE = Pattern.compile("#define\\s+(\\w+)\\s+(?:__CUDA_API_PTSZ\\((\\w+)\\)|(\\w+))");

    static Optional<Path> cudaHeader() {
        return Stream.of(System.getenv("CUDA_HOME"), System.getenv("CUDA_PATH"), "/usr/local/cuda", "/opt/cuda")
                .filter(s -> s != null && !s.isBlank())
                .map(s -> Path.of(s, "include", "cuda.h"))
                .filter(Files::isRegularFile)
                .findFirst();
    }

    @Test
    void driverDescriptorsMatchCudaH() throws IOException {
        Optional<Path> header = cudaHeader();
        Assumptions.assumeTrue(header.isPresent(),
                "no CUDA toolkit header (cuda.h under $CUDA_HOME, $CUDA_PATH, /usr/local/cuda or /opt/cuda)");
        String text = Files.readString(header.get());
        Map<String, CPrototypes.Prototype> prototypes = new HashMap<>();
        Matcher m = DRIVER_PROTOTYPE.matcher(text);
        while (m.find()) {
            // the first declaration is the current API; later ones (old ABIs) are kept for reference
            prototypes.putIfAbsent(m.group(1), CPrototypes.parse("CUresult " + m.group(1) + "(" + m.group(2) + ")"));
        }
        Map<String, String> defines = new HashMap<>();
        Matcher d = DEFINE.matcher(text);
        while (d.find()) {
            defines.putIfAbsent(d.group(1), d.group(2) != null ? d.group(2) : d.group(3));
        }
        assertTrue(prototypes.size() > 100, "parsed " + prototypes.size() + " prototypes from " + header.get());
        for (NativeFunction f : DriverApi.FUNCTIONS) {
            CPrototypes.Prototype p = prototypes.get(f.cName());
            assertNotNull(p, f.cName() + " is not declared in cuda.h");
            assertEquals(p.descriptor(), f.descriptor(), f.cName() + ": binding differs from " + p);
            String mapped = defines.getOrDefault(f.cName(), f.cName());
            assertEquals(mapped, f.symbol(), f.cName() + ": cuda.h maps it to " + mapped);
        }
    }

    @Test
    void enumValuesMatchCudaH() throws IOException {
        Optional<Path> header = cudaHeader();
        Assumptions.assumeTrue(header.isPresent(), "no CUDA toolkit header");
        String text = Files.readString(header.get());
        Map<String, Integer> expected = Map.of(
                "CUDA_ERROR_OUT_OF_MEMORY", DriverApi.CUDA_ERROR_OUT_OF_MEMORY,
                "CUDA_ERROR_NOT_INITIALIZED", DriverApi.CUDA_ERROR_NOT_INITIALIZED,
                "CUDA_ERROR_NO_DEVICE", DriverApi.CUDA_ERROR_NO_DEVICE,
                "CUDA_ERROR_NOT_READY", DriverApi.CUDA_ERROR_NOT_READY,
                "CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT", DriverApi.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                "CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR", DriverApi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                "CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR", DriverApi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                "CU_EVENT_DISABLE_TIMING", DriverApi.CU_EVENT_DISABLE_TIMING,
                "CU_JIT_ERROR_LOG_BUFFER", DriverApi.CU_JIT_ERROR_LOG_BUFFER,
                "CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES", DriverApi.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
        expected.forEach((name, value) -> {
            Matcher m = Pattern.compile("\\b" + name + "\\s*=\\s*(0x[0-9a-fA-F]+|\\d+)").matcher(text);
            assertTrue(m.find(), name + " not found in cuda.h");
            assertEquals(Integer.decode(m.group(1)), value, name);
        });
        Matcher portable = Pattern.compile("#define\\s+CU_MEMHOSTALLOC_PORTABLE\\s+(0x[0-9a-fA-F]+)").matcher(text);
        assertTrue(portable.find());
        assertEquals(Integer.decode(portable.group(1)), DriverApi.CU_MEMHOSTALLOC_PORTABLE);
    }

    /** cuBLAS prototypes as documented in the cuBLAS library reference. */
    private static final List<String> CUBLAS = List.of(
            "cublasStatus_t cublasCreate_v2(cublasHandle_t *handle)",
            "cublasStatus_t cublasDestroy_v2(cublasHandle_t handle)",
            "cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId)",
            "cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode)",
            "cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,"
                    + " int m, int n, int k, const void *alpha, const void *A, cudaDataType_t Atype, int lda,"
                    + " const void *B, cudaDataType_t Btype, int ldb, const void *beta, void *C,"
                    + " cudaDataType_t Ctype, int ldc, cublasComputeType_t computeType, cublasGemmAlgo_t algo)",
            "cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t handle, cublasOperation_t transa,"
                    + " cublasOperation_t transb, int m, int n, int k, const void *alpha, const void *A,"
                    + " cudaDataType Atype, int lda, long long int strideA, const void *B, cudaDataType Btype,"
                    + " int ldb, long long int strideB, const void *beta, void *C, cudaDataType Ctype, int ldc,"
                    + " long long int strideC, int batchCount, cublasComputeType_t computeType,"
                    + " cublasGemmAlgo_t algo)",
            "const char* cublasGetStatusName(cublasStatus_t status)",
            "const char* cublasGetStatusString(cublasStatus_t status)");

    /** NVRTC prototypes as documented in the NVRTC user guide. */
    private static final List<String> NVRTC = List.of(
            "nvrtcResult nvrtcVersion(int *major, int *minor)",
            "nvrtcResult nvrtcCreateProgram(nvrtcProgram *prog, const char *src, const char *name, int numHeaders,"
                    + " const char * const *headers, const char * const *includeNames)",
            "nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions, const char * const *options)",
            "nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t *ptxSizeRet)",
            "nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char *ptx)",
            "nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t *logSizeRet)",
            "nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char *log)",
            "nvrtcResult nvrtcDestroyProgram(nvrtcProgram *prog)",
            "const char *nvrtcGetErrorString(nvrtcResult result)");

    @Test
    void cublasDescriptorsMatchTheDocumentedPrototypes() {
        check(CUBLAS, CublasApi.FUNCTIONS);
    }

    @Test
    void nvrtcDescriptorsMatchTheDocumentedPrototypes() {
        check(NVRTC, NvrtcApi.FUNCTIONS);
    }

    private static void check(List<String> documented, List<NativeFunction> bound) {
        Map<String, CPrototypes.Prototype> byName = new HashMap<>();
        for (String s : documented) {
            CPrototypes.Prototype p = CPrototypes.parse(s);
            byName.put(p.name(), p);
        }
        assertEquals(byName.keySet(), bound.stream().map(NativeFunction::symbol).collect(
                java.util.stream.Collectors.toSet()), "every bound function has a documented prototype");
        for (NativeFunction f : bound) {
            assertEquals(byName.get(f.symbol()).descriptor(), f.descriptor(), f.symbol());
        }
    }

    @Test
    void cublasEnumValues() {
        // cudaDataType_t (library_types.h) and cublasComputeType_t / cublasGemmAlgo_t (cublas_api.h)
        assertEquals(0, CublasApi.CUDA_R_32F);
        assertEquals(2, CublasApi.CUDA_R_16F);
        assertEquals(14, CublasApi.CUDA_R_16BF);
        assertEquals(28, CublasApi.CUDA_R_8F_E4M3);
        assertEquals(29, CublasApi.CUDA_R_8F_E5M2);
        assertEquals(68, CublasApi.CUBLAS_COMPUTE_32F);
        assertEquals(77, CublasApi.CUBLAS_COMPUTE_32F_FAST_TF32);
        assertEquals(-1, CublasApi.CUBLAS_GEMM_DEFAULT);
        assertEquals(0, CublasApi.CUBLAS_OP_N);
        assertEquals(1, CublasApi.CUBLAS_OP_T);
        assertEquals(0, CublasApi.CUBLAS_DEFAULT_MATH);
    }

    @Test
    void theMapperItselfCanFail() {
        // a guard that the comparison is not vacuous: a wrong width is detected
        CPrototypes.Prototype p = CPrototypes.parse("CUresult cuMemFree(CUdeviceptr dptr)");
        assertEquals(DriverApi.CU_MEM_FREE.descriptor(), p.descriptor());
        CPrototypes.Prototype wrong = CPrototypes.parse("CUresult cuMemFree(unsigned int dptr)");
        assertTrue(!DriverApi.CU_MEM_FREE.descriptor().equals(wrong.descriptor()));
    }
}
