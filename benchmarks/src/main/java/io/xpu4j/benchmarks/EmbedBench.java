package io.xpu4j.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.xpu4j.models.ModelStore;
import io.xpu4j.models.ProgressListener;
import io.xpu4j.models.embed.Embedder;
import io.xpu4j.models.embed.KnownModel;
import io.xpu4j.models.tokenizer.BatchEncoding;
import io.xpu4j.models.tokenizer.Tokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sentence embeddings with all-MiniLM-L6-v2 at sequence length 128: xpu4j's {@link Embedder}
 * against ONNX Runtime's CPU execution provider on the same ONNX file, same thread count, same
 * token ids, in the same run. Both sides include tokenisation, the model run, mean pooling and
 * L2 normalisation; the score is sentences per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class EmbedBench {
    static final int SEQ = 128;

    /** Texts long enough that every one is truncated to exactly {@link #SEQ} tokens. */
    static List<String> texts(int n) {
        String[] words = {"the", "weather", "is", "lovely", "today", "and", "it", "is", "so", "sunny", "outside",
                "while", "he", "drove", "to", "the", "stadium", "for", "an", "evening", "game"};
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 3 * SEQ; w++) {
                sb.append(words[(w * 7 + i) % words.length]).append(' ');
            }
            out.add(sb.toString());
        }
        return out;
    }

    @State(Scope.Benchmark)
    public static class Xpu extends XpuState {
        @Param({"1", "32"})
        public int batch;

        Embedder embedder;
        List<String> texts;

        @Setup(Level.Trial)
        public void setup() {
            open();
            embedder = Embedder.load(runtime, KnownModel.ALL_MINILM_L6_V2.id());
            texts = texts(batch);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            embedder.close();
            close();
        }
    }

    @State(Scope.Benchmark)
    public static class Ort {
        @Param({"1", "32"})
        public int batch;

        OrtEnvironment env;
        OrtSession session;
        Tokenizer tokenizer;
        List<String> texts;

        @Setup(Level.Trial)
        public void setup() throws OrtException {
            ModelStore store = ModelStore.fromEnvironment();
            Path onnx = store.resolve(KnownModel.ALL_MINILM_L6_V2.onnxFile(), ProgressListener.NONE);
            Path tok = store.resolve(KnownModel.ALL_MINILM_L6_V2.tokenizerFile(), ProgressListener.NONE);
            tokenizer = Tokenizer.fromJson(tok);
            env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
            // the same number of threads xpu4j's CPU pool uses
            opts.setIntraOpNumThreads(java.lang.Runtime.getRuntime().availableProcessors());
            opts.setInterOpNumThreads(1);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(onnx.toString(), opts);
            texts = texts(batch);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws OrtException {
            session.close();
        }

        float[][] embed() throws OrtException {
            BatchEncoding enc = tokenizer.encodeBatch(texts, SEQ);
            long[] shape = {enc.batchSize(), enc.sequenceLength()};
            Map<String, OnnxTensor> in = new HashMap<>();
            try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(enc.inputIds()), shape);
                 OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(enc.attentionMask()), shape);
                 OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(enc.typeIds()), shape)) {
                in.put("input_ids", ids);
                in.put("attention_mask", mask);
                if (session.getInputNames().contains("token_type_ids")) {
                    in.put("token_type_ids", types);
                }
                try (OrtSession.Result r = session.run(in)) {
                    float[][][] hidden = (float[][][]) r.get(0).getValue();
                    return meanPoolAndNormalise(hidden, enc.attentionMask(), enc.sequenceLength());
                }
            }
        }
    }

    static float[][] meanPoolAndNormalise(float[][][] hidden, long[] mask, int seq) {
        float[][] out = new float[hidden.length][];
        for (int b = 0; b < hidden.length; b++) {
            int dim = hidden[b][0].length;
            double[] acc = new double[dim];
            int count = 0;
            for (int s = 0; s < seq; s++) {
                if (mask[b * seq + s] != 0) {
                    count++;
                    for (int d = 0; d < dim; d++) {
                        acc[d] += hidden[b][s][d];
                    }
                }
            }
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                acc[d] /= Math.max(count, 1);
                norm += acc[d] * acc[d];
            }
            norm = Math.sqrt(norm);
            out[b] = new float[dim];
            for (int d = 0; d < dim; d++) {
                out[b][d] = (float) (acc[d] / norm);
            }
        }
        return out;
    }

    /** Sentences per second = batch × this score. */
    @Benchmark
    public float[][] embed_xpu4j(Xpu s) {
        return s.embedder.embed(s.texts, s.batch);
    }

    /** Sentences per second = batch × this score. */
    @Benchmark
    public float[][] embed_onnxruntime(Ort s) throws OrtException {
        return s.embed();
    }
}
