package io.xpu4j.models.tokenizer;

/**
 * HuggingFace's {@code WordPiece} model: greedy longest-match-first over a word, pieces after
 * the first carry the continuing-subword prefix. A word with a part that matches nothing, or
 * longer than {@code maxInputCharsPerWord} code points, becomes one unknown token.
 */
final class WordPiece {
    private final VocabTable vocab;
    private final int unkId;
    private final String prefix;
    private final int maxInputCharsPerWord;

    WordPiece(VocabTable vocab, int unkId, String prefix, int maxInputCharsPerWord) {
        this.vocab = vocab;
        this.unkId = unkId;
        this.prefix = prefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
    }

    /** Appends the ids of the word {@code buf[start, end)} to {@code out}. */
    void tokenize(char[] buf, int start, int end, IntList out) {
        // upstream counts Unicode scalar values, so a surrogate pair is one character
        if (end - start > maxInputCharsPerWord
                && Character.codePointCount(buf, start, end - start) > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        int mark = out.size();
        int s = start;
        while (s < end) {
            int e = end;
            int found = -1;
            while (s < e) {
                found = vocab.get(s == start ? "" : prefix, buf, s, e);
                if (found >= 0) {
                    break;
                }
                // step back one code point, never into the middle of a surrogate pair
                e -= (e - 2 >= s && Character.isLowSurrogate(buf[e - 1])
                        && Character.isHighSurrogate(buf[e - 2])) ? 2 : 1;
            }
            if (found < 0) {
                out.truncate(mark);
                out.add(unkId);
                return;
            }
            out.add(found);
            s = e;
        }
    }
}
