package io.xpu4j.models.tokenizer;

import java.util.Arrays;

/**
 * One tokenized text: ids with the template's special tokens, an attention mask of ones, the
 * type ids, and the token strings (for reading, not for the model). Arrays returned are copies.
 */
public final class Encoding {
    private final int[] ids;
    private final int[] typeIds;
    private final String[] tokens;

    Encoding(int[] ids, int[] typeIds, String[] tokens) {
        this.ids = ids;
        this.typeIds = typeIds;
        this.tokens = tokens;
    }

    /** Number of tokens, special tokens included. */
    public int length() {
        return ids.length;
    }

    public int[] ids() {
        return ids.clone();
    }

    /** All ones: an unpadded encoding has no positions to mask. */
    public int[] attentionMask() {
        int[] m = new int[ids.length];
        Arrays.fill(m, 1);
        return m;
    }

    public int[] typeIds() {
        return typeIds.clone();
    }

    public String[] tokens() {
        return tokens.clone();
    }

    int id(int i) {
        return ids[i];
    }

    int typeId(int i) {
        return typeIds[i];
    }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(tokens) + Arrays.toString(ids);
    }
}
