package io.xpu4j.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.xpu4j.api.Config.ALLOWED_BACKEND;
import static io.xpu4j.api.Config.ALLOWED_DEVICE;
import static io.xpu4j.api.Config.ALLOWED_DTYPE;
import static io.xpu4j.api.Config.ALLOWED_FALLBACK;
import static io.xpu4j.api.Config.ALLOWED_MATMUL_PRECISION;
import static io.xpu4j.api.Config.ALLOWED_MEMORY;
import static io.xpu4j.api.Config.ALLOWED_OP_FALLBACK;
import static io.xpu4j.api.Config.BACKEND;
import static io.xpu4j.api.Config.DEFAULT_DTYPE;
import static io.xpu4j.api.Config.DEVICE;
import static io.xpu4j.api.Config.FALLBACK_BACKENDS;
import static io.xpu4j.api.Config.KEYS;
import static io.xpu4j.api.Config.MATMUL_PRECISION;
import static io.xpu4j.api.Config.MEMORY_LIMIT_BYTES;
import static io.xpu4j.api.Config.OP_FALLBACK;
import static io.xpu4j.api.Config.badValue;

/**
 * Loads a {@link Config} from, lowest precedence first: built-in defaults, one config file, the
 * {@code XPU4J_*} environment variables, and the {@code xpu4j.*} system properties.
 *
 * <p>The config file is the explicit one if given; else the one named by {@code -Dxpu4j.config}
 * or {@code XPU4J_CONFIG}; else whichever of {@code xpu4j.yaml}, {@code xpu4j.yml},
 * {@code xpu4j.json} exists in the working directory (at most one may). Files ending in
 * {@code .json} are read as JSON, all others as YAML. Memory can be written nested
 * ({@code memory: {limitBytes: 4GiB}}) or dotted ({@code memory.limitBytes: 4GiB}).
 *
 * <p>Unknown keys, variables and properties are errors rather than being ignored, so that a typo
 * cannot silently leave a default in force. Names under {@code xpu4j.internal.} and
 * {@code xpu4j.test.} are reserved and ignored. Every failure is an {@link XpuException} with
 * {@link ErrorCode#CONFIG} whose message names the source, the key, the bad value and what is
 * allowed.
 */
public final class ConfigLoader {

    static final String ENV_PREFIX = "XPU4J_";
    static final String PROP_PREFIX = "xpu4j.";
    static final String ENV_CONFIG = "XPU4J_CONFIG";
    static final String PROP_CONFIG = "xpu4j.config";
    static final List<String> DEFAULT_FILE_NAMES = List.of("xpu4j.yaml", "xpu4j.yml", "xpu4j.json");
    private static final List<String> RESERVED_PROP_PREFIXES = List.of("xpu4j.internal.", "xpu4j.test.");

    /** Config key to environment variable, in key order. */
    static final Map<String, String> ENV_NAMES = envNames();
    /** Config key to system property, in key order. */
    static final Map<String, String> PROP_NAMES = propNames();

    private static Map<String, String> envNames() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(BACKEND, "XPU4J_BACKEND");
        m.put(DEVICE, "XPU4J_DEVICE");
        m.put(FALLBACK_BACKENDS, "XPU4J_FALLBACK_BACKENDS");
        m.put(OP_FALLBACK, "XPU4J_OP_FALLBACK");
        m.put(DEFAULT_DTYPE, "XPU4J_DEFAULT_DTYPE");
        m.put(MATMUL_PRECISION, "XPU4J_MATMUL_PRECISION");
        m.put(MEMORY_LIMIT_BYTES, "XPU4J_MEMORY_LIMIT_BYTES");
        return Collections.unmodifiableMap(m);
    }

    private static Map<String, String> propNames() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String key : KEYS) {
            m.put(key, PROP_PREFIX + key);
        }
        return Collections.unmodifiableMap(m);
    }

    private static final ObjectMapper JSON = strict(new ObjectMapper());
    private static final ObjectMapper YAML = strict(new ObjectMapper(new YAMLFactory()));

    private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*([A-Za-z]*)");

    private ConfigLoader() {
    }

    private static ObjectMapper strict(ObjectMapper m) {
        // A key written twice is almost always a mistake; without this the last one wins silently.
        m.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        return m;
    }

    /** Loads from this process's environment, system properties and working directory. */
    public static Config load() {
        return load(null, System.getenv(), System.getProperties(), Path.of(""));
    }

    /**
     * Loads from the given sources; the parameters exist so that tests and embedders need not
     * touch the process's real environment.
     *
     * @param explicitFile the config file to read, or {@code null} to look for one; a relative
     *                     path is resolved against {@code workingDir}
     * @param env          environment variables; only names starting with {@code XPU4J_} are read
     * @param sysProps     system properties; only names starting with {@code xpu4j.} are read
     * @param workingDir   where default config files are looked for
     * @throws XpuException with {@link ErrorCode#CONFIG} on any bad file, name or value
     */
    public static Config load(Path explicitFile, Map<String, String> env, Properties sysProps,
                              Path workingDir) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(sysProps, "sysProps");
        Objects.requireNonNull(workingDir, "workingDir");

        Map<String, String> envVars = relevantEnv(env);
        Map<String, String> props = relevantProps(sysProps);

        Config.Builder b = Config.builder();
        Path file = locateFile(explicitFile, envVars, props, workingDir);
        if (file != null) {
            applyFile(b, file);
        }
        for (Map.Entry<String, String> e : ENV_NAMES.entrySet()) {
            String text = envVars.get(e.getValue());
            if (text != null) {
                applyText(b, e.getKey(), text, ConfigSource.env(e.getValue()));
            }
        }
        for (Map.Entry<String, String> e : PROP_NAMES.entrySet()) {
            String text = props.get(e.getValue());
            if (text != null) {
                applyText(b, e.getKey(), text, ConfigSource.property(e.getValue()));
            }
        }
        return b.build();
    }

    // ---- names ----

    /** The {@code XPU4J_*} variables, after rejecting unknown ones. Sorted for stable errors. */
    static Map<String, String> relevantEnv(Map<String, String> env) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey() != null && e.getKey().startsWith(ENV_PREFIX)) {
                out.put(e.getKey(), e.getValue());
            }
        }
        List<String> allowed = new ArrayList<>(ENV_NAMES.values());
        allowed.add(ENV_CONFIG);
        rejectUnknown(out, allowed, "env ", "environment variable");
        return out;
    }

    /** The {@code xpu4j.*} properties, less reserved ones, after rejecting unknown ones. */
    static Map<String, String> relevantProps(Properties sysProps) {
        Map<String, String> out = new TreeMap<>();
        for (String name : sysProps.stringPropertyNames()) {
            if (name.startsWith(PROP_PREFIX)
                    && RESERVED_PROP_PREFIXES.stream().noneMatch(name::startsWith)) {
                out.put(name, sysProps.getProperty(name));
            }
        }
        List<String> allowed = new ArrayList<>(PROP_NAMES.values());
        allowed.add(PROP_CONFIG);
        rejectUnknown(out, allowed, "system property -D", "system property");
        return out;
    }

    private static void rejectUnknown(Map<String, String> found, List<String> allowed,
                                      String prefix, String noun) {
        List<String> unknown = found.keySet().stream().filter(n -> !allowed.contains(n)).toList();
        if (unknown.isEmpty()) {
            return;
        }
        String name = unknown.getFirst();
        StringBuilder sb = new StringBuilder(prefix).append(name).append(": unknown ").append(noun)
                .append(" '").append(name).append("' (value '").append(found.get(name)).append("')");
        if (unknown.size() > 1) {
            sb.append("; also unknown: ").append(String.join(", ", unknown.subList(1, unknown.size())));
        }
        sb.append("; allowed: ").append(String.join(", ", allowed));
        if (noun.equals("system property")) {
            sb.append(" (names under ").append(String.join(" and ", RESERVED_PROP_PREFIXES))
                    .append(" are reserved)");
        }
        throw new XpuException(ErrorCode.CONFIG, sb.toString());
    }

    // ---- the file ----

    /** The config file to read, or {@code null} if there is none. */
    static Path locateFile(Path explicitFile, Map<String, String> env, Map<String, String> props,
                           Path workingDir) {
        if (explicitFile != null) {
            return requireFile(workingDir.resolve(explicitFile), "config file " + explicitFile);
        }
        String named = props.get(PROP_CONFIG);
        String where = "system property -D" + PROP_CONFIG;
        if (named == null) {
            named = env.get(ENV_CONFIG);
            where = "env " + ENV_CONFIG;
        }
        if (named != null) {
            if (named.isBlank()) {
                throw new XpuException(ErrorCode.CONFIG, where + ": bad value '" + named
                        + "' for the config file path; allowed: a path to a .yaml, .yml or .json file");
            }
            return requireFile(workingDir.resolve(named.strip()), where + ": config file " + named.strip());
        }
        List<Path> found = new ArrayList<>();
        for (String name : DEFAULT_FILE_NAMES) {
            Path p = workingDir.resolve(name);
            if (Files.exists(p)) {
                found.add(p);
            }
        }
        if (found.size() > 1) {
            throw new XpuException(ErrorCode.CONFIG, "working directory "
                    + workingDir.toAbsolutePath() + ": found more than one config file: "
                    + String.join(", ", found.stream().map(Path::toString).toList())
                    + "; keep only one, or pick one with " + ENV_CONFIG + " or -D" + PROP_CONFIG);
        }
        return found.isEmpty() ? null : requireFile(found.getFirst(), "config file " + found.getFirst());
    }

    private static Path requireFile(Path p, String what) {
        if (!Files.exists(p)) {
            throw new XpuException(ErrorCode.CONFIG, what + ": file not found (looked at "
                    + p.toAbsolutePath() + ")");
        }
        if (!Files.isRegularFile(p)) {
            throw new XpuException(ErrorCode.CONFIG, what + ": not a regular file");
        }
        return p;
    }

    static void applyFile(Config.Builder b, Path file) {
        ConfigSource src = ConfigSource.file(file.toString());
        boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        JsonNode root = parse(file, json, src);
        if (root == null || root.isMissingNode() || root.isNull()) {
            return; // an empty file, or one with only comments, sets nothing
        }
        if (!root.isObject()) {
            throw new XpuException(ErrorCode.CONFIG, src.where() + ": the top level must be a"
                    + " mapping of keys to values, got " + kind(root) + " '" + shown(root)
                    + "'; allowed keys: " + String.join(", ", KEYS));
        }
        Map<String, JsonNode> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String key = e.getKey();
            if (key.equals("memory")) {
                collectMemory(e.getValue(), values, src);
            } else if (KEYS.contains(key)) {
                putOnce(values, key, e.getValue(), src);
            } else {
                throw unknownKey(src, key);
            }
        }
        for (Map.Entry<String, JsonNode> e : values.entrySet()) {
            applyNode(b, e.getKey(), e.getValue(), src);
        }
    }

    private static void collectMemory(JsonNode memory, Map<String, JsonNode> values, ConfigSource src) {
        if (!memory.isObject()) {
            throw new XpuException(ErrorCode.CONFIG, src.where() + ": bad value '" + shown(memory)
                    + "' for key 'memory' (" + kind(memory) + ", expected a mapping)"
                    + "; allowed: a mapping with key limitBytes, e.g. memory: {limitBytes: 4GiB}");
        }
        for (Map.Entry<String, JsonNode> e : memory.properties()) {
            String key = "memory." + e.getKey();
            if (!KEYS.contains(key)) {
                throw unknownKey(src, key);
            }
            putOnce(values, key, e.getValue(), src);
        }
    }

    private static void putOnce(Map<String, JsonNode> values, String key, JsonNode v, ConfigSource src) {
        // Only the nested and dotted spellings of one key can collide here: the parser rejects
        // plain duplicates itself.
        if (values.putIfAbsent(key, v) != null) {
            throw new XpuException(ErrorCode.CONFIG, src.where() + ": key '" + key
                    + "' is given twice (nested under 'memory' and dotted); keep one");
        }
    }

    private static XpuException unknownKey(ConfigSource src, String key) {
        return new XpuException(ErrorCode.CONFIG, src.where() + ": unknown key '" + key
                + "'; allowed keys: " + String.join(", ", KEYS));
    }

    private static JsonNode parse(Path file, boolean json, ConfigSource src) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new XpuException(ErrorCode.CONFIG, src.where() + ": cannot read: " + e, e);
        }
        try {
            return (json ? JSON : YAML).readTree(bytes);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String at = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new XpuException(ErrorCode.CONFIG, src.where() + ": invalid " + (json ? "JSON" : "YAML")
                    + at + ": " + summary(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new XpuException(ErrorCode.CONFIG, src.where() + ": cannot read: " + e, e);
        }
    }

    /**
     * SnakeYAML's messages span several lines: context, a source snippet, the problem. Keeping the
     * unindented lines keeps what went wrong while dropping the snippet; the cause has it all.
     */
    static String summary(String parserMessage) {
        if (parserMessage == null) {
            return "";
        }
        List<String> parts = parserMessage.lines()
                .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .map(String::strip)
                .toList();
        return parts.isEmpty() ? parserMessage.strip() : String.join("; ", parts);
    }

    /** Applies one file value, checking its JSON/YAML type before its content. */
    static void applyNode(Config.Builder b, String key, JsonNode v, ConfigSource src) {
        switch (key) {
            case BACKEND, OP_FALLBACK, DEFAULT_DTYPE, MATMUL_PRECISION -> {
                if (!v.isTextual()) {
                    throw wrongType(src, key, v, "text", allowed(key));
                }
                applyText(b, key, v.asText(), src);
            }
            case DEVICE -> {
                if (!v.isIntegralNumber()) {
                    throw wrongType(src, key, v, "an integer", ALLOWED_DEVICE);
                }
                if (!v.canConvertToLong()) {
                    throw badValue(src, key, shown(v), "too large", ALLOWED_DEVICE);
                }
                Config.checkDevice(v.asLong(), src);
                b.device(v.asInt()).source(key, src);
            }
            case FALLBACK_BACKENDS -> {
                if (v.isTextual()) {
                    applyText(b, key, v.asText(), src);
                } else if (v.isArray()) {
                    List<String> entries = new ArrayList<>();
                    for (JsonNode e : v) {
                        if (!e.isTextual()) {
                            throw badValue(src, key, shown(v), "entry '" + shown(e) + "' is "
                                    + kind(e) + ", expected text", ALLOWED_FALLBACK);
                        }
                        entries.add(e.asText());
                    }
                    b.fallbackBackends(Config.checkFallbacks(entries, shown(v), src)).source(key, src);
                } else {
                    throw wrongType(src, key, v, "a list", ALLOWED_FALLBACK);
                }
            }
            case MEMORY_LIMIT_BYTES -> {
                if (v.isTextual()) {
                    applyText(b, key, v.asText(), src);
                } else if (v.isIntegralNumber()) {
                    BigInteger n = v.bigIntegerValue();
                    if (n.signum() < 0) {
                        throw badValue(src, key, shown(v), "negative", ALLOWED_MEMORY);
                    }
                    if (n.bitLength() > 63) {
                        throw badValue(src, key, shown(v), "too large", ALLOWED_MEMORY);
                    }
                    b.memoryLimitBytes(n.longValue()).source(key, src);
                } else {
                    throw wrongType(src, key, v, "an integer or a size text", ALLOWED_MEMORY);
                }
            }
            default -> throw unknownKey(src, key);
        }
    }

    /** Applies one value written as text (environment, system property, or a file's string). */
    static void applyText(Config.Builder b, String key, String text, ConfigSource src) {
        switch (key) {
            case BACKEND -> b.backend(Config.checkBackend(text, src));
            case DEVICE -> b.device(parseDevice(text, src));
            case FALLBACK_BACKENDS -> b.fallbackBackends(parseFallbacks(text, src));
            case OP_FALLBACK -> b.opFallback(parseEnum(Config.OpFallback.values(), text, src, key,
                    ALLOWED_OP_FALLBACK));
            case DEFAULT_DTYPE -> b.defaultDType(parseEnum(DType.values(), text, src, key, ALLOWED_DTYPE));
            case MATMUL_PRECISION -> b.matmulPrecision(parseEnum(Config.MatmulPrecision.values(), text, src, key,
                    ALLOWED_MATMUL_PRECISION));
            case MEMORY_LIMIT_BYTES -> b.memoryLimitBytes(parseSize(text, src));
            default -> throw unknownKey(src, key);
        }
        b.source(key, src);
    }

    static int parseDevice(String text, ConfigSource src) {
        long n;
        try {
            n = Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw badValue(src, DEVICE, text, "not an integer", ALLOWED_DEVICE);
        }
        Config.checkDevice(n, src);
        return (int) n;
    }

    /** Comma-separated; blank text means an empty list, i.e. no fallback. */
    static List<String> parseFallbacks(String text, ConfigSource src) {
        if (text.isBlank()) {
            return List.of();
        }
        return Config.checkFallbacks(Arrays.asList(text.split(",", -1)), text, src);
    }

    static <E extends Enum<E>> E parseEnum(E[] values, String text, ConfigSource src, String key,
                                           String allowed) {
        for (E v : values) {
            if (v.name().equalsIgnoreCase(text.strip())) {
                return v;
            }
        }
        throw badValue(src, key, text, allowed);
    }

    /**
     * Parses {@code 1073741824}, {@code 512MiB}, {@code 4GiB}, {@code 1GB} (decimal),
     * {@code 512m} (binary, as in {@code -Xmx}). Suffixes are case-insensitive.
     */
    static long parseSize(String text, ConfigSource src) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw badValue(src, MEMORY_LIMIT_BYTES, text, ALLOWED_MEMORY);
        }
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1L;
            case "k", "kib" -> 1L << 10;
            case "m", "mib" -> 1L << 20;
            case "g", "gib" -> 1L << 30;
            case "t", "tib" -> 1L << 40;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            case "tb" -> 1_000_000_000_000L;
            default -> throw badValue(src, MEMORY_LIMIT_BYTES, text,
                    "unknown unit '" + m.group(2) + "'", ALLOWED_MEMORY);
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw badValue(src, MEMORY_LIMIT_BYTES, text, "too large", ALLOWED_MEMORY);
        }
    }

    private static String allowed(String key) {
        return switch (key) {
            case BACKEND -> ALLOWED_BACKEND;
            case OP_FALLBACK -> ALLOWED_OP_FALLBACK;
            case DEFAULT_DTYPE -> ALLOWED_DTYPE;
            case MATMUL_PRECISION -> ALLOWED_MATMUL_PRECISION;
            default -> throw new IllegalArgumentException(key);
        };
    }

    private static XpuException wrongType(ConfigSource src, String key, JsonNode v, String expected,
                                          String allowed) {
        return badValue(src, key, shown(v), kind(v) + ", expected " + expected, allowed);
    }

    private static String shown(JsonNode v) {
        return v.isTextual() ? v.asText() : v.toString();
    }

    private static String kind(JsonNode v) {
        if (v.isTextual()) {
            return "text";
        } else if (v.isNumber()) {
            return "a number";
        } else if (v.isBoolean()) {
            return "a boolean";
        } else if (v.isArray()) {
            return "a list";
        } else if (v.isObject()) {
            return "a mapping";
        } else if (v.isNull()) {
            return "null";
        }
        return v.getNodeType().toString().toLowerCase(Locale.ROOT);
    }
}
