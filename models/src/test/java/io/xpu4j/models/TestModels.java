package io.xpu4j.models;

import io.xpu4j.models.embed.KnownModel;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The real model files for tests: the build unpacks them into target/model-files and points
 * {@code xpu4j.models.dir} there; otherwise {@link ModelStore} extracts them from the local Maven
 * repository. A missing file fails the test with the store's message (what to run to get it):
 * these tests are the proof that the published numbers are reproduced, so they never skip.
 */
public final class TestModels {
    private static final Map<String, Path> RESOLVED = new ConcurrentHashMap<>();

    private TestModels() {
    }

    public static Path onnx(KnownModel m) {
        return RESOLVED.computeIfAbsent(m.onnxFile().entry(),
                k -> ModelStore.fromEnvironment().resolve(m.onnxFile(), ProgressListener.NONE));
    }

    public static Path tokenizer(KnownModel m) {
        return RESOLVED.computeIfAbsent(m.tokenizerFile().entry(),
                k -> ModelStore.fromEnvironment().resolve(m.tokenizerFile(), ProgressListener.NONE));
    }
}
