package io.xpu4j.backend.cuda;

import io.xpu4j.api.DType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged kernel sources and PTX, and the constants the Java side shares with them. */
class KernelResourcesTest {
    @Test
    void sourcesArePackagedForNvrtc() {
        for (String module : KernelSources.modules()) {
            String src = KernelSources.source(module + ".cu");
            assertTrue(src.contains("#include \"" + KernelSources.COMMON_HEADER + "\""), module);
            for (var e : KernelSources.MODULE_OF.entrySet()) {
                if (e.getValue().equals(module)) {
                    assertTrue(src.contains("extern \"C\" __global__ void " + e.getKey() + "("),
                            module + ".cu defines " + e.getKey());
                }
            }
        }
        assertFalse(KernelSources.source(KernelSources.COMMON_HEADER).contains("#include <"),
                "the shared header needs no toolkit headers, so NVRTC compiles it anywhere");
    }

    @Test
    void ptxDeclaresEveryLaunchedKernelForBothArchitectures() {
        Assumptions.assumeTrue(KernelSources.ptxPackaged(),
                "nvcc was not found at build time: no PTX packaged (NVRTC compiles at run time)");
        for (String arch : KernelSources.PTX_ARCHS) {
            for (String module : KernelSources.modules()) {
                String ptx = new String(KernelSources.ptx(module, arch).orElseThrow(),
                        java.nio.charset.StandardCharsets.US_ASCII);
                assertTrue(ptx.contains(".target sm_" + arch.substring("compute_".length())), module + " " + arch);
                Map<String, List<Integer>> sigs = PtxSignatures.parse(ptx);
                KernelSources.MODULE_OF.forEach((kernel, m) -> {
                    if (m.equals(module)) {
                        assertTrue(sigs.containsKey(kernel), kernel + " in " + module + "." + arch + ".ptx");
                        assertTrue(ptx.contains(".visible .entry " + kernel + "("), kernel + " is visible");
                    }
                });
            }
        }
    }

    @Test
    void ptxParameterParsing() {
        String ptx = """
                .visible .entry k(
                \t.param .u64 k_param_0,
                \t.param .align 8 .b8 k_param_1[72],
                \t.param .u32 k_param_2,
                \t.param .f64 k_param_3,
                \t.param .f32 k_param_4
                )
                {
                }
                .visible .entry empty()
                {
                }
                """;
        Map<String, List<Integer>> sigs = PtxSignatures.parse(ptx);
        assertEquals(List.of(8, 72, 4, 8, 4), sigs.get("k"));
        assertEquals(List.of(), sigs.get("empty"));
    }

    private static int define(String header, String name) {
        Matcher m = Pattern.compile("#define\\s+" + name + "\\s+(\\d+)").matcher(header);
        assertTrue(m.find(), name + " defined in the header");
        return Integer.parseInt(m.group(1));
    }

    @Test
    void dtypeCodesAndErrorCodesMatchTheHeader() {
        String h = KernelSources.source(KernelSources.COMMON_HEADER);
        assertEquals(DTypeCodes.code(DType.F32), define(h, "DT_F32"));
        assertEquals(DTypeCodes.code(DType.F16), define(h, "DT_F16"));
        assertEquals(DTypeCodes.code(DType.BF16), define(h, "DT_BF16"));
        assertEquals(DTypeCodes.code(DType.F8_E4M3), define(h, "DT_E4M3"));
        assertEquals(DTypeCodes.code(DType.F8_E5M2), define(h, "DT_E5M2"));
        assertEquals(DTypeCodes.code(DType.I8), define(h, "DT_I8"));
        assertEquals(DTypeCodes.code(DType.I32), define(h, "DT_I32"));
        assertEquals(DTypeCodes.code(DType.I64), define(h, "DT_I64"));
        assertEquals(DTypeCodes.code(DType.BOOL), define(h, "DT_BOOL"));
        assertEquals(DeviceErrorRecord.INT_DIV_ZERO, define(h, "ERR_INT_DIV_ZERO"));
        assertEquals(DeviceErrorRecord.CAST_FLOAT_TO_INT, define(h, "ERR_CAST_FLOAT_TO_INT"));
        assertEquals(DeviceErrorRecord.CAST_INT_NARROW, define(h, "ERR_CAST_INT_NARROW"));
        assertEquals(DeviceErrorRecord.EMBEDDING_ID, define(h, "ERR_EMBEDDING_ID"));
        assertEquals(TensorLayouts.MAX_RANK, define(h, "XPU_MAX_RANK"));
    }

    @Test
    void opCodesMatchTheKernels() {
        String el = KernelSources.source("elementwise.cu");
        String[] unary = {"U_NEG", "U_ABS", "U_RELU", "U_EXP", "U_LOG", "U_SQRT", "U_RSQRT", "U_TANH", "U_ERF",
                "U_SIGMOID", "U_SILU", "U_GELU"};
        for (int i = 0; i < unary.length; i++) {
            assertEquals(ElementwiseOps.UNARY.indexOf(unary[i].substring(2).toLowerCase()), define(el, unary[i]));
        }
        assertEquals(12, define(el, "U_GELU_TANH"));
        String[] binary = {"B_ADD", "B_SUB", "B_MUL", "B_DIV", "B_MAXIMUM", "B_MINIMUM", "B_POW"};
        for (String b : binary) {
            assertEquals(ElementwiseOps.BINARY.indexOf(b.substring(2).toLowerCase()), define(el, b));
        }
        String[] compare = {"C_EQ", "C_NE", "C_LT", "C_LE", "C_GT", "C_GE"};
        for (String c : compare) {
            assertEquals(ElementwiseOps.COMPARE.indexOf(c.substring(2).toLowerCase()), define(el, c));
        }
        String red = KernelSources.source("reduce.cu");
        assertEquals(ReduceOps.SUM, define(red, "R_SUM"));
        assertEquals(ReduceOps.MAX, define(red, "R_MAX"));
        assertEquals(ReduceOps.MIN, define(red, "R_MIN"));
        assertEquals(ReduceOps.MEAN, define(red, "R_MEAN"));
        assertEquals(Launcher.THREADS, define(red, "ROW_THREADS"));
        assertEquals(Launcher.ATTENTION_THREADS, define(KernelSources.source("nn.cu"), "ATT_THREADS"));
    }

    @Test
    void architectureChoice() {
        assertEquals("compute_90", KernelSources.ptxArchFor(9, 0).orElseThrow());
        assertEquals("compute_90", KernelSources.ptxArchFor(10, 0).orElseThrow());
        assertEquals("compute_80", KernelSources.ptxArchFor(8, 9).orElseThrow());
        assertTrue(KernelSources.ptxArchFor(7, 5).isEmpty(), "older GPUs go through NVRTC");
    }

    @Test
    void staticSharedMemoryOfEveryKernelLeavesRoomForTheDynamicPart() {
        Assumptions.assumeTrue(KernelSources.ptxPackaged(),
                "nvcc was not found at build time: no PTX packaged (NVRTC compiles at run time)");
        // a block may use 48 KiB of shared memory in all (static + dynamic) unless the kernel opts in
        // to more, which none does; attention's dynamic part is sized on the host from its static part
        Pattern shared = Pattern.compile("\\.shared \\.align \\d+ \\.b8 _ZZ\\d+(\\w+?)E\\d+\\w+\\[(\\d+)]");
        for (String arch : KernelSources.PTX_ARCHS) {
            Map<String, Integer> perKernel = new java.util.HashMap<>();
            for (String module : KernelSources.modules()) {
                String ptx = new String(KernelSources.ptx(module, arch).orElseThrow(),
                        java.nio.charset.StandardCharsets.US_ASCII);
                Matcher m = shared.matcher(ptx);
                while (m.find()) {
                    perKernel.merge(m.group(1), Integer.parseInt(m.group(2)), Integer::sum);
                }
            }
            assertEquals(ModelOps.ATTENTION_STATIC_SHARED, perKernel.get("xpu_attention"), arch);
            perKernel.forEach((kernel, bytes) -> assertTrue(bytes <= ModelOps.SHARED_LIMIT, kernel + " " + bytes));
        }
    }
}
