package io.xpu4j.models.tokenizer;

import java.util.Map;

/**
 * Token to id, open addressing. WordPiece probes many substrings of each word, some with the
 * "##" prefix in front; this table looks them up straight from the char buffer, so the hot loop
 * builds no strings. The hash is {@link String#hashCode()} of the prefixed piece.
 */
final class VocabTable {
    private final String[] keys;
    private final int[] ids;
    private final int mask;

    VocabTable(Map<String, Integer> vocab) {
        int capacity = Integer.highestOneBit(Math.max(4, vocab.size() * 2 + 1)) << 1;
        keys = new String[capacity];
        ids = new int[capacity];
        mask = capacity - 1;
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int slot = spread(e.getKey().hashCode()) & mask;
            while (keys[slot] != null && !keys[slot].equals(e.getKey())) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = e.getKey();
            ids[slot] = e.getValue();
        }
    }

    /** The id of {@code token}, or -1. */
    int get(String token) {
        int slot = spread(token.hashCode()) & mask;
        String k;
        while ((k = keys[slot]) != null) {
            if (k.equals(token)) {
                return ids[slot];
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /** The id of {@code prefix + buf[from, to)} ({@code prefix} may be empty), or -1. */
    int get(String prefix, char[] buf, int from, int to) {
        int h = prefix.hashCode();
        for (int i = from; i < to; i++) {
            h = 31 * h + buf[i];
        }
        int length = prefix.length() + (to - from);
        int slot = spread(h) & mask;
        String k;
        while ((k = keys[slot]) != null) {
            if (k.length() == length && k.startsWith(prefix) && matches(k, prefix.length(), buf, from, to)) {
                return ids[slot];
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private static boolean matches(String k, int offset, char[] buf, int from, int to) {
        for (int i = from, j = offset; i < to; i++, j++) {
            if (k.charAt(j) != buf[i]) {
                return false;
            }
        }
        return true;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }
}
