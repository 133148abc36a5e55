package io.xpu4j.models.tokenizer;

/**
 * HuggingFace's {@code BertPreTokenizer}: whitespace separates words and is dropped; every
 * punctuation character is a word of its own.
 */
final class BertPreTokenizer {
    private BertPreTokenizer() {
    }

    /** Receives one word, {@code buf[start, end)}; returns false to stop the split early. */
    interface WordSink {
        boolean word(char[] buf, int start, int end);
    }

    /** Splits {@code buf[from, to)}; returns false when the sink asked to stop. */
    static boolean split(char[] buf, int from, int to, WordSink sink) {
        int wordStart = -1;
        int i = from;
        while (i < to) {
            int cp = Character.codePointAt(buf, i, to);
            int n = Character.charCount(cp);
            if (Chars.isWhitespace(cp)) {
                if (wordStart >= 0 && !sink.word(buf, wordStart, i)) {
                    return false;
                }
                wordStart = -1;
            } else if (Chars.isPunctuation(cp)) {
                if (wordStart >= 0 && !sink.word(buf, wordStart, i)) {
                    return false;
                }
                wordStart = -1;
                if (!sink.word(buf, i, i + n)) {
                    return false;
                }
            } else if (wordStart < 0) {
                wordStart = i;
            }
            i += n;
        }
        return wordStart < 0 || sink.word(buf, wordStart, to);
    }
}
