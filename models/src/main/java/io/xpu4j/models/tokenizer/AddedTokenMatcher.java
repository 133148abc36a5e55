package io.xpu4j.models.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts added tokens out of text, leftmost match first and the longest at that position, as
 * upstream's Aho-Corasick pass does; then applies {@code single_word}, {@code lstrip} and
 * {@code rstrip}. Added-token lists are short, so a first-character filter and a direct
 * comparison beat building an automaton.
 */
final class AddedTokenMatcher {
    /** Receives the pieces of a split in order. */
    interface Sink {
        /** Plain text {@code buf[start, end)}; returns false to stop early. */
        boolean text(char[] buf, int start, int end);

        /** An added token; returns false to stop early. */
        boolean token(int id);
    }

    private final String[] contents;
    private final AddedToken[] tokens;
    private final BitSet firstChars = new BitSet();

    /** {@code contents[i]} is what is matched for {@code tokens[i]} (for normalized tokens, their normalized form). */
    AddedTokenMatcher(List<AddedToken> tokens, List<String> contents) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            if (!contents.get(i).isEmpty()) {
                order.add(i);
            }
        }
        // longest first, so the first hit at a position is the longest one there
        order.sort(Comparator.comparingInt((Integer i) -> -contents.get(i).length()));
        this.contents = new String[order.size()];
        this.tokens = new AddedToken[order.size()];
        for (int k = 0; k < order.size(); k++) {
            this.contents[k] = contents.get(order.get(k));
            this.tokens[k] = tokens.get(order.get(k));
            firstChars.set(this.contents[k].charAt(0));
        }
    }

    boolean isEmpty() {
        return contents.length == 0;
    }

    /** Splits {@code buf[from, to)}; returns false when the sink asked to stop. */
    boolean split(char[] buf, int from, int to, Sink sink) {
        int textStart = from;
        int i = from;
        while (i < to) {
            if (!firstChars.get(buf[i])) {
                i++;
                continue;
            }
            int k = longestAt(buf, i, to);
            if (k < 0) {
                i++;
                continue;
            }
            AddedToken t = tokens[k];
            int start = i;
            int stop = i + contents[k].length();
            if (t.singleWord() && (touchesWordBefore(buf, from, start) || touchesWordAfter(buf, stop, to))) {
                // upstream resumes after a discarded match, not inside it
                i = stop;
                continue;
            }
            if (t.lstrip()) {
                while (start > textStart && Chars.isWhitespace(buf[start - 1])) {
                    start--;
                }
            }
            if (t.rstrip()) {
                while (stop < to && Chars.isWhitespace(buf[stop])) {
                    stop++;
                }
            }
            if (textStart < start && !sink.text(buf, textStart, start)) {
                return false;
            }
            if (!sink.token(t.id())) {
                return false;
            }
            textStart = stop;
            i = stop;
        }
        return textStart >= to || sink.text(buf, textStart, to);
    }

    private int longestAt(char[] buf, int i, int to) {
        for (int k = 0; k < contents.length; k++) {
            String c = contents[k];
            if (c.length() <= to - i && regionEquals(c, buf, i)) {
                return k;
            }
        }
        return -1;
    }

    private static boolean regionEquals(String c, char[] buf, int at) {
        for (int j = 0; j < c.length(); j++) {
            if (buf[at + j] != c.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    private static boolean touchesWordBefore(char[] buf, int from, int at) {
        return at > from && Chars.isWordChar(Character.codePointBefore(buf, at, from));
    }

    private static boolean touchesWordAfter(char[] buf, int at, int to) {
        return at < to && Chars.isWordChar(Character.codePointAt(buf, at, to));
    }
}
