package io.xpu4j.models.embed;

import io.xpu4j.api.BackendStatus;
import io.xpu4j.api.Config;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.XpuException;
import io.xpu4j.models.ModelStore;
import io.xpu4j.models.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * all-MiniLM-L6-v2 reproduces the similarities sentence-transformers publishes for it, on every
 * available backend; batching does not change embeddings; bge-small-en-v1.5 loads and behaves.
 */
class EmbedderTest {
    static final List<String> SENTENCES = List.of("The weather is lovely today.", "It's so sunny outside!",
            "He drove to the stadium.");
    /** From the sentence-transformers documentation for all-MiniLM-L6-v2, printed to 4 decimals. */
    static final double SUNNY = 0.6660;
    static final double WEATHER_STADIUM = 0.1046;
    static final double SUNNY_STADIUM = 0.1411;
    static final double PUBLISHED_TOLERANCE = 5e-4;
    /** Batched vs one at a time: the same math, other summation orders in the kernels. */
    static final double BATCH_TOLERANCE = 1e-5;

    private static Runtime cpu;
    private static Embedder minilm;

    @BeforeAll
    static void load() {
        cpu = Runtime.create(Config.builder().backend("cpu").build());
        minilm = Embedder.load(cpu, "all-minilm-l6-v2");
    }

    @AfterAll
    static void close() {
        minilm.close();
        assertEquals(0, cpu.device().allocator().stats().liveBytes(), "closing the embedder frees its weights");
        cpu.close();
    }

    static void assertPublished(double[][] m) {
        assertEquals(SUNNY, m[0][1], PUBLISHED_TOLERANCE, "weather vs sunny");
        assertEquals(WEATHER_STADIUM, m[0][2], PUBLISHED_TOLERANCE, "weather vs stadium");
        assertEquals(SUNNY_STADIUM, m[1][2], PUBLISHED_TOLERANCE, "sunny vs stadium");
        for (int i = 0; i < 3; i++) {
            assertEquals(1, m[i][i], 1e-6);
        }
    }

    /**
     * One test per backend xpu4j knows; a backend that cannot run here is reported skipped with
     * its reason. On each: the published similarities, a batch of 32 mixed-length texts equal to
     * the texts one at a time, nothing left allocated by a run, no op run on the CPU instead.
     */
    @TestFactory
    Stream<DynamicTest> publishedSimilaritiesAndBatchingOnEveryAvailableBackend() {
        return Runtime.backends().stream().map(BackendStatus::id).distinct().map(id -> DynamicTest.dynamicTest(id, () -> {
            BackendStatus st = Runtime.backends().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
            Assumptions.assumeTrue(st.availability().available(), () -> "backend " + id + " skipped: " + st.availability().reason());
            try (Runtime rt = Runtime.create(Config.builder().backend(id).fallbackBackends(List.of()).build());
                 Embedder e = Embedder.load(rt, "all-minilm-l6-v2")) {
                assertEquals(id, rt.device().backendId());
                double[][] m = Similarity.matrix(e.embed(SENTENCES));
                System.out.printf("all-minilm-l6-v2 on %s: %.5f %.5f %.5f (published %.4f %.4f %.4f)%n", rt.device().id(),
                        m[0][1], m[0][2], m[1][2], SUNNY, WEATHER_STADIUM, SUNNY_STADIUM);
                assertPublished(m);
                assertBatchEqualsSingles(rt, e);
                assertTrue(rt.opFallbackCounts().isEmpty(), () -> "ops that ran on the CPU instead: " + rt.opFallbackCounts());
            }
        }));
    }

    /** 32 texts of mixed length (1 to 128 tokens, one truncated) in one batch vs each alone. */
    private static void assertBatchEqualsSingles(Runtime rt, Embedder e) {
        List<String> texts = mixedTexts(32);
        rt.device().synchronize();
        long before = rt.device().allocator().stats().liveBytes();
        float[][] batched = e.embed(texts, 32);
        rt.device().synchronize();
        assertEquals(before, rt.device().allocator().stats().liveBytes(), "a run leaves nothing allocated");
        double worst = 0;
        for (int i = 0; i < texts.size(); i++) {
            float[] alone = e.embed(texts.get(i));
            for (int d = 0; d < alone.length; d++) {
                worst = Math.max(worst, Math.abs(alone[d] - batched[i][d]));
            }
        }
        System.out.printf("%s: batch of 32 vs one at a time: max |difference| %.2e (tolerance %.0e)%n",
                rt.device().id(), worst, BATCH_TOLERANCE);
        assertTrue(worst <= BATCH_TOLERANCE, "max difference " + worst);
    }

    @Test
    void tokenIdsAreThePublishedOnes() {
        assertArrayEquals(new int[]{101, 1996, 4633, 2003, 8403, 2651, 1012, 102}, minilm.tokenizer().encode(SENTENCES.get(0)).ids());
        assertArrayEquals(new int[]{101, 2009, 1005, 1055, 2061, 11559, 2648, 999, 102}, minilm.tokenizer().encode(SENTENCES.get(1)).ids());
        assertArrayEquals(new int[]{101, 2002, 5225, 2000, 1996, 3346, 1012, 102}, minilm.tokenizer().encode(SENTENCES.get(2)).ids());
    }

    @Test
    void vectorsHaveUnitLengthAndTheModelsDimension() {
        assertEquals(384, minilm.dimension());
        assertEquals(Pooling.MEAN, minilm.pooling());
        for (float[] v : minilm.embed(SENTENCES)) {
            assertEquals(384, v.length);
            assertEquals(1, norm(v), 1e-5);
        }
    }

    static double norm(float[] v) {
        double s = 0;
        for (float f : v) {
            s += (double) f * f;
        }
        return Math.sqrt(s);
    }

    static List<String> mixedTexts(int n) {
        String[] words = ("the quick brown fox jumps over a lazy dog while café owners in São Paulo argue about "
                + "the price of coffee, tea and 42 other things; 东京 weather: sunny! unbelievably complicated "
                + "tokenization of hyphenated-words and e-mail addresses like someone@example.com").split(" ");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            int len = i == 0 ? 1 : i == 1 ? 300 : 1 + (i * 37) % 90;
            for (int w = 0; w < len; w++) {
                sb.append(w == 0 ? "" : " ").append(words[(i * 7 + w * 3) % words.length]);
            }
            texts.add(sb.toString());
        }
        return texts;
    }

    @Test
    void emptyInputAndBadArguments() {
        assertEquals(0, minilm.embed(List.of()).length);
        assertThrows(XpuException.class, () -> minilm.embed(List.of("a"), 0));
        List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertThrows(XpuException.class, () -> minilm.embed(withNull));
        XpuException unknown = assertThrows(XpuException.class, () -> Embedder.load(cpu, "gpt-17"));
        assertTrue(unknown.getMessage().contains("known models: all-minilm-l6-v2, bge-small-en-v1.5"), unknown::getMessage);
    }

    @Test
    void aModelGivenAsFilesMatchesTheNamedOne() {
        try (Embedder byPath = Embedder.load(cpu, TestModels.onnx(KnownModel.ALL_MINILM_L6_V2),
                TestModels.tokenizer(KnownModel.ALL_MINILM_L6_V2), Pooling.MEAN, null)) {
            assertEquals(384, byPath.dimension());
            assertEquals("all-minilm-l6-v2.onnx", byPath.modelName());
            float[] a = byPath.embed(SENTENCES.get(0));
            float[] b = minilm.embed(SENTENCES.get(0));
            assertArrayEquals(b, a, 1e-6f);
        }
    }

    @Test
    void loadingReportsProgress() {
        List<String> stages = new ArrayList<>();
        List<Double> fractions = new ArrayList<>();
        try (Embedder e = Embedder.load(cpu, KnownModel.ALL_MINILM_L6_V2, ModelStore.fromEnvironment(), (s, f) -> {
            stages.add(s);
            fractions.add(f);
        })) {
            assertEquals(384, e.dimension());
        }
        assertTrue(stages.stream().anyMatch(s -> s.startsWith("uploading weights to cpu:0")), stages::toString);
        assertTrue(stages.stream().anyMatch(s -> s.startsWith("compiling the graph")), stages::toString);
        assertTrue(stages.getLast().startsWith("model all-minilm-l6-v2 ready on cpu:0"), stages::toString);
        assertEquals(1.0, fractions.getLast());
    }

    @Test
    void bgeSmallLoadsAndRanksRelatedSentencesHigher() {
        try (Embedder bge = Embedder.load(cpu, "bge-small-en-v1.5")) {
            assertEquals(384, bge.dimension());
            assertEquals(Pooling.CLS, bge.pooling());
            float[][] v = bge.embed(SENTENCES);
            for (float[] x : v) {
                assertEquals(384, x.length);
                assertEquals(1, norm(x), 1e-5);
            }
            double[][] m = Similarity.matrix(v);
            System.out.printf("bge-small-en-v1.5: %.4f %.4f %.4f%n", m[0][1], m[0][2], m[1][2]);
            assertTrue(m[0][1] > m[0][2] + 0.1 && m[0][1] > m[1][2] + 0.1, "weather~sunny should be the closest pair: "
                    + m[0][1] + " " + m[0][2] + " " + m[1][2]);
            float[][] q = bge.embed(List.of("What is the capital of France?", "Paris is the capital of France.",
                    "Bananas are rich in potassium."));
            assertTrue(Similarity.cosine(q[0], q[1]) > Similarity.cosine(q[0], q[2]) + 0.1);
        }
    }

    @Test
    void cosineHelper() {
        assertEquals(1, Similarity.cosine(new float[]{1, 2}, new float[]{2, 4}), 1e-12);
        assertEquals(0, Similarity.cosine(new float[]{1, 0}, new float[]{0, 3}), 1e-12);
        assertEquals(0, Similarity.cosine(new float[]{0, 0}, new float[]{0, 3}), 1e-12);
        assertThrows(XpuException.class, () -> Similarity.cosine(new float[1], new float[2]));
    }
}
