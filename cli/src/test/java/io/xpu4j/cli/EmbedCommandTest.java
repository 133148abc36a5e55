package io.xpu4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code xpu4j embed} in-process with the real all-MiniLM-L6-v2 model. The model files come from
 * the models module's build (models/target/model-files) when it has run, else from the model jars
 * in the local Maven repository, extracted into a temporary cache.
 */
class EmbedCommandTest {
    private static final String[] SENTENCES = {"The weather is lovely today.", "It's so sunny outside!",
            "He drove to the stadium."};
    @TempDir
    static Path cache;

    @TempDir
    Path dir;

    @BeforeAll
    static void modelFiles() {
        TestModelFiles.use(cache);
    }

    @AfterAll
    static void restore() {
        TestModelFiles.restore();
    }

    private CliRun embed(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "embed";
        System.arraycopy(args, 0, all, 1, args.length);
        return CliRun.run(dir, all);
    }

    static double cell(String out, int row, int col) {
        Matcher m = Pattern.compile("(?m)^ *\\[" + row + "\\]((?: +-?[0-9.]+)+)$").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1).trim().split(" +")[col - 1]);
    }

    @Test
    void printsThePublishedSimilarityMatrixOnTheCpuByDefault() {
        CliRun r = embed(SENTENCES);
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("model        all-minilm-l6-v2 (384 dimensions, mean pooling)"), r::toString);
        assertTrue(r.out().contains("backend      cpu on cpu:0 (requested cpu)"), r::toString);
        assertTrue(r.out().contains("  [2] It's so sunny outside!"), r::toString);
        assertEquals(0.6660, cell(r.out(), 1, 2), 5e-4, r::toString);
        assertEquals(0.1046, cell(r.out(), 1, 3), 5e-4, r::toString);
        assertEquals(0.1411, cell(r.out(), 2, 3), 5e-4, r::toString);
        assertEquals(1.0, cell(r.out(), 3, 3), 1e-4, r::toString);
        assertTrue(r.err().contains("xpu4j embed: uploading weights to cpu:0"), r::toString);
        assertTrue(r.err().contains("xpu4j embed: model all-minilm-l6-v2 ready on cpu:0"), r::toString);
    }

    @Test
    void jsonHasBackendModelDimensionEmbeddingsAndMatrix() throws Exception {
        CliRun r = embed("--json", "--backend", "cpu", SENTENCES[0], SENTENCES[1]);
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("cpu", j.get("backend").asText());
        assertEquals("cpu:0", j.get("device").asText());
        assertEquals("all-minilm-l6-v2", j.get("model").asText());
        assertEquals("mean", j.get("pooling").asText());
        assertEquals(384, j.get("dimension").asInt());
        assertEquals(2, j.get("embeddings").size());
        assertEquals(384, j.get("embeddings").get(0).size());
        assertEquals(0.6660, j.get("similarity").get(0).get(1).asDouble(), 5e-4);
        assertEquals(SENTENCES[1], j.get("texts").get(1).asText());
    }

    @Test
    void bgeSmallRunsWithClsPooling() {
        CliRun r = embed("--model", "bge-small-en-v1.5", SENTENCES[0], SENTENCES[1], SENTENCES[2]);
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("model        bge-small-en-v1.5 (384 dimensions, cls pooling)"), r::toString);
        assertTrue(cell(r.out(), 1, 2) > cell(r.out(), 1, 3), r::toString);
    }

    @Test
    void usageErrors() {
        CliRun none = embed();
        assertEquals(2, none.exitCode(), none::toString);
        assertTrue(none.err().contains("TEXT"), none::toString);

        CliRun unknown = embed("--model", "gpt-17", "hello");
        assertEquals(2, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("unknown model 'gpt-17'; known models: all-minilm-l6-v2, bge-small-en-v1.5"),
                unknown::toString);

        CliRun noTok = embed("--model", "my-model.onnx", "hello");
        assertEquals(2, noTok.exitCode(), noTok::toString);
        assertTrue(noTok.err().contains("--tokenizer FILE (its tokenizer.json) is needed too"), noTok::toString);

        CliRun badPool = embed("--pooling", "max", "hello");
        assertEquals(2, badPool.exitCode(), badPool::toString);
        assertTrue(badPool.err().contains("'--pooling': 'max'; allowed: mean, cls"), badPool::toString);

        CliRun cuda = embed("--backend", "cuda", "hello");
        assertEquals(2, cuda.exitCode(), cuda::toString);
        assertTrue(cuda.err().contains("[BACKEND_UNAVAILABLE] backend 'cuda' cannot run here"), cuda::toString);
    }

    @Test
    void aMissingOnnxFileIsAClearError() {
        CliRun r = embed("--model", dir.resolve("nope.onnx").toString(), "--tokenizer", dir.resolve("t.json").toString(), "hi");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("xpu4j: error: [CONFIG]"), r::toString);
    }
}
