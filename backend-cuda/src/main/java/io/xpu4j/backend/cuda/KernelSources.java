package io.xpu4j.backend.cuda;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where each kernel lives: the CUDA C files of {@code native/cuda}, packaged as classpath
 * resources next to their PTX (one file per virtual architecture, compute_80 and compute_90)
 * when the build had {@code nvcc}.
 */
final class KernelSources {
    static final String RESOURCE_DIR = "/io/xpu4j/backend/cuda/kernels/";
    static final String COMMON_HEADER = "xpu4j_common.cuh";
    static final List<String> PTX_ARCHS = List.of("compute_80", "compute_90");

    /** Kernel entry point to the module (source file without {@code .cu}) that defines it. */
    static final Map<String, String> MODULE_OF = new LinkedHashMap<>();

    static {
        for (String k : List.of("xpu_fill", "xpu_copy", "xpu_cast", "xpu_unary", "xpu_binary", "xpu_compare",
                "xpu_where")) {
            MODULE_OF.put(k, "elementwise");
        }
        for (String k : List.of("xpu_reduce", "xpu_argmax", "xpu_softmax", "xpu_layer_norm", "xpu_rms_norm")) {
            MODULE_OF.put(k, "reduce");
        }
        for (String k : List.of("xpu_rope", "xpu_embedding", "xpu_attention")) {
            MODULE_OF.put(k, "nn");
        }
    }

    private KernelSources() {
    }

    static List<String> modules() {
        return MODULE_OF.values().stream().distinct().toList();
    }

    static String moduleOf(String kernel) {
        String m = MODULE_OF.get(kernel);
        if (m == null) {
            throw new XpuException(ErrorCode.INTERNAL, "no CUDA module defines kernel " + kernel);
        }
        return m;
    }

    /** The PTX virtual architecture to load on a device of compute capability major.minor, if packaged. */
    static Optional<String> ptxArchFor(int major, int minor) {
        if (major >= 9) {
            return Optional.of("compute_90");
        }
        if (major == 8) {
            return Optional.of("compute_80");
        }
        return Optional.empty();
    }

    static boolean ptxPackaged() {
        return modules().stream().allMatch(m -> PTX_ARCHS.stream().allMatch(a -> exists(m + "." + a + ".ptx")));
    }

    static Optional<byte[]> ptx(String module, String arch) {
        return read(module + "." + arch + ".ptx");
    }

    static String source(String fileName) {
        return new String(read(fileName).orElseThrow(() -> new XpuException(ErrorCode.INTERNAL,
                "kernel source " + RESOURCE_DIR + fileName + " is not on the classpath")),
                StandardCharsets.UTF_8);
    }

    private static boolean exists(String name) {
        return KernelSources.class.getResource(RESOURCE_DIR + name) != null;
    }

    private static Optional<byte[]> read(String name) {
        try (InputStream in = KernelSources.class.getResourceAsStream(RESOURCE_DIR + name)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new XpuException(ErrorCode.INTERNAL, "reading " + RESOURCE_DIR + name + ": " + e, e);
        }
    }
}
