package io.xpu4j.models.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading: the file's options, variants of the MiniLM file, and what is refused. */
class TokenizerJsonTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** The MiniLM file with one edit applied. */
    private static Tokenizer variant(Consumer<ObjectNode> edit) {
        ObjectNode root = (ObjectNode) TokenizerFiles.tree(TokenizerFiles.minilmBytes());
        edit.accept(root);
        return TokenizerFiles.load(TokenizerFiles.toBytes(root));
    }

    private static XpuException refused(Consumer<ObjectNode> edit) {
        XpuException e = assertThrows(XpuException.class, () -> variant(edit));
        assertEquals(ErrorCode.CONFIG, e.code(), e.getMessage());
        return e;
    }

    @Test
    void readsFromPath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.write(file, TokenizerFiles.minilmBytes());
        Tokenizer t = Tokenizer.fromJson(file);
        assertArrayEquals(new int[]{101, 2002, 5225, 2000, 1996, 3346, 1012, 102},
                t.encode("He drove to the stadium.").ids());
        XpuException missing = assertThrows(XpuException.class, () -> Tokenizer.fromJson(dir.resolve("nope.json")));
        assertEquals(ErrorCode.CONFIG, missing.code());
        assertTrue(missing.getMessage().contains("nope.json"), missing.getMessage());
    }

    @Test
    void unsupportedComponentsAreNamed() {
        XpuException n = refused(r -> ((ObjectNode) r.get("normalizer")).put("type", "NFKC"));
        assertTrue(n.getMessage().contains("normalizer type \"NFKC\""), n.getMessage());
        XpuException p = refused(r -> ((ObjectNode) r.get("pre_tokenizer")).put("type", "ByteLevel"));
        assertTrue(p.getMessage().contains("pre_tokenizer type \"ByteLevel\""), p.getMessage());
        XpuException m = refused(r -> ((ObjectNode) r.get("model")).put("type", "BPE"));
        assertTrue(m.getMessage().contains("model type \"BPE\""), m.getMessage());
        XpuException pp = refused(r -> ((ObjectNode) r.get("post_processor")).put("type", "RobertaProcessing"));
        assertTrue(pp.getMessage().contains("post_processor type \"RobertaProcessing\""), pp.getMessage());
        XpuException d = refused(r -> ((ObjectNode) r.get("decoder")).put("type", "Metaspace"));
        assertTrue(d.getMessage().contains("decoder type \"Metaspace\""), d.getMessage());
        XpuException s = refused(r -> ((ObjectNode) r.get("truncation")).put("strategy", "OnlySecond"));
        assertTrue(s.getMessage().contains("OnlySecond"), s.getMessage());
    }

    @Test
    void brokenFilesAreConfigErrors() {
        for (String text : List.of("", "{", "[1, 2]", "{\"model\": 3}", "{\"model\": {\"type\": \"WordPiece\"}}")) {
            XpuException e = assertThrows(XpuException.class,
                    () -> Tokenizer.fromJson(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))));
            assertEquals(ErrorCode.CONFIG, e.code(), text);
        }
        XpuException unk = refused(r -> ((ObjectNode) r.get("model")).put("unk_token", "<unk>"));
        assertTrue(unk.getMessage().contains("<unk>"), unk.getMessage());
        refused(r -> ((ObjectNode) r.get("model").get("vocab")).put("hello", "x"));
        refused(r -> ((ObjectNode) r.get("model").get("vocab")).put("hello", 2_000_000_000));
        refused(r -> ((ObjectNode) r.get("model").get("vocab")).put("hello", -1));
        refused(r -> r.remove("model"));
        refused(r -> ((ObjectNode) r.get("post_processor").get("special_tokens")).remove("[SEP]"));
    }

    @Test
    void bertProcessingMatchesTemplateProcessing() {
        Tokenizer t = variant(r -> {
            ObjectNode pp = F.objectNode().put("type", "BertProcessing");
            pp.set("sep", F.arrayNode().add("[SEP]").add(102));
            pp.set("cls", F.arrayNode().add("[CLS]").add(101));
            r.set("post_processor", pp);
        });
        assertArrayEquals(new int[]{101, 2009, 1005, 1055, 2061, 11559, 2648, 999, 102},
                t.encode("It's so sunny outside!").ids());
    }

    @Test
    void noPostProcessorAddsNoSpecialTokens() {
        Tokenizer t = variant(r -> r.putNull("post_processor"));
        assertArrayEquals(new int[]{1996, 4633, 2003, 8403, 2651, 1012}, t.encode("The weather is lovely today.").ids());
        assertArrayEquals(new int[0], t.encode("").ids());
        assertArrayEquals(new int[]{1996}, t.encode("The weather", 1).ids());
    }

    @Test
    void leftTruncationKeepsTheTail() {
        Tokenizer t = variant(r -> ((ObjectNode) r.get("truncation")).put("direction", "Left").put("max_length", 5));
        assertEquals(5, t.maxLength());
        // the weather is lovely today . -> room for three pieces: the last three, specials still outside
        assertArrayEquals(new int[]{101, 8403, 2651, 1012, 102}, t.encode("The weather is lovely today.").ids());
    }

    @Test
    void noTruncationMeansBertLimit() {
        Tokenizer t = variant(r -> r.putNull("truncation"));
        assertEquals(512, t.maxLength());
        assertEquals(512, t.encode("word ".repeat(1000)).length());
    }

    @Test
    void paddingSettingsFromFile() {
        Tokenizer t = variant(r -> ((ObjectNode) r.get("padding"))
                .put("direction", "Left").put("pad_to_multiple_of", 4).put("pad_id", 7).put("pad_type_id", 1));
        BatchEncoding b = t.encodeBatch(List.of("He drove to the stadium.", "Hi"), 64);
        assertEquals(8, b.sequenceLength(), "longest is 8, already a multiple of 4");
        BatchEncoding c = t.encodeBatch(List.of("It's so sunny outside!", "Hi"), 64);
        assertEquals(12, c.sequenceLength(), "longest is 9, rounded up to 12");
        long[] row1 = Arrays.copyOfRange(c.inputIds(), 12, 24);
        long[] mask1 = Arrays.copyOfRange(c.attentionMask(), 12, 24);
        long[] type1 = Arrays.copyOfRange(c.typeIds(), 12, 24);
        assertArrayEquals(new long[]{7, 7, 7, 7, 7, 7, 7, 7, 7, 101, 7632, 102}, row1);
        assertArrayEquals(new long[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, mask1);
        assertArrayEquals(new long[]{1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, type1);
    }

    @Test
    void normalizerOptions() {
        Map<String, Integer> vocab = TokenizerFiles.vocab(TokenizerFiles.minilmBytes());
        // keep accents: "café" has no entry and "caf" leaves "##é", which has none either
        assertTrue(vocab.containsKey("caf") && !vocab.containsKey("café") && !vocab.containsKey("##é"));
        Tokenizer keep = variant(r -> ((ObjectNode) r.get("normalizer")).put("strip_accents", false));
        assertArrayEquals(new String[]{"[CLS]", "[UNK]", "hello", "[SEP]"}, keep.encode("Café HELLO").tokens());
        // no CJK handling: the ideographs stay one word, which WordPiece cannot match
        Tokenizer noCjk = variant(r -> ((ObjectNode) r.get("normalizer")).put("handle_chinese_chars", false));
        assertArrayEquals(new String[]{"[CLS]", "[UNK]", "[SEP]"}, noCjk.encode("你好世界").tokens());
        // no cleaning: a control character stays inside the word, which then matches nothing
        Tokenizer dirty = variant(r -> ((ObjectNode) r.get("normalizer")).put("clean_text", false));
        assertArrayEquals(new String[]{"[CLS]", "[UNK]", "[SEP]"}, dirty.encode("he\u0007llo").tokens());
        // no normalizer at all: case is kept, and the uncased vocabulary has no "T"
        assertTrue(!vocab.containsKey("T") && !vocab.containsKey("The"));
        Tokenizer raw = variant(r -> r.putNull("normalizer"));
        assertArrayEquals(new String[]{"[CLS]", "[UNK]", "the", "[SEP]"}, raw.encode("The the").tokens());
    }

    @Test
    void addedTokenOptions() {
        Tokenizer t = variant(r -> {
            ArrayNode added = (ArrayNode) r.get("added_tokens");
            // normalized: matched after lowercasing, so any case of the word hits
            added.add(F.objectNode().put("id", 30522).put("content", "Xpu4j").put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", true).put("special", false));
            // single word: only where it is not part of a longer word
            added.add(F.objectNode().put("id", 30523).put("content", "zz").put("single_word", true)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", false));
        });
        assertEquals(30524, t.vocabSize());
        assertArrayEquals(new int[]{101, 30522, 30522, 102}, t.encode("XPU4J xpu4j").ids());
        assertEquals("Xpu4j", t.encode("XPU4J").tokens()[1], "an added token shows as written in the file");
        assertArrayEquals(new int[]{101, 30523, 102}, t.encode("zz").ids());
        int[] inWord = t.encode("zzz").ids();
        assertTrue(Arrays.stream(inWord).noneMatch(id -> id == 30523), Arrays.toString(inWord));
        assertEquals("Xpu4j zz", t.decode(new int[]{101, 30522, 30523, 102}));
    }
}
