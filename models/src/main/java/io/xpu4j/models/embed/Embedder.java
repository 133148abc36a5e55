package io.xpu4j.models.embed;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import io.xpu4j.models.ModelStore;
import io.xpu4j.models.ProgressListener;
import io.xpu4j.models.onnx.OnnxSession;
import io.xpu4j.models.tokenizer.BatchEncoding;
import io.xpu4j.models.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sentence embeddings from a BERT-style ONNX model: tokenize, run the model on the runtime's
 * device, pool (mean over real tokens, or the [CLS] vector), L2-normalise. Texts are sorted by
 * length and run in batches, so that padding stays small; results come back in input order.
 *
 * <pre>{@code
 * try (Runtime rt = Runtime.create(); Embedder e = Embedder.load(rt, "all-minilm-l6-v2")) {
 *     float[][] v = e.embed(List.of("The weather is lovely today.", "It's so sunny outside!"));
 *     double sim = Similarity.cosine(v[0], v[1]);   // 0.666
 * }
 * }</pre>
 *
 * <p>Vectors have unit length, so cosine similarity is their dot product. {@link #embed} may be
 * called from several threads.
 */
public final class Embedder implements AutoCloseable {
    /** Texts per model run unless told otherwise. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    private static final Set<String> KNOWN_INPUTS = Set.of("input_ids", "attention_mask", "token_type_ids");

    private final Runtime runtime;
    private final OnnxSession session;
    private final Tokenizer tokenizer;
    private final Pooling pooling;
    private final String name;
    private final String output;
    private final int maxLength;
    private final int dimension;

    private Embedder(Runtime runtime, OnnxSession session, Tokenizer tokenizer, Pooling pooling, String name,
                     int knownDimension) {
        this.runtime = runtime;
        this.session = session;
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        this.name = name;
        List<String> inputs = session.inputNames();
        if (!inputs.contains("input_ids") || !KNOWN_INPUTS.containsAll(inputs)) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "model " + name + " has inputs " + inputs
                    + "; a sentence-embedding model takes input_ids and optionally attention_mask and token_type_ids");
        }
        List<String> outs = session.outputNames();
        this.output = outs.contains("last_hidden_state") ? "last_hidden_state"
                : outs.contains("sentence_embedding") ? "sentence_embedding" : outs.get(0);
        this.maxLength = tokenizer.maxLength();
        long[] dims = session.outputDims(output);
        int d = knownDimension;
        if (d <= 0 && dims != null && dims.length > 0 && dims[dims.length - 1] > 0) {
            d = Math.toIntExact(dims[dims.length - 1]);
        }
        this.dimension = d > 0 ? d : embed(List.of("dimension probe"), 1)[0].length;
    }

    /**
     * Loads a model by name ({@code all-minilm-l6-v2}, {@code bge-small-en-v1.5}), finding its
     * files with {@link ModelStore#fromEnvironment()}.
     */
    public static Embedder load(Runtime runtime, String model) {
        return load(runtime, model, ProgressListener.NONE);
    }

    public static Embedder load(Runtime runtime, String model, ProgressListener progress) {
        return load(runtime, KnownModel.byName(model), ModelStore.fromEnvironment(), progress);
    }

    /** Loads a known model, with its files from {@code store}. */
    public static Embedder load(Runtime runtime, KnownModel model, ModelStore store, ProgressListener progress) {
        ProgressListener p = progress == null ? ProgressListener.NONE : progress;
        Path onnx = store.resolve(model.onnxFile(), p);
        Path tok = store.resolve(model.tokenizerFile(), p);
        return load(runtime, onnx, tok, model.pooling(), model.id(), model.dimension(), p);
    }

    /** Loads any BERT-style ONNX sentence-embedding model with its HuggingFace {@code tokenizer.json}. */
    public static Embedder load(Runtime runtime, Path onnx, Path tokenizer, Pooling pooling, ProgressListener progress) {
        return load(runtime, onnx, tokenizer, pooling, String.valueOf(onnx.getFileName()), 0,
                progress == null ? ProgressListener.NONE : progress);
    }

    private static Embedder load(Runtime runtime, Path onnx, Path tokenizerFile, Pooling pooling, String name,
                                 int dimension, ProgressListener p) {
        p.progress("reading tokenizer " + tokenizerFile.getFileName(), -1);
        Tokenizer tok = Tokenizer.fromJson(tokenizerFile);
        OnnxSession session = OnnxSession.load(runtime, onnx, p);
        try {
            Embedder e = new Embedder(runtime, session, tok, pooling, name, dimension);
            p.progress("model " + name + " ready on " + session.device().id() + " (" + session.summary() + ")", 1);
            return e;
        } catch (RuntimeException ex) {
            session.close();
            throw ex;
        }
    }

    /** Length of the vectors. */
    public int dimension() {
        return dimension;
    }

    public Pooling pooling() {
        return pooling;
    }

    /** The model's name (a known model's id, or the .onnx file name). */
    public String modelName() {
        return name;
    }

    /** Texts longer than this many tokens (special tokens included) are truncated. */
    public int maxLength() {
        return maxLength;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public OnnxSession session() {
        return session;
    }

    /** The unit-length embedding of one text. */
    public float[] embed(String text) {
        return embed(List.of(text))[0];
    }

    /** Unit-length embeddings of {@code texts}, in order, {@value #DEFAULT_BATCH_SIZE} texts per model run. */
    public float[][] embed(List<String> texts) {
        return embed(texts, DEFAULT_BATCH_SIZE);
    }

    /** Unit-length embeddings of {@code texts}, in order, at most {@code batchSize} texts per model run. */
    public float[][] embed(List<String> texts, int batchSize) {
        if (texts == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "texts is null");
        }
        if (batchSize < 1) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "batchSize must be at least 1, got " + batchSize);
        }
        int n = texts.size();
        float[][] out = new float[n][];
        if (n == 0) {
            return out;
        }
        // longest first, so each batch holds texts of similar length and pads little
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            String t = texts.get(i);
            if (t == null) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "text " + i + " is null");
            }
            lengths[i] = batchSize == 1 || n == 1 ? 0 : tokenizer.encode(t, maxLength).length();
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -lengths[i]));
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            List<String> batch = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                batch.add(texts.get(order[k]));
            }
            float[][] vecs = embedBatch(batch);
            for (int k = start; k < end; k++) {
                out[order[k]] = vecs[k - start];
            }
        }
        return out;
    }

    @SuppressWarnings("try") // the scope frees every tensor made below; it is not referenced by name
    private float[][] embedBatch(List<String> texts) {
        BatchEncoding enc = tokenizer.encodeBatch(texts, maxLength);
        int b = enc.batchSize();
        int s = enc.sequenceLength();
        Ops ops = runtime.ops(session.device());
        Map<String, Tensor> outputs = Map.of();
        try (Scope scope = runtime.scope()) {
            Tensor mask = ops.tensor(enc.attentionMask(), b, s);
            Map<String, Tensor> in = new HashMap<>();
            for (String input : session.inputNames()) {
                in.put(input, switch (input) {
                    case "input_ids" -> ops.tensor(enc.inputIds(), b, s);
                    case "attention_mask" -> mask;
                    default -> ops.tensor(enc.typeIds(), b, s);
                });
            }
            outputs = session.run(in);
            Tensor h = outputs.get(output);
            Tensor hidden = h.dtype() == DType.F32 ? h : ops.cast(h, DType.F32);
            Tensor pooled;
            if (hidden.rank() == 2) {
                pooled = hidden;
            } else if (hidden.rank() == 3 && hidden.shape(0) == b && hidden.shape(1) == s) {
                pooled = pool(ops, hidden, mask, b);
            } else {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, "model " + name + ": output '" + output + "' is "
                        + hidden.describe() + "; expected [" + b + ", " + s + ", dim] token vectors or [" + b
                        + ", dim] sentence vectors");
            }
            // x / max(|x|, 1e-12), as sentence-transformers' Normalize does
            Tensor norm = ops.maximum(ops.sqrt(ops.sum(ops.mul(pooled, pooled), true, -1)), 1e-12);
            float[] flat = ops.div(pooled, norm).toFloatArray();
            int d = (int) pooled.shape(1);
            float[][] vecs = new float[b][];
            for (int i = 0; i < b; i++) {
                vecs[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
            }
            return vecs;
        } finally {
            outputs.values().forEach(Tensor::close);
        }
    }

    private Tensor pool(Ops ops, Tensor hidden, Tensor mask, int b) {
        long d = hidden.shape(2);
        if (pooling == Pooling.CLS) {
            return hidden.slice(1, 0, 1).reshape(b, d);
        }
        // the mean over real tokens: padding has mask 0; a row of only padding divides by 1e-9, as upstream
        Tensor m = ops.cast(mask, DType.F32).reshape(b, mask.shape(1), 1);
        Tensor sum = ops.sum(ops.mul(hidden, m), 1);
        Tensor count = ops.maximum(ops.sum(m, 1), 1e-9);
        return ops.div(sum, count);
    }

    /** Frees the model's weights. */
    @Override
    public void close() {
        session.close();
    }
}
