package io.xpu4j.models.tokenizer;

/** One entry of {@code added_tokens}: matched in the text before the model sees it. */
record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                  boolean normalized, boolean special) {
}
