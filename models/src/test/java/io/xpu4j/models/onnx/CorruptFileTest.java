package io.xpu4j.models.onnx;

import io.xpu4j.api.Config;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.XpuException;
import io.xpu4j.models.ProgressListener;
import io.xpu4j.models.TestModels;
import io.xpu4j.models.embed.KnownModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A truncated or corrupt model file is an {@link XpuException} that says what is wrong and where,
 * never a hang, an OutOfMemoryError or another exception. Uses the real all-MiniLM-L6-v2 file.
 */
@SuppressWarnings("try") // scopes free what the test makes without being referenced
class CorruptFileTest {
    private static byte[] minilm;

    @BeforeAll
    static void read() throws IOException {
        minilm = Files.readAllBytes(TestModels.onnx(KnownModel.ALL_MINILM_L6_V2));
    }

    private static XpuException parseFails(byte[] bytes, String what) {
        try (OnnxModel m = OnnxModel.parse(bytes, what)) {
            fail(what + " parsed as a model with " + m.nodeCount() + " nodes");
            return null;
        } catch (XpuException e) {
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), e::getMessage);
            assertTrue(e.getMessage().contains(what), e::getMessage);
            return e;
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyTruncationIsReportedAsTruncatedOrCorrupt() {
        int n = minilm.length;
        int[] cuts = {1, 2, 10, 25, 26, 100, 4096, 100_000, 1_000_000, 20_000_000, n / 2, n - 4096, n - 100, n - 10, n - 1};
        for (int cut : cuts) {
            XpuException e = parseFails(Arrays.copyOf(minilm, cut), "minilm-cut-at-" + cut);
            String m = e.getMessage();
            assertTrue(m.contains("truncated") || m.contains("corrupt") || m.contains("no graph"), m);
        }
        XpuException empty = parseFails(new byte[0], "empty.onnx");
        assertTrue(empty.getMessage().contains("is empty"), empty::getMessage);
    }

    @Test
    void aTruncatedFileOnDiskNamesTheFileAndTheOffset(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("cut.onnx");
        Files.write(f, Arrays.copyOf(minilm, 5_000_000));
        XpuException e = assertThrows(XpuException.class, () -> OnnxModel.read(f));
        assertTrue(e.getMessage().contains("truncated or corrupt ONNX file " + f), e::getMessage);
        assertTrue(e.getMessage().matches("(?s).*at byte \\d+.*|.*declares \\d+ bytes but only \\d+ are left.*"), e::getMessage);

        XpuException missing = assertThrows(XpuException.class, () -> OnnxModel.read(dir.resolve("nope.onnx")));
        assertEquals(ErrorCode.CONFIG, missing.code());
    }

    /**
     * Flips random bytes, mostly in the graph structure at the front of the file (nodes, names,
     * attributes) and some anywhere. Each damaged file either fails to load with an
     * XpuException or (when only a name or a weight changed) loads; nothing else may happen.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void randomByteFlipsFailCleanlyOrStillLoad() {
        SplittableRandom r = new SplittableRandom(20_261_122);
        int loaded = 0;
        int rejected = 0;
        try (Runtime rt = Runtime.create(Config.builder().backend("cpu").build())) {
            for (int trial = 0; trial < 160; trial++) {
                byte[] b = minilm.clone();
                int flips = 1 + r.nextInt(3);
                for (int k = 0; k < flips; k++) {
                    int pos = trial % 4 == 3 ? r.nextInt(b.length) : r.nextInt(200_000);
                    b[pos] ^= (byte) (1 << r.nextInt(8));
                }
                try (OnnxModel m = OnnxModel.parse(b, "flipped-" + trial);
                     OnnxSession s = OnnxSession.create(rt, m, ProgressListener.NONE)) {
                    loaded++;
                } catch (XpuException e) {
                    rejected++;
                    assertTrue(e.getMessage().contains("flipped-" + trial) || e.getMessage().contains("ONNX"), e::getMessage);
                }
            }
            assertEquals(0, rt.device().allocator().stats().liveBytes(), "failed loads free what they uploaded");
        }
        assertTrue(rejected > 0 && loaded + rejected == 160, "loaded " + loaded + ", rejected " + rejected);
    }

    @Test
    void malformedWireDataIsNamed() {
        // a varint that never ends
        byte[] longVarint = {0x08, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01};
        assertTrue(parseFails(longVarint, "varint.onnx").getMessage().contains("varint longer than 10 bytes"));
        // a graph that claims 2^62 bytes
        OnnxBuilder.Msg huge = new OnnxBuilder.Msg().varint(1, 8);
        huge.raw((7 << 3) | 2);
        huge.raw(1L << 62);
        XpuException e = parseFails(huge.toBytes(), "huge.onnx");
        assertTrue(e.getMessage().contains("declares 4611686018427387904 bytes but only 0 are left"), e::getMessage);
        // not ONNX at all: a JSON file
        byte[] json = "{\"model\": {}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(parseFails(json, "tokenizer.json").getMessage().contains("wire type"));
    }

    private static OnnxBuilder withInit(OnnxBuilder.Msg tensor) {
        return new OnnxBuilder(13).input("x", OnnxTypes.FLOAT, 2).output("y", OnnxTypes.FLOAT)
                .initializer(tensor).op("Add", "y", "x", "w");
    }

    @Test
    void tensorDataMustMatchItsShape() {
        OnnxBuilder.Msg big = new OnnxBuilder.Msg().packedVarints(1, 1_000_000).varint(2, OnnxTypes.FLOAT)
                .string(8, "w").bytes(9, new byte[4]);
        XpuException e = parseFails(withInit(big).build(), "short-raw.onnx");
        assertTrue(e.getMessage().contains("has 4 bytes of raw_data but its shape needs 1000000 elements of 4 bytes"),
                e::getMessage);

        OnnxBuilder.Msg overflow = new OnnxBuilder.Msg().packedVarints(1, 1L << 40, 1L << 40).varint(2, OnnxTypes.FLOAT)
                .string(8, "w").bytes(9, new byte[4]);
        assertTrue(parseFails(withInit(overflow).build(), "overflow.onnx").getMessage().contains("more elements than a long"));

        OnnxBuilder.Msg typed = new OnnxBuilder.Msg().packedVarints(1, 3).varint(2, OnnxTypes.INT64).string(8, "w")
                .packedVarints(7, 1, 2);
        assertTrue(parseFails(withInit(typed).build(), "typed.onnx").getMessage().contains("holds 2 values but its shape needs 3"));

        long[] dims = new long[70];
        Arrays.fill(dims, 1);
        OnnxBuilder.Msg deep = new OnnxBuilder.Msg().packedVarints(1, dims).varint(2, OnnxTypes.FLOAT).string(8, "w");
        assertTrue(parseFails(withInit(deep).build(), "deep.onnx").getMessage().contains("more than 64 dimensions"));

        OnnxBuilder.Msg external = new OnnxBuilder.Msg().packedVarints(1, 2).varint(2, OnnxTypes.FLOAT).string(8, "w")
                .varint(14, 1);
        assertTrue(parseFails(withInit(external).build(), "external.onnx").getMessage().contains("external file"));
    }

    @Test
    void typedFieldDataIsReadLikeRawData() {
        // float_data and int64_data instead of raw_data
        OnnxBuilder.Msg w = new OnnxBuilder.Msg().packedVarints(1, 2).varint(2, OnnxTypes.FLOAT).string(8, "w")
                .packedFloats(4, 1.5f, -2f);
        try (Runtime rt = Runtime.create(Config.builder().backend("cpu").build());
             OnnxModel m = withInit(w).model();
             OnnxSession s = OnnxSession.create(rt, m, ProgressListener.NONE);
             io.xpu4j.api.Scope scope = rt.scope()) {
            var out = s.run(java.util.Map.of("x", rt.ops().tensor(new float[]{1, 1}, 2)));
            assertEquals(java.util.List.of(2.5f, -1f), toList(out.get("y").toFloatArray()));
            out.values().forEach(io.xpu4j.api.Tensor::close);
        }
    }

    private static java.util.List<Float> toList(float[] f) {
        java.util.List<Float> l = new java.util.ArrayList<>();
        for (float v : f) {
            l.add(v);
        }
        return l;
    }

    @Test
    void aNodeReadingAnUndefinedValueIsRejected() {
        OnnxBuilder b = new OnnxBuilder(13).input("x", OnnxTypes.FLOAT, 2).output("y", OnnxTypes.FLOAT)
                .op("Add", "y", "x", "ghost");
        XpuException e = parseFails(b.build(), "ghost.onnx");
        assertTrue(e.getMessage().contains("Add node 'y' reads 'ghost', which no graph input, initializer or earlier node defines"),
                e::getMessage);
    }
}
