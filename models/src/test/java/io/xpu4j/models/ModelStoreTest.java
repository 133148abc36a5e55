package io.xpu4j.models;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import io.xpu4j.models.ModelStore.Artifact;
import io.xpu4j.models.ModelStore.FileSpec;
import io.xpu4j.models.embed.KnownModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelStoreTest {
    private static final Artifact ART = new Artifact("dev.example", "tiny-model", "1.0");
    private static final byte[] CONTENT = "pretend this is an onnx file".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private FileSpec spec() throws Exception {
        return new FileSpec(ART, "tiny.onnx", CONTENT.length, sha(CONTENT));
    }

    private Path repoWithJar(byte[] content) throws IOException {
        Path repo = tmp.resolve("m2");
        ModelStore s = new ModelStore(null, tmp.resolve("cache"), repo);
        Path jar = s.jarOf(ART);
        Files.createDirectories(jar.getParent());
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
            z.putNextEntry(new ZipEntry("README"));
            z.write("x".getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("tiny.onnx"));
            z.write(content);
        }
        return repo;
    }

    @Test
    void extractsFromTheJarIntoTheCacheOnceAndVerifies() throws Exception {
        Path repo = repoWithJar(CONTENT);
        ModelStore s = new ModelStore(null, tmp.resolve("cache"), repo);
        assertEquals(repo.resolve("dev/example/tiny-model/1.0/tiny-model-1.0.jar"), s.jarOf(ART));
        List<String> stages = new ArrayList<>();
        Path p = s.resolve(spec(), (st, f) -> stages.add(st));
        assertEquals(tmp.resolve("cache/1.0/tiny.onnx"), p);
        assertEquals(new String(CONTENT, StandardCharsets.UTF_8), Files.readString(p));
        assertTrue(stages.getFirst().startsWith("extracting tiny.onnx from tiny-model-1.0.jar"), stages::toString);

        // second time: from the cache, verified, no extraction
        Files.delete(s.jarOf(ART));
        stages.clear();
        assertEquals(p, s.resolve(spec(), (st, f) -> stages.add(st)));
        assertTrue(stages.getFirst().startsWith("verifying"), stages::toString);
    }

    @Test
    void aDamagedCacheEntryIsReplacedFromTheJar() throws Exception {
        Path repo = repoWithJar(CONTENT);
        ModelStore s = new ModelStore(null, tmp.resolve("cache"), repo);
        Path p = s.resolve(spec(), ProgressListener.NONE);
        Files.writeString(p, "pretend this is an onnx filX");
        assertEquals(p, s.resolve(spec(), ProgressListener.NONE));
        assertEquals(new String(CONTENT, StandardCharsets.UTF_8), Files.readString(p));
    }

    @Test
    void aJarWithOtherContentIsRejectedAndLeavesNoFile() throws Exception {
        Path repo = repoWithJar("something else entirely, same use".getBytes(StandardCharsets.UTF_8));
        ModelStore s = new ModelStore(null, tmp.resolve("cache"), repo);
        XpuException e = assertThrows(XpuException.class, () -> s.resolve(spec(), ProgressListener.NONE));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("tiny-model-1.0.jar!/tiny.onnx has"), e::getMessage);
        assertFalse(Files.exists(tmp.resolve("cache/1.0/tiny.onnx")));
        try (var files = Files.list(tmp.resolve("cache/1.0"))) {
            assertEquals(0, files.count(), "no temp file left behind");
        }
    }

    @Test
    void aFileInTheModelDirectoryMustHaveThePinnedChecksum() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("models"));
        Files.write(dir.resolve("tiny.onnx"), "pretend this is an onnx filX".getBytes(StandardCharsets.UTF_8));
        ModelStore s = new ModelStore(dir, tmp.resolve("cache"), tmp.resolve("m2"));
        XpuException e = assertThrows(XpuException.class, () -> s.resolve(spec(), ProgressListener.NONE));
        assertTrue(e.getMessage().contains("has SHA-256 "), e::getMessage);
        assertTrue(e.getMessage().contains("but tiny.onnx of dev.example:tiny-model:1.0 has " + sha(CONTENT)), e::getMessage);

        Files.write(dir.resolve("tiny.onnx"), CONTENT);
        assertEquals(dir.resolve("tiny.onnx"), s.resolve(spec(), ProgressListener.NONE));
        try (OutputStream o = Files.newOutputStream(dir.resolve("tiny.onnx"))) {
            o.write(CONTENT, 0, 5);
        }
        XpuException cut = assertThrows(XpuException.class, () -> s.resolve(spec(), ProgressListener.NONE));
        assertTrue(cut.getMessage().contains("has 5 bytes but tiny.onnx"), cut::getMessage);
    }

    @Test
    void missingEverywhereSaysWhereItLookedAndHowToGetIt() throws Exception {
        ModelStore s = new ModelStore(tmp.resolve("models"), tmp.resolve("cache"), tmp.resolve("m2"));
        XpuException e = assertThrows(XpuException.class, () -> s.resolve(spec(), ProgressListener.NONE));
        assertEquals(ErrorCode.CONFIG, e.code());
        assertTrue(e.getMessage().contains(tmp.resolve("models/tiny.onnx").toString()), e::getMessage);
        assertTrue(e.getMessage().contains("./mvnw install downloads dev.example:tiny-model:1.0"), e::getMessage);
        assertTrue(e.getMessage().contains("dependency:get -Dartifact=dev.example:tiny-model:1.0"), e::getMessage);
    }

    @Test
    void configurationComesFromPropertiesThenEnvironment() {
        Properties p = new Properties();
        p.setProperty("user.home", "/home/u");
        ModelStore d = ModelStore.fromEnvironment(Map.of(), p);
        assertEquals(null, d.modelDir());
        assertEquals(Path.of("/home/u/.cache/xpu4j/models"), d.cacheDir());
        assertEquals(Path.of("/home/u/.m2/repository"), d.mavenRepo());

        ModelStore e = ModelStore.fromEnvironment(Map.of("XPU4J_MODELS_DIR", "/m", "XDG_CACHE_HOME", "/xdg"), p);
        assertEquals(Path.of("/m"), e.modelDir());
        assertEquals(Path.of("/xdg/xpu4j/models"), e.cacheDir());

        p.setProperty("xpu4j.models.dir", "/pm");
        p.setProperty("xpu4j.models.cache", "/pc");
        p.setProperty("maven.repo.local", "/repo");
        ModelStore q = ModelStore.fromEnvironment(Map.of("XPU4J_MODELS_DIR", "/m", "XPU4J_MODELS_CACHE", "/c"), p);
        assertEquals(Path.of("/pm"), q.modelDir());
        assertEquals(Path.of("/pc"), q.cacheDir());
        assertEquals(Path.of("/repo"), q.mavenRepo());
    }

    @Test
    void theRealFilesHaveThePinnedChecksums() {
        for (KnownModel m : KnownModel.values()) {
            ModelStore.verify(TestModels.onnx(m), m.onnxFile());
            ModelStore.verify(TestModels.tokenizer(m), m.tokenizerFile());
        }
        assertEquals(90_387_606L, KnownModel.ALL_MINILM_L6_V2.onnxFile().size());
        assertEquals("759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e",
                KnownModel.ALL_MINILM_L6_V2.onnxFile().sha256());
    }
}
