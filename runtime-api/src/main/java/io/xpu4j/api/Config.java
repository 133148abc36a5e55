package io.xpu4j.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The effective runtime configuration: immutable, validated, and aware of where each value came
 * from ({@link #sourceOf(String)}).
 *
 * <p>{@link ConfigLoader} builds one from defaults, a config file, {@code XPU4J_*} environment
 * variables and {@code xpu4j.*} system properties. Code overrides go on top:
 * {@code ConfigLoader.load().toBuilder().backend("cpu").build()}.
 *
 * <p>Keys, as written in config files: {@code backend}, {@code device}, {@code fallbackBackends},
 * {@code opFallback}, {@code defaultDType}, {@code matmulPrecision}, {@code memory.limitBytes}.
 */
public final class Config {

    /** What to do when the device's backend has no kernel for an op. */
    public enum OpFallback {
        /** Copy the operands to the CPU backend, run the op there, and copy the result back. */
        CPU,
        /** Fail with {@link ErrorCode#UNSUPPORTED_OP}. */
        ERROR
    }

    /**
     * How exactly accelerators compute F32 {@code matmul} (and {@code linear}), in the spirit of
     * PyTorch's {@code torch.set_float32_matmul_precision}. F16/BF16 matmuls always accumulate in
     * F32 and are not affected; the CPU backend always computes F32 matmuls in F32 and ignores it.
     */
    public enum MatmulPrecision {
        /** F32 inputs are multiplied as F32 (no TF32/HF32/FP16 down-conversion). */
        HIGHEST,
        /**
         * F32 inputs may be rounded to a 19-bit-class format (TF32 on CUDA, HF32 on Atlas A2/A3, FP16
         * on older Ascend chips) before multiplying, with F32 accumulation: faster, about 1e-3
         * relative error.
         */
        HIGH;

        /** The value as written in config sources and in the {@code f32Precision} op attribute. */
        public String id() {
            return lower(this);
        }

        /**
         * The precision a {@code matmul} kernel call asks for: its {@code f32Precision} attribute
         * ({@link Ops#MATMUL_F32_PRECISION}), or {@code HIGHEST} when the call has none (calls
         * made without {@link Ops}, such as a user's own dispatch).
         *
         * @throws XpuException with {@link ErrorCode#INVALID_ARGUMENT} for any other value
         */
        public static MatmulPrecision of(OpAttrs attrs) {
            if (!attrs.has(Ops.MATMUL_F32_PRECISION)) {
                return HIGHEST;
            }
            Object v = attrs.get(Ops.MATMUL_F32_PRECISION);
            for (MatmulPrecision p : values()) {
                if (p.id().equals(v)) {
                    return p;
                }
            }
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "matmul: bad value '" + v + "' for attribute '"
                    + Ops.MATMUL_F32_PRECISION + "'; allowed: " + ALLOWED_MATMUL_PRECISION);
        }
    }

    static final String BACKEND = "backend";
    static final String DEVICE = "device";
    static final String FALLBACK_BACKENDS = "fallbackBackends";
    static final String OP_FALLBACK = "opFallback";
    static final String DEFAULT_DTYPE = "defaultDType";
    static final String MATMUL_PRECISION = "matmulPrecision";
    static final String MEMORY_LIMIT_BYTES = "memory.limitBytes";

    /** Every key, in the order messages and {@link #sources()} list them. */
    static final List<String> KEYS =
            List.of(BACKEND, DEVICE, FALLBACK_BACKENDS, OP_FALLBACK, DEFAULT_DTYPE, MATMUL_PRECISION,
                    MEMORY_LIMIT_BYTES);

    static final List<String> BACKENDS = List.of("auto", "cpu", "cuda", "cann");
    static final List<String> FALLBACK_CHOICES = List.of("cpu", "cuda", "cann");

    static final String ALLOWED_BACKEND = String.join(", ", BACKENDS);
    static final String ALLOWED_DEVICE = "an integer >= 0";
    static final String ALLOWED_FALLBACK =
            "a list of distinct entries from " + String.join(", ", FALLBACK_CHOICES)
                    + " (in text sources: comma-separated)";
    static final String ALLOWED_OP_FALLBACK = Arrays.stream(OpFallback.values())
            .map(Config::lower).collect(Collectors.joining(", "));
    static final String ALLOWED_DTYPE = Arrays.stream(DType.values())
            .map(Config::lower).collect(Collectors.joining(", "));
    static final String ALLOWED_MATMUL_PRECISION = Arrays.stream(MatmulPrecision.values())
            .map(Config::lower).collect(Collectors.joining(", "));
    static final String ALLOWED_MEMORY = "an integer >= 0 (0 = unlimited), or a size such as"
            + " 512MiB, 4GiB, 1024KiB (binary), 1GB (decimal), 512m, 2g (binary)";

    private static final Config DEFAULTS = new Builder().build();

    private final String backend;
    private final int device;
    private final List<String> fallbackBackends;
    private final OpFallback opFallback;
    private final DType defaultDType;
    private final MatmulPrecision matmulPrecision;
    private final long memoryLimitBytes;
    private final Map<String, ConfigSource> sources;

    private Config(Builder b, String backend, List<String> fallbackBackends) {
        this.backend = backend;
        this.device = b.device;
        this.fallbackBackends = fallbackBackends;
        this.opFallback = b.opFallback;
        this.defaultDType = b.defaultDType;
        this.matmulPrecision = b.matmulPrecision;
        this.memoryLimitBytes = b.memoryLimitBytes;
        this.sources = Collections.unmodifiableMap(new LinkedHashMap<>(b.sources));
    }

    /** The built-in defaults: backend {@code auto}, device 0, fallback {@code [cpu]}, op fallback
     * {@code cpu}, dtype {@code F32}, matmul precision {@code highest}, no memory limit. */
    public static Config defaults() {
        return DEFAULTS;
    }

    /** A builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this config, keeping its sources until a value is set. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.backend = backend;
        b.device = device;
        b.fallbackBackends = fallbackBackends;
        b.opFallback = opFallback;
        b.defaultDType = defaultDType;
        b.matmulPrecision = matmulPrecision;
        b.memoryLimitBytes = memoryLimitBytes;
        b.sources.putAll(sources);
        return b;
    }

    /** {@code auto}, {@code cpu}, {@code cuda} or {@code cann}. */
    public String backend() {
        return backend;
    }

    /** The device index on the chosen backend. */
    public int device() {
        return device;
    }

    /** Backends to try, in order, when the chosen one is unavailable (unmodifiable). */
    public List<String> fallbackBackends() {
        return fallbackBackends;
    }

    public OpFallback opFallback() {
        return opFallback;
    }

    public DType defaultDType() {
        return defaultDType;
    }

    /** How exactly accelerators compute F32 matmuls; the CPU backend ignores it. */
    public MatmulPrecision matmulPrecision() {
        return matmulPrecision;
    }

    /** The device memory limit in bytes; 0 means unlimited. */
    public long memoryLimitBytes() {
        return memoryLimitBytes;
    }

    /** Where each effective value came from, for every key (unmodifiable, in key order). */
    public Map<String, ConfigSource> sources() {
        return sources;
    }

    /**
     * Where the effective value of {@code key} came from.
     *
     * @throws XpuException with {@link ErrorCode#CONFIG} if {@code key} is not a config key
     */
    public ConfigSource sourceOf(String key) {
        ConfigSource s = sources.get(key);
        if (s == null) {
            throw new XpuException(ErrorCode.CONFIG,
                    "unknown key '" + key + "'; allowed keys: " + String.join(", ", KEYS));
        }
        return s;
    }

    /** Equal when the effective values are equal; where they came from does not matter. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Config c
                && backend.equals(c.backend)
                && device == c.device
                && fallbackBackends.equals(c.fallbackBackends)
                && opFallback == c.opFallback
                && defaultDType == c.defaultDType
                && matmulPrecision == c.matmulPrecision
                && memoryLimitBytes == c.memoryLimitBytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(backend, device, fallbackBackends, opFallback, defaultDType, matmulPrecision,
                memoryLimitBytes);
    }

    @Override
    public String toString() {
        return "Config{" + BACKEND + "=" + backend
                + ", " + DEVICE + "=" + device
                + ", " + FALLBACK_BACKENDS + "=" + fallbackBackends
                + ", " + OP_FALLBACK + "=" + lower(opFallback)
                + ", " + DEFAULT_DTYPE + "=" + lower(defaultDType)
                + ", " + MATMUL_PRECISION + "=" + lower(matmulPrecision)
                + ", " + MEMORY_LIMIT_BYTES + "=" + memoryLimitBytes + "}";
    }

    /** Builds a {@link Config}; every value set here is recorded as coming from code. */
    public static final class Builder {
        private String backend = "auto";
        private int device = 0;
        private List<String> fallbackBackends = List.of("cpu");
        private OpFallback opFallback = OpFallback.CPU;
        private DType defaultDType = DType.F32;
        private MatmulPrecision matmulPrecision = MatmulPrecision.HIGHEST;
        private long memoryLimitBytes = 0;
        private final Map<String, ConfigSource> sources = new LinkedHashMap<>();

        private Builder() {
            for (String key : KEYS) {
                sources.put(key, ConfigSource.DEFAULT);
            }
        }

        /** {@code auto}, {@code cpu}, {@code cuda} or {@code cann}, in any case. */
        public Builder backend(String backend) {
            this.backend = backend;
            return source(BACKEND, ConfigSource.CODE);
        }

        public Builder device(int device) {
            this.device = device;
            return source(DEVICE, ConfigSource.CODE);
        }

        /** Each of {@code cpu}, {@code cuda}, {@code cann} at most once; may be empty. */
        public Builder fallbackBackends(List<String> fallbackBackends) {
            // Copied now so that later changes to the caller's list do not leak in; nulls are
            // kept so that build() reports them like any other bad value.
            this.fallbackBackends = fallbackBackends == null ? null : new ArrayList<>(fallbackBackends);
            return source(FALLBACK_BACKENDS, ConfigSource.CODE);
        }

        public Builder opFallback(OpFallback opFallback) {
            this.opFallback = opFallback;
            return source(OP_FALLBACK, ConfigSource.CODE);
        }

        public Builder defaultDType(DType defaultDType) {
            this.defaultDType = defaultDType;
            return source(DEFAULT_DTYPE, ConfigSource.CODE);
        }

        /** {@code HIGHEST} (the default) or {@code HIGH}; see {@link MatmulPrecision}. */
        public Builder matmulPrecision(MatmulPrecision matmulPrecision) {
            this.matmulPrecision = matmulPrecision;
            return source(MATMUL_PRECISION, ConfigSource.CODE);
        }

        /** 0 means unlimited. */
        public Builder memoryLimitBytes(long memoryLimitBytes) {
            this.memoryLimitBytes = memoryLimitBytes;
            return source(MEMORY_LIMIT_BYTES, ConfigSource.CODE);
        }

        /** Lets the loader record the real origin after using a public setter. */
        Builder source(String key, ConfigSource source) {
            sources.put(key, source);
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws XpuException with {@link ErrorCode#CONFIG} naming the source, key, bad value and
         *                      what is allowed
         */
        public Config build() {
            String b = checkBackend(backend, sources.get(BACKEND));
            checkDevice(device, sources.get(DEVICE));
            List<String> fb = checkFallbacks(fallbackBackends, String.valueOf(fallbackBackends),
                    sources.get(FALLBACK_BACKENDS));
            if (opFallback == null) {
                throw badValue(sources.get(OP_FALLBACK), OP_FALLBACK, "null", ALLOWED_OP_FALLBACK);
            }
            if (defaultDType == null) {
                throw badValue(sources.get(DEFAULT_DTYPE), DEFAULT_DTYPE, "null", ALLOWED_DTYPE);
            }
            if (matmulPrecision == null) {
                throw badValue(sources.get(MATMUL_PRECISION), MATMUL_PRECISION, "null",
                        ALLOWED_MATMUL_PRECISION);
            }
            if (memoryLimitBytes < 0) {
                throw badValue(sources.get(MEMORY_LIMIT_BYTES), MEMORY_LIMIT_BYTES,
                        Long.toString(memoryLimitBytes), "negative", ALLOWED_MEMORY);
            }
            return new Config(this, b, fb);
        }
    }

    // ---- validation shared by the builder and the loader ----

    /** Returns the backend in canonical (lower) case. */
    static String checkBackend(String value, ConfigSource src) {
        String v = value == null ? null : lower(value.strip());
        if (v == null || !BACKENDS.contains(v)) {
            throw badValue(src, BACKEND, String.valueOf(value), ALLOWED_BACKEND);
        }
        return v;
    }

    static void checkDevice(long value, ConfigSource src) {
        if (value < 0) {
            throw badValue(src, DEVICE, Long.toString(value), "negative", ALLOWED_DEVICE);
        }
        if (value > Integer.MAX_VALUE) {
            throw badValue(src, DEVICE, Long.toString(value), "too large", ALLOWED_DEVICE);
        }
    }

    /**
     * Returns the entries in canonical case as an unmodifiable list.
     *
     * @param shown the value as the user wrote it, for the message
     */
    static List<String> checkFallbacks(List<String> entries, String shown, ConfigSource src) {
        if (entries == null) {
            throw badValue(src, FALLBACK_BACKENDS, "null", ALLOWED_FALLBACK);
        }
        List<String> out = new ArrayList<>(entries.size());
        Set<String> seen = new HashSet<>();
        for (String e : entries) {
            String v = e == null ? null : lower(e.strip());
            if (v == null || !FALLBACK_CHOICES.contains(v)) {
                String what = v == null || v.isEmpty() ? "empty entry" : "entry '" + e + "'";
                throw badValue(src, FALLBACK_BACKENDS, shown, "bad " + what, ALLOWED_FALLBACK);
            }
            if (!seen.add(v)) {
                throw badValue(src, FALLBACK_BACKENDS, shown, "duplicate entry '" + v + "'",
                        ALLOWED_FALLBACK);
            }
            out.add(v);
        }
        return List.copyOf(out);
    }

    static XpuException badValue(ConfigSource src, String key, String value, String allowed) {
        return badValue(src, key, value, null, allowed);
    }

    /** The one shape of every bad-value message, so users learn to read them once. */
    static XpuException badValue(ConfigSource src, String key, String value, String reason,
                                 String allowed) {
        return new XpuException(ErrorCode.CONFIG, src.where() + ": bad value '" + value
                + "' for key '" + key + "'" + (reason == null ? "" : " (" + reason + ")")
                + "; allowed: " + allowed);
    }

    static String lower(Object o) {
        return o.toString().toLowerCase(Locale.ROOT);
    }
}
