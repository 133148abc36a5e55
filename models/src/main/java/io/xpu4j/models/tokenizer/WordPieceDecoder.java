package io.xpu4j.models.tokenizer;

import java.util.List;

/**
 * HuggingFace's {@code WordPiece} decoder: pieces with the prefix glue to the previous token,
 * others get a space; {@code cleanup} undoes BERT's spacing around punctuation and
 * contractions, token by token as upstream does (so "it ' s" stays as it is).
 */
final class WordPieceDecoder {
    private final String prefix;
    private final boolean cleanup;

    WordPieceDecoder(String prefix, boolean cleanup) {
        this.prefix = prefix;
        this.cleanup = cleanup;
    }

    String decode(List<String> tokens) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (i > 0) {
                t = t.startsWith(prefix) ? t.substring(prefix.length()) : " " + t;
            }
            out.append(cleanup ? cleanup(t) : t);
        }
        return out.toString();
    }

    private static String cleanup(String t) {
        return t.replace(" .", ".")
                .replace(" ?", "?")
                .replace(" !", "!")
                .replace(" ,", ",")
                .replace(" ' ", "'")
                .replace(" n't", "n't")
                .replace(" 'm", "'m")
                .replace(" do not", " don't")
                .replace(" 's", "'s")
                .replace(" 've", "'ve")
                .replace(" 're", "'re");
    }
}
