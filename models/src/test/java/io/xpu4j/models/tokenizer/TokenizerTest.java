package io.xpu4j.models.tokenizer;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The all-MiniLM-L6-v2 tokenizer on published ids and on mixed text. Expected tokens are worked
 * out from BERT's rules by hand; their ids come from the file's vocabulary read independently
 * of the tokenizer.
 */
class TokenizerTest {
    private static Tokenizer tok;
    private static Map<String, Integer> vocab;

    @BeforeAll
    static void load() {
        tok = TokenizerFiles.minilm();
        vocab = TokenizerFiles.vocab(TokenizerFiles.minilmBytes());
    }

    // ---- the ids the issue quotes (sentence-transformers' example sentences)

    @Test
    void publishedIds() {
        assertArrayEquals(new int[]{101, 1996, 4633, 2003, 8403, 2651, 1012, 102},
                tok.encode("The weather is lovely today.").ids());
        assertArrayEquals(new int[]{101, 2009, 1005, 1055, 2061, 11559, 2648, 999, 102},
                tok.encode("It's so sunny outside!").ids());
        assertArrayEquals(new int[]{101, 2002, 5225, 2000, 1996, 3346, 1012, 102},
                tok.encode("He drove to the stadium.").ids());
    }

    @Test
    void publishedIdsWithBgeTokenizer() {
        // bge-small-en-v1.5 ships the same bert-base-uncased vocabulary and pipeline
        Tokenizer bge = TokenizerFiles.bge();
        assertArrayEquals(new int[]{101, 1996, 4633, 2003, 8403, 2651, 1012, 102},
                bge.encode("The weather is lovely today.").ids());
        assertArrayEquals(new int[]{101, 2009, 1005, 1055, 2061, 11559, 2648, 999, 102},
                bge.encode("It's so sunny outside!").ids());
        assertArrayEquals(new int[]{101, 2002, 5225, 2000, 1996, 3346, 1012, 102},
                bge.encode("He drove to the stadium.").ids());
        assertEquals(512, bge.maxLength(), "bge's file sets no truncation: BERT's 512");
        assertEquals(30522, bge.vocabSize());
    }

    @Test
    void encodingParts() {
        Encoding e = tok.encode("It's so sunny outside!");
        assertArrayEquals(new String[]{"[CLS]", "it", "'", "s", "so", "sunny", "outside", "!", "[SEP]"}, e.tokens());
        assertArrayEquals(new int[9], e.typeIds());
        int[] ones = new int[9];
        Arrays.fill(ones, 1);
        assertArrayEquals(ones, e.attentionMask());
        assertEquals(9, e.length());
    }

    @Test
    void fileSettings() {
        assertEquals(128, tok.maxLength(), "all-MiniLM-L6-v2's tokenizer.json truncates at 128");
        assertEquals(30522, tok.vocabSize());
        assertEquals(101, tok.tokenId("[CLS]"));
        assertEquals(-1, tok.tokenId("no-such-token"));
        assertEquals("[SEP]", tok.token(102));
        assertEquals(null, tok.token(-1));
        assertEquals(null, tok.token(30522));
    }

    // ---- normalizer

    @Test
    void accentsAreStrippedAndTextLowercased() {
        // strip_accents is null in the file, so it follows lowercase (true): NFD, drop marks
        expect("Café naïve résumé", "cafe", "naive", "resume");
        expect("ÜBER-Cool", "uber", "-", "cool");
        // combining accent written separately
        expect("e\u0301", "e");
        // İ decomposes to I + combining dot, the dot is dropped, then I lowercases
        expect("İstanbul", "istanbul");
    }

    @Test
    void greekSigmaIsLowercasedWithoutContext() {
        // upstream lowercases one character at a time: a final Σ becomes σ, never ς
        assertTrue(vocab.containsKey("ο") && vocab.containsKey("##δ") && vocab.containsKey("##σ"));
        expectGreedy("ΟΔΟΣ", "οδοσ");
    }

    @Test
    void controlCharactersAreDroppedAndWhitespaceUnified() {
        // \u0000, \u0007 (Cc), \uFFFD dropped; tab, CR, LF become spaces
        expect("he\u0000llo\tworld\u0007\r\nagain\uFFFD", "hello", "world", "again");
        // zero-width space (Cf) and private use (Co) vanish inside the word
        expect("a\u200Bb", "ab");
        expect("he\uE000llo", "hello");
        // NEL is a control character before it is whitespace: it is dropped, not a separator
        expect("a\u0085b", "ab");
        // no-break space and ideographic space separate words (Java's isWhitespace would miss U+00A0)
        expect("hello\u00A0world\u3000again", "hello", "world", "again");
    }

    @Test
    void emptyAndBlankTextGiveOnlySpecialTokens() {
        for (String text : List.of("", "   ", "\n\t", "\u0000\u0007", "\u200B")) {
            Encoding e = tok.encode(text);
            assertArrayEquals(new String[]{"[CLS]", "[SEP]"}, e.tokens(), "text " + Arrays.toString(text.toCharArray()));
            assertArrayEquals(new int[]{101, 102}, e.ids());
        }
    }

    // ---- pre-tokenizer

    @Test
    void punctuationRunsSplitIntoSingleCharacters() {
        expect("Wait...what?!", "wait", ".", ".", ".", "what", "?", "!");
        // ASCII symbols count as punctuation for BERT although Unicode files them under S*
        expect("1+1=2 $100 a_b C#", "1", "+", "1", "=", "2", "$", "100", "a", "_", "b", "c", "#");
        // Unicode P* categories: guillemets, em dash, ellipsis
        expect("«hello» — world…", "«", "hello", "»", "—", "world", "…");
        expect("email@example.com", "email", "@", "example", ".", "com");
        expect("don't", "don", "'", "t");
    }

    // ---- WordPiece

    @Test
    void unknownWordsSplitIntoPieces() {
        expectGreedy("tokenization", "tokenization");
        expectGreedy("unaffable", "unaffable");
        expectGreedy("こんにちは", "こんにちは");
    }

    @Test
    void wordsOverOneHundredCharactersAreUnknown() {
        String hundred = "ab".repeat(50);
        List<String> pieces = expectGreedy(hundred, hundred);
        assertTrue(pieces.size() > 1 && !pieces.contains("[UNK]"), "100 characters is still split: " + pieces);
        expect(hundred + "a", "[UNK]");
        expect("x".repeat(101), "[UNK]");
        // a surrogate pair is one character: 100 of them is not over the limit
        String pairs = "\uD835\uDC00".repeat(100); // mathematical bold capital A
        assertFalse(vocab.containsKey("\uD835\uDC00"));
        expect(pairs, "[UNK]");
    }

    @Test
    void emojiAreUnknownTokens() {
        // no emoji is in the bert-base-uncased vocabulary
        for (String e : List.of("😀", "👍", "❤", "🥰")) {
            assertFalse(vocab.containsKey(e), e);
        }
        expect("I love it 😀", "i", "love", "it", "[UNK]");
        // a word that cannot be fully matched is one [UNK], not pieces plus [UNK]
        expect("hi😀there", "[UNK]");
        // skin tone modifier (Sk) stays in the word, ZWJ (Cf) is dropped, variation selector (Mn) stripped
        expect("👍🏽 👨\u200D👩\u200D👧 ❤\uFE0F 🥰", "[UNK]", "[UNK]", "[UNK]", "[UNK]");
    }

    @Test
    void cjkIdeographsAreOneTokenEach() {
        // each ideograph is spaced out, so each is a word; most are not in this English vocabulary
        String text = "你好世界";
        List<String> expected = new ArrayList<>();
        for (char c : text.toCharArray()) {
            String s = String.valueOf(c);
            expected.add(vocab.containsKey(s) ? s : "[UNK]");
        }
        assertEquals(List.of("[UNK]", "[UNK]", "世", "[UNK]"), expected, "vocabulary check");
        expect(text, expected.toArray(String[]::new));
        // kana are not ideographs: one word, split by WordPiece; the ideograph after them stands alone
        assertTrue(vocab.containsKey("世"));
        Encoding e = tok.encode("こんにちは世界");
        assertEquals(9, e.length());
        assertEquals("世", e.tokens()[6]);
        // a supplementary-plane ideograph (U+20000) is spaced out too
        expect("\uD840\uDC00\uD840\uDC01", "[UNK]", "[UNK]");
    }

    // ---- added tokens

    @Test
    void specialTokensInTextAreMatchedAsWritten() {
        expect("[MASK] is here", "[MASK]", "is", "here");
        expect("[CLS] [SEP][PAD]x[UNK]", "[CLS]", "[SEP]", "[PAD]", "x", "[UNK]");
        // matching is case-sensitive and happens before lowercasing
        expect("[mask]", "[", "mask", "]");
    }

    // ---- truncation

    @Test
    void truncationKeepsSeparatorLast() {
        String text = "word ".repeat(300);
        int word = vocab.get("word");
        Encoding e = tok.encode(text);
        assertEquals(128, e.length());
        int[] ids = e.ids();
        assertEquals(101, ids[0]);
        assertEquals(102, ids[127]);
        for (int i = 1; i < 127; i++) {
            assertEquals(word, ids[i]);
        }
        Encoding ten = tok.encode(text, 10);
        assertEquals(10, ten.length());
        assertEquals(102, ten.ids()[9]);
        assertArrayEquals(new int[]{101, 102}, tok.encode(text, 2).ids());
        // a longer limit than the file's is honoured: the file's is only the default
        assertEquals(302, tok.encode(text, 1000).length());
    }

    @Test
    void truncationCutsBetweenWordPieces() {
        expectGreedy("tokenization", "tokenization");
        Encoding e = tok.encode("tokenization tokenization", 4);
        String[] pieces = tok.encode("tokenization").tokens();
        assertEquals(4, pieces.length, "tokenization is two pieces");
        assertArrayEquals(new String[]{"[CLS]", pieces[1], pieces[2], "[SEP]"}, e.tokens());
        assertArrayEquals(new String[]{"[CLS]", pieces[1], "[SEP]"}, tok.encode("tokenization", 3).tokens());
    }

    @Test
    void maxLengthBelowSpecialTokensIsRefused() {
        XpuException e = assertThrows(XpuException.class, () -> tok.encode("hello", 1));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
        assertEquals(ErrorCode.INVALID_ARGUMENT,
                assertThrows(XpuException.class, () -> tok.encode(null)).code());
    }

    // ---- batches

    @Test
    void batchPadsToLongestWithMask() {
        List<String> texts = List.of("The weather is lovely today.", "It's so sunny outside!",
                "He drove to the stadium.", "");
        BatchEncoding b = tok.encodeBatch(texts, 128);
        assertEquals(4, b.batchSize());
        assertEquals(9, b.sequenceLength());
        long[] ids = b.inputIds();
        long[] mask = b.attentionMask();
        long[] types = b.typeIds();
        assertEquals(36, ids.length);
        assertArrayEquals(new long[]{101, 1996, 4633, 2003, 8403, 2651, 1012, 102, 0}, Arrays.copyOfRange(ids, 0, 9));
        assertArrayEquals(new long[]{1, 1, 1, 1, 1, 1, 1, 1, 0}, Arrays.copyOfRange(mask, 0, 9));
        assertArrayEquals(new long[]{101, 2009, 1005, 1055, 2061, 11559, 2648, 999, 102}, Arrays.copyOfRange(ids, 9, 18));
        assertArrayEquals(new long[]{1, 1, 1, 1, 1, 1, 1, 1, 1}, Arrays.copyOfRange(mask, 9, 18));
        assertArrayEquals(new long[]{101, 102, 0, 0, 0, 0, 0, 0, 0}, Arrays.copyOfRange(ids, 27, 36));
        assertArrayEquals(new long[]{1, 1, 0, 0, 0, 0, 0, 0, 0}, Arrays.copyOfRange(mask, 27, 36));
        assertArrayEquals(new long[36], types);
        for (int r = 0; r < texts.size(); r++) {
            assertArrayEquals(tok.encode(texts.get(r)).ids(), b.encodings().get(r).ids());
        }
    }

    @Test
    void batchTruncatesEachRow() {
        BatchEncoding b = tok.encodeBatch(List.of("word ".repeat(50), "short"), 6);
        assertEquals(6, b.sequenceLength());
        long[] ids = b.inputIds();
        assertEquals(102, ids[5]);
        assertArrayEquals(new long[]{101, vocab.get("short"), 102, 0, 0, 0}, Arrays.copyOfRange(ids, 6, 12));
        assertEquals(0, tok.encodeBatch(List.of(), 128).batchSize());
    }

    // ---- decoding

    @Test
    void decodeJoinsPiecesAndSkipsSpecialTokens() {
        assertEquals("the weather is lovely today.", tok.decode(tok.encode("The weather is lovely today.").ids()));
        assertEquals("tokenization", tok.decode(tok.encode("tokenization").ids()));
        // upstream's cleanup works token by token, so BERT's split contraction stays spaced
        assertEquals("it ' s so sunny outside!", tok.decode(tok.encode("It's so sunny outside!").ids()));
        assertEquals("", tok.decode(new int[]{101, 102, 0}));
        assertEquals(ErrorCode.INVALID_ARGUMENT,
                assertThrows(XpuException.class, () -> tok.decode(new int[]{30522})).code());
    }

    // ---- sharing and speed

    @Test
    void concurrentUseGivesTheSameIds() {
        String text = "The quick brown fox jumps over the lazy dog, naïvely — 你好!";
        int[] expected = tok.encode(text).ids();
        IntStream.range(0, 2000).parallel().forEach(i -> assertArrayEquals(expected, tok.encode(text).ids()));
    }

    @Test
    void thirtyTwoSentencesTakeWellUnderAMillisecondEach() {
        List<String> batch = new ArrayList<>();
        String[] words = ("The committee reviewed the quarterly results, noting that revenue grew faster than "
                + "expected while costs stayed flat; analysts called it a remarkable turnaround for the firm").split(" ");
        for (int i = 0; i < 32; i++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 20; w++) {
                sb.append(words[(i * 7 + w) % words.length]).append(' ');
            }
            batch.add(sb.toString());
        }
        for (int i = 0; i < 300; i++) {
            tok.encodeBatch(batch, 128);
        }
        int rounds = 200;
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            tok.encodeBatch(batch, 128);
        }
        double perSentenceMicros = (System.nanoTime() - start) / 1e3 / rounds / batch.size();
        System.out.printf("tokenizer: %.2f us per ~20-word sentence (batch of 32)%n", perSentenceMicros);
        assertTrue(perSentenceMicros < 1000, perSentenceMicros + " us per sentence");
    }

    // ---- helpers

    /** Asserts the tokens between [CLS] and [SEP], and that each id is the vocabulary's id of its token. */
    private static void expect(String text, String... tokens) {
        Encoding e = tok.encode(text);
        String[] want = new String[tokens.length + 2];
        want[0] = "[CLS]";
        System.arraycopy(tokens, 0, want, 1, tokens.length);
        want[want.length - 1] = "[SEP]";
        assertArrayEquals(want, e.tokens(), "tokens of \"" + text + "\"");
        int[] ids = new int[want.length];
        for (int i = 0; i < want.length; i++) {
            Integer id = vocab.get(want[i]);
            assertTrue(id != null, want[i] + " is not in the vocabulary");
            ids[i] = id;
        }
        assertArrayEquals(ids, e.ids(), "ids of \"" + text + "\"");
    }

    /**
     * Checks that {@code text} encodes as one word whose pieces are WordPiece's choice for
     * {@code word}: each piece the longest vocabulary entry at its position ("##" after the
     * first), together spelling the word. The check reads the vocabulary directly.
     */
    private static List<String> expectGreedy(String text, String word) {
        String[] tokens = tok.encode(text).tokens();
        List<String> pieces = Arrays.asList(tokens).subList(1, tokens.length - 1);
        int[] cps = word.codePoints().toArray();
        int at = 0;
        for (String piece : pieces) {
            String prefix = at == 0 ? "" : "##";
            assertTrue(piece.startsWith(prefix), piece);
            int len = piece.substring(prefix.length()).codePointCount(0, piece.length() - prefix.length());
            assertEquals(new String(cps, at, len), piece.substring(prefix.length()), "pieces spell the word");
            assertTrue(vocab.containsKey(piece), piece + " in vocabulary");
            for (int longer = len + 1; at + longer <= cps.length; longer++) {
                String candidate = prefix + new String(cps, at, longer);
                assertFalse(vocab.containsKey(candidate), "greedy match would take " + candidate);
            }
            at += len;
        }
        assertEquals(cps.length, at, "pieces cover the word " + pieces);
        expect(text, pieces.toArray(String[]::new));
        return pieces;
    }
}
