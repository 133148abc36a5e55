package io.xpu4j.backend.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run-time compilation path with the real NVRTC (no GPU needed): every kernel source compiles
 * with the options {@link NvrtcCompiler} passes, and declares each entry point with the same
 * parameters as the PTX nvcc packaged. Skipped, with the reason, where no NVRTC is installed.
 */
class NvrtcCompileTest {
    private static Optional<NvrtcApi> installedNvrtc() {
        try {
            return Optional.of(new NvrtcApi(NativeLibrary.openFirst(LibraryLoader.SYSTEM, NvrtcApi.LIBRARIES, "")));
        } catch (NativeBindingException e) {
            return Optional.empty();
        }
    }

    @Test
    void everyKernelSourceCompilesWithTheInstalledNvrtc() {
        Optional<NvrtcApi> nvrtc = installedNvrtc();
        Assumptions.assumeTrue(nvrtc.isPresent(), "NVRTC is not installed (" + String.join(", ", NvrtcApi.LIBRARIES)
                + " not found on the loader path)");
        // compute_75: the oldest target NVRTC 13 accepts, and a GPU that gets no packaged PTX
        for (String arch : List.of("compute_75", "compute_80", "compute_90")) {
            for (String module : KernelSources.modules()) {
                String ptx = new String(NvrtcCompiler.compile(nvrtc.get(), module, arch), StandardCharsets.US_ASCII);
                assertTrue(ptx.contains(".target sm_" + arch.substring("compute_".length())), module + " " + arch);
                Map<String, List<Integer>> compiled = PtxSignatures.parse(ptx);
                Optional<byte[]> packaged = KernelSources.ptx(module, arch);
                KernelSources.MODULE_OF.forEach((kernel, m) -> {
                    if (m.equals(module)) {
                        assertTrue(compiled.containsKey(kernel), kernel + " in NVRTC's " + module + " for " + arch);
                        packaged.ifPresent(p -> assertEquals(
                                PtxSignatures.parse(new String(p, StandardCharsets.US_ASCII)).get(kernel),
                                compiled.get(kernel), kernel + ": NVRTC and nvcc declare the same parameters"));
                    }
                });
            }
        }
    }
}
