package io.xpu4j.models.tokenizer;

/** What {@link TokenizerJson} read from a file, handed to the {@link Tokenizer} constructor. */
record TokenizerSpec(
        BertNormalizer normalizer,        // null: text goes to the pre-tokenizer as it is
        boolean bertPreTokenizer,         // false: each text piece is one word
        WordPiece model,
        AddedTokenMatcher rawAddedTokens,
        AddedTokenMatcher normalizedAddedTokens,
        Template template,
        int maxLength,
        boolean truncateLeft,
        int padId,
        int padTypeId,
        boolean padLeft,
        int padToMultipleOf,              // 0: no rounding
        String[] idToToken,               // null where no token has the id
        boolean[] special,                // by id: skipped by decode
        VocabTable allTokens,             // vocabulary and added tokens
        int vocabSize,
        WordPieceDecoder decoder) {       // null: tokens joined with spaces
}
