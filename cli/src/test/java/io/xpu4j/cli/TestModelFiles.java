package io.xpu4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Points the model store at the models module's build output (models/target/model-files) when it
 * has run, else lets it extract the model jars from the local Maven repository into {@code cache}.
 */
final class TestModelFiles {
    private static String oldDir;
    private static String oldCache;

    private TestModelFiles() {
    }

    static void use(Path cache) {
        oldDir = System.getProperty("xpu4j.models.dir");
        oldCache = System.getProperty("xpu4j.models.cache");
        Path built = Path.of("..", "models", "target", "model-files").toAbsolutePath().normalize();
        if (Files.isRegularFile(built.resolve("all-minilm-l6-v2.onnx"))) {
            System.setProperty("xpu4j.models.dir", built.toString());
        }
        System.setProperty("xpu4j.models.cache", cache.toString());
    }

    static void restore() {
        restore("xpu4j.models.dir", oldDir);
        restore("xpu4j.models.cache", oldCache);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
