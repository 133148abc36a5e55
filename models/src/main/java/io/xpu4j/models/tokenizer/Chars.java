package io.xpu4j.models.tokenizer;

/**
 * The character classes HuggingFace's BERT components use. They follow the Rust definitions the
 * {@code tokenizers} library is built on, not Java's own: Java's {@code isWhitespace} misses
 * U+00A0 and counts U+001C..U+001F, and BERT calls ASCII symbols such as {@code $ + < = > ^ `}
 * punctuation although Unicode files them as symbols.
 */
final class Chars {
    private Chars() {
    }

    private static final byte WHITESPACE = 1;
    private static final byte PUNCTUATION = 2;
    private static final byte CONTROL = 4;
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            byte f = 0;
            if (c == ' ' || (c >= 0x09 && c <= 0x0D)) {
                f |= WHITESPACE;
            }
            if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
                f |= PUNCTUATION;
            }
            if ((c < 0x20 || c == 0x7F) && c != '\t' && c != '\n' && c != '\r') {
                f |= CONTROL;
            }
            ASCII[c] = f;
        }
    }

    /** Unicode White_Space, which is what Rust's {@code char::is_whitespace} tests. */
    static boolean isWhitespace(int cp) {
        if (cp < 128) {
            return (ASCII[cp] & WHITESPACE) != 0;
        }
        return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
                || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    /**
     * What {@code clean_text} drops: categories Cc, Cf and Co except tab, newline and carriage
     * return (which count as whitespace). Unassigned code points are kept, as upstream keeps
     * them; lone surrogates, which valid UTF-8 input cannot carry, are dropped.
     */
    static boolean isControl(int cp) {
        if (cp < 128) {
            return (ASCII[cp] & CONTROL) != 0;
        }
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE
                || t == Character.SURROGATE;
    }

    /** ASCII punctuation (33-47, 58-64, 91-96, 123-126) or any Unicode P* category. */
    static boolean isPunctuation(int cp) {
        if (cp < 128) {
            return (ASCII[cp] & PUNCTUATION) != 0;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION,
                 Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /**
     * The CJK ideograph blocks BERT puts spaces around. The ranges are upstream's, including its
     * start of 0x2B920 for the Extension E/F run (the original BERT code says 0x2B820).
     */
    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** A regex {@code \w} character: what single-word added tokens must not touch. */
    static boolean isWordChar(int cp) {
        if (Character.isLetterOrDigit(cp) || Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) {
            return true;
        }
        int t = Character.getType(cp);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK
                || t == Character.ENCLOSING_MARK || t == Character.CONNECTOR_PUNCTUATION;
    }
}
