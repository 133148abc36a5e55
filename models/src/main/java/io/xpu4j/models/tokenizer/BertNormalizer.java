package io.xpu4j.models.tokenizer;

import java.text.Normalizer;

/**
 * HuggingFace's {@code BertNormalizer}, in upstream's order: clean text, space out CJK
 * ideographs, strip accents (NFD, then drop Mn), lowercase one code point at a time.
 */
final class BertNormalizer {
    final boolean cleanText;
    final boolean handleChineseChars;
    final boolean stripAccents;
    final boolean lowercase;

    BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {
        this.cleanText = cleanText;
        this.handleChineseChars = handleChineseChars;
        this.stripAccents = stripAccents;
        this.lowercase = lowercase;
    }

    /** Appends the normalized form of {@code src[from, to)} to {@code out}. */
    void normalize(char[] src, int from, int to, StringBuilder out) {
        int base = out.length();
        boolean needsUnicodePass = false;
        int i = from;
        while (i < to) {
            char c = src[i];
            if (c < 0x80) {
                // ASCII, nearly all real input: no NFD, and lowercasing here equals lowercasing later
                i++;
                if (cleanText) {
                    if (Chars.isControl(c)) {
                        continue;
                    }
                    if (c == '\t' || c == '\n' || c == '\r') {
                        c = ' ';
                    }
                }
                if (lowercase && c >= 'A' && c <= 'Z') {
                    c = (char) (c + ('a' - 'A'));
                }
                out.append(c);
                continue;
            }
            int cp = Character.codePointAt(src, i, to);
            i += Character.charCount(cp);
            if (cleanText) {
                if (cp == 0xFFFD || Chars.isControl(cp)) {
                    continue;
                }
                if (Chars.isWhitespace(cp)) {
                    out.append(' ');
                    continue;
                }
            }
            needsUnicodePass = true;
            if (handleChineseChars && Chars.isChinese(cp)) {
                out.append(' ').appendCodePoint(cp).append(' ');
            } else {
                out.appendCodePoint(cp);
            }
        }
        if (needsUnicodePass && (stripAccents || lowercase)) {
            unicodePass(out, base);
        }
    }

    private void unicodePass(StringBuilder out, int base) {
        String s = out.substring(base);
        out.setLength(base);
        if (stripAccents) {
            s = Normalizer.normalize(s, Normalizer.Form.NFD);
        }
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (stripAccents && Character.getType(cp) == Character.NON_SPACING_MARK) {
                continue;
            }
            if (lowercase) {
                appendLower(cp, out);
            } else {
                out.appendCodePoint(cp);
            }
        }
    }

    /**
     * Full lowercase mapping of one code point without context, as Rust's
     * {@code char::to_lowercase}: final sigma stays σ, and U+0130 is the one character whose
     * unconditional mapping has two code points.
     */
    private static void appendLower(int cp, StringBuilder out) {
        if (cp == 0x130) {
            out.append('i').append('\u0307');
        } else {
            out.appendCodePoint(Character.toLowerCase(cp));
        }
    }
}
