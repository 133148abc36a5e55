package io.xpu4j.models.tokenizer;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A HuggingFace {@code tokenizer.json} tokenizer for BERT-style models, in plain Java: the
 * {@code BertNormalizer}, {@code BertPreTokenizer}, {@code WordPiece} model,
 * {@code TemplateProcessing}/{@code BertProcessing} post-processor, truncation and padding
 * settings the file names. A file that names any other component is refused when loaded, with
 * the component's type in the message. Instances are immutable and safe to share between
 * threads.
 */
public final class Tokenizer {
    private final TokenizerSpec spec;

    Tokenizer(TokenizerSpec spec) {
        this.spec = spec;
    }

    /** Reads a {@code tokenizer.json} file. */
    public static Tokenizer fromJson(Path file) {
        if (file == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "tokenizer file path is null");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return TokenizerJson.read(in, file.toString());
        } catch (IOException e) {
            throw new XpuException(ErrorCode.CONFIG, "cannot read tokenizer file " + file + ": " + e, e);
        }
    }

    /** Reads {@code tokenizer.json} content from a stream; the stream is read to its end, not closed. */
    public static Tokenizer fromJson(InputStream in) {
        if (in == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "tokenizer stream is null");
        }
        return TokenizerJson.read(in, "stream");
    }

    /**
     * The longest encoding {@link #encode(String)} returns, special tokens included: the file's
     * {@code truncation.max_length}, or 512 (BERT's position limit) when the file sets none.
     */
    public int maxLength() {
        return spec.maxLength();
    }

    /** Distinct tokens of the vocabulary and the added tokens, as upstream counts them. */
    public int vocabSize() {
        return spec.vocabSize();
    }

    /** The id of a vocabulary or added token, or -1 when there is none. */
    public int tokenId(String token) {
        return token == null ? -1 : spec.allTokens().get(token);
    }

    /** The token of an id, or null when no token has it. */
    public String token(int id) {
        String[] t = spec.idToToken();
        return id >= 0 && id < t.length ? t[id] : null;
    }

    /** Tokenizes one text, truncated to {@link #maxLength()}. */
    public Encoding encode(String text) {
        return encode(text, spec.maxLength());
    }

    /**
     * Tokenizes one text, truncated so that it has at most {@code maxLength} tokens with the
     * template's special tokens (which truncation never removes).
     */
    public Encoding encode(String text, int maxLength) {
        if (text == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "text to tokenize is null");
        }
        Template template = spec.template();
        if (maxLength < template.addedCount || maxLength < 1) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "maxLength " + maxLength
                    + " leaves no room for the " + template.addedCount
                    + " special tokens of the template; it must be at least " + Math.max(1, template.addedCount));
        }
        int budget = maxLength - template.addedCount;
        // right truncation drops the tail anyway, so stop tokenizing once the budget is full
        Run run = new Run(spec.truncateLeft() ? Integer.MAX_VALUE : budget);
        run.pieces(text);
        int from = 0;
        int to = run.ids.size();
        if (to > budget) {
            if (spec.truncateLeft()) {
                from = to - budget;
            } else {
                to = budget;
            }
        }
        return assemble(run.ids, from, to);
    }

    /**
     * Tokenizes several texts, each truncated to {@code maxLength}, and pads them to the longest
     * (rounded up to the file's {@code pad_to_multiple_of}) with the file's pad id, pad type id
     * and padding side. A fixed padding length in the file is not applied: padded positions are
     * masked out, so only the cost would change.
     */
    public BatchEncoding encodeBatch(List<String> texts, int maxLength) {
        if (texts == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "texts to tokenize is null");
        }
        List<Encoding> encodings = new ArrayList<>(texts.size());
        int longest = 0;
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text == null) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "text " + i + " of the batch is null");
            }
            Encoding e = encode(text, maxLength);
            encodings.add(e);
            longest = Math.max(longest, e.length());
        }
        int multiple = spec.padToMultipleOf();
        int seq = multiple > 0 && longest % multiple != 0 ? (longest / multiple + 1) * multiple : longest;
        int rows = encodings.size();
        long[] ids = new long[rows * seq];
        long[] mask = new long[rows * seq];
        long[] types = new long[rows * seq];
        for (int r = 0; r < rows; r++) {
            Encoding e = encodings.get(r);
            int n = e.length();
            int base = r * seq;
            int first = spec.padLeft() ? seq - n : 0;
            for (int j = 0; j < seq; j++) {
                ids[base + j] = spec.padId();
                types[base + j] = spec.padTypeId();
            }
            for (int j = 0; j < n; j++) {
                ids[base + first + j] = e.id(j);
                mask[base + first + j] = 1;
                types[base + first + j] = e.typeId(j);
            }
        }
        return new BatchEncoding(encodings, seq, ids, mask, types);
    }

    /**
     * The text of token ids: special added tokens are left out, the rest joined by the file's
     * decoder (WordPiece: "##" pieces glued on, BERT's punctuation spacing cleaned up).
     */
    public String decode(int[] ids) {
        if (ids == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ids to decode is null");
        }
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String t = token(id);
            if (t == null) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "token id " + id
                        + " is not in the vocabulary (ids run from 0 to " + (spec.idToToken().length - 1) + ")");
            }
            if (!spec.special()[id]) {
                tokens.add(t);
            }
        }
        return spec.decoder() == null ? String.join(" ", tokens) : spec.decoder().decode(tokens);
    }

    private Encoding assemble(IntList pieces, int from, int to) {
        Template template = spec.template();
        int n = template.addedCount + (to - from);
        int[] ids = new int[n];
        int[] types = new int[n];
        String[] tokens = new String[n];
        String[] idToToken = spec.idToToken();
        int k = 0;
        for (Template.Part part : template.parts) {
            if (part.isSequence()) {
                for (int i = from; i < to; i++, k++) {
                    ids[k] = pieces.get(i);
                    types[k] = part.typeId();
                    tokens[k] = idToToken[ids[k]];
                }
            } else {
                for (int i = 0; i < part.ids().length; i++, k++) {
                    ids[k] = part.ids()[i];
                    types[k] = part.typeId();
                    tokens[k] = part.tokens()[i];
                }
            }
        }
        return new Encoding(ids, types, tokens);
    }

    /**
     * One encode call: added tokens are cut out of the raw text, each remaining piece is
     * normalized, normalized added tokens are cut out of that, and the rest is pre-tokenized
     * into words for WordPiece. Every step stops once {@code cap} ids are collected.
     */
    private final class Run implements AddedTokenMatcher.Sink, BertPreTokenizer.WordSink {
        final IntList ids = new IntList(64);
        final int cap;
        final StringBuilder normalized = new StringBuilder(64);
        boolean normalizedLevel;

        Run(int cap) {
            this.cap = cap;
        }

        void pieces(String text) {
            if (cap <= 0 || text.isEmpty()) {
                return;
            }
            char[] raw = text.toCharArray();
            if (spec.rawAddedTokens().isEmpty()) {
                rawText(raw, 0, raw.length);
            } else {
                spec.rawAddedTokens().split(raw, 0, raw.length, this);
            }
        }

        @Override
        public boolean text(char[] buf, int start, int end) {
            return normalizedLevel ? words(buf, start, end) : rawText(buf, start, end);
        }

        @Override
        public boolean token(int id) {
            ids.add(id);
            return ids.size() < cap;
        }

        private boolean rawText(char[] buf, int start, int end) {
            char[] norm;
            int len;
            if (spec.normalizer() == null) {
                norm = buf;
                len = end;
            } else {
                normalized.setLength(0);
                spec.normalizer().normalize(buf, start, end, normalized);
                len = normalized.length();
                norm = new char[len];
                normalized.getChars(0, len, norm, 0);
                start = 0;
            }
            if (spec.normalizedAddedTokens().isEmpty()) {
                return words(norm, start, len);
            }
            normalizedLevel = true;
            try {
                return spec.normalizedAddedTokens().split(norm, start, len, this);
            } finally {
                normalizedLevel = false;
            }
        }

        private boolean words(char[] buf, int start, int end) {
            if (spec.bertPreTokenizer()) {
                return BertPreTokenizer.split(buf, start, end, this);
            }
            return start >= end || word(buf, start, end);
        }

        @Override
        public boolean word(char[] buf, int start, int end) {
            spec.model().tokenize(buf, start, end, ids);
            return ids.size() < cap;
        }
    }
}
