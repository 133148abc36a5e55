package io.xpu4j.models.tokenizer;

import java.util.List;

/**
 * Several texts padded to one length, as the model takes them: row-major
 * {@code [batchSize, sequenceLength]} int64 arrays (BERT ONNX exports declare their inputs
 * int64), attention mask 1 on tokens and 0 on padding.
 */
public final class BatchEncoding {
    private final List<Encoding> encodings;
    private final int sequenceLength;
    private final long[] inputIds;
    private final long[] attentionMask;
    private final long[] typeIds;

    BatchEncoding(List<Encoding> encodings, int sequenceLength, long[] inputIds, long[] attentionMask,
                  long[] typeIds) {
        this.encodings = List.copyOf(encodings);
        this.sequenceLength = sequenceLength;
        this.inputIds = inputIds;
        this.attentionMask = attentionMask;
        this.typeIds = typeIds;
    }

    public int batchSize() {
        return encodings.size();
    }

    /** Length of every row: the longest encoding, rounded up to the file's {@code pad_to_multiple_of}. */
    public int sequenceLength() {
        return sequenceLength;
    }

    /** {@code [batchSize * sequenceLength]}, padding positions hold the pad id. */
    public long[] inputIds() {
        return inputIds.clone();
    }

    /** {@code [batchSize * sequenceLength]}, 1 for tokens, 0 for padding. */
    public long[] attentionMask() {
        return attentionMask.clone();
    }

    /** {@code [batchSize * sequenceLength]}, padding positions hold the pad type id. */
    public long[] typeIds() {
        return typeIds.clone();
    }

    /** The unpadded encodings, in input order. */
    public List<Encoding> encodings() {
        return encodings;
    }
}
