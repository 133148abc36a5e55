package io.xpu4j.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.xpu4j.api.Config.MatmulPrecision;
import io.xpu4j.api.Config.OpFallback;
import io.xpu4j.api.ConfigSource.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    private static final String ALL_KEYS =
            "backend, device, fallbackBackends, opFallback, defaultDType, matmulPrecision, memory.limitBytes";
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    // ---- helpers ----

    private Config load(Map<String, String> env, Properties props) {
        return ConfigLoader.load(null, env, props, dir);
    }

    private Config loadEnv(String name, String value) {
        return load(Map.of(name, value), new Properties());
    }

    private Config loadProp(String name, String value) {
        return load(Map.of(), props(name, value));
    }

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static XpuException configError(Executable e) {
        XpuException ex = assertThrows(XpuException.class, e);
        assertEquals(ErrorCode.CONFIG, ex.code(), ex.getMessage());
        return ex;
    }

    private static void assertContainsAll(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "expected <" + p + "> in message: " + message);
        }
    }

    // ---- defaults ----

    @Test
    void defaultsWhenNothingIsSet() {
        Config c = load(Map.of("PATH", "/usr/bin", "HOME", "/root"), props("java.version", "25"));
        assertEquals("auto", c.backend());
        assertEquals(0, c.device());
        assertEquals(List.of("cpu"), c.fallbackBackends());
        assertEquals(OpFallback.CPU, c.opFallback());
        assertEquals(DType.F32, c.defaultDType());
        assertEquals(MatmulPrecision.HIGHEST, c.matmulPrecision());
        assertEquals(0L, c.memoryLimitBytes());
        assertEquals(Config.defaults(), c);
        assertEquals(List.of(ALL_KEYS.split(", ")), new ArrayList<>(c.sources().keySet()));
        for (ConfigSource s : c.sources().values()) {
            assertEquals(Kind.DEFAULT, s.kind());
        }
        assertEquals("default", c.sourceOf("backend").toString());
    }

    @Test
    void emptyFileSetsNothing() throws IOException {
        write("xpu4j.yaml", "# only a comment\n");
        Config c = load(Map.of(), new Properties());
        assertEquals(Config.defaults(), c);
        assertEquals(Kind.DEFAULT, c.sourceOf("backend").kind());
    }

    // ---- files ----

    @Test
    void yamlFileSetsEveryKey() throws IOException {
        Path f = write("xpu4j.yaml", """
                backend: cuda
                device: 2
                fallbackBackends: [cann, cpu]
                opFallback: error
                defaultDType: bf16
                matmulPrecision: high
                memory:
                  limitBytes: 512MiB
                """);
        Config c = load(Map.of(), new Properties());
        assertEquals("cuda", c.backend());
        assertEquals(2, c.device());
        assertEquals(List.of("cann", "cpu"), c.fallbackBackends());
        assertEquals(OpFallback.ERROR, c.opFallback());
        assertEquals(DType.BF16, c.defaultDType());
        assertEquals(MatmulPrecision.HIGH, c.matmulPrecision());
        assertEquals(512 * MIB, c.memoryLimitBytes());
        for (String key : ALL_KEYS.split(", ")) {
            assertEquals(new ConfigSource(Kind.FILE, f.toString()), c.sourceOf(key), key);
        }
        assertEquals("file " + f, c.sourceOf("device").toString());
    }

    @Test
    void ymlExtensionIsFoundToo() throws IOException {
        write("xpu4j.yml", "backend: cann\n");
        assertEquals("cann", load(Map.of(), new Properties()).backend());
    }

    @Test
    void jsonFileSetsEveryKey() throws IOException {
        Path f = write("xpu4j.json", """
                {"backend": "cpu", "device": 3, "fallbackBackends": ["cuda"],
                 "opFallback": "ERROR", "defaultDType": "F16", "matmulPrecision": "HIGH",
                 "memory": {"limitBytes": 1073741824}}
                """);
        Config c = load(Map.of(), new Properties());
        assertEquals("cpu", c.backend());
        assertEquals(3, c.device());
        assertEquals(List.of("cuda"), c.fallbackBackends());
        assertEquals(OpFallback.ERROR, c.opFallback());
        assertEquals(DType.F16, c.defaultDType());
        assertEquals(MatmulPrecision.HIGH, c.matmulPrecision());
        assertEquals(GIB, c.memoryLimitBytes());
        assertEquals(new ConfigSource(Kind.FILE, f.toString()), c.sourceOf("memory.limitBytes"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            xpu4j.yaml | 'memory:\\n  limitBytes: 4GiB\\n'
            xpu4j.yaml | 'memory.limitBytes: 4GiB\\n'
            xpu4j.yaml | 'memory: {limitBytes: 4294967296}\\n'
            xpu4j.json | '{"memory": {"limitBytes": "4GiB"}}'
            xpu4j.json | '{"memory.limitBytes": 4294967296}'
            """)
    void memoryKeyNestedOrDotted(String name, String content) throws IOException {
        write(name, content.replace("\\n", "\n"));
        assertEquals(4 * GIB, load(Map.of(), new Properties()).memoryLimitBytes());
    }

    @Test
    void memoryKeyNestedAndDottedTogetherIsAnError() throws IOException {
        write("xpu4j.yaml", "memory.limitBytes: 1GiB\nmemory:\n  limitBytes: 2GiB\n");
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), "xpu4j.yaml", "'memory.limitBytes'", "twice");
    }

    @ParameterizedTest
    @CsvSource({
            "0, 0",
            "123, 123",
            "7B, 7",
            "512MiB, 536870912",
            "4GiB, 4294967296",
            "4gib, 4294967296",
            "1024KiB, 1048576",
            "1TiB, 1099511627776",
            "1GB, 1000000000",
            "3kb, 3000",
            "2MB, 2000000",
            "64k, 65536",
            "512m, 536870912",
            "2g, 2147483648",
            "2G, 2147483648",
            "'512 MiB', 536870912",
            "' 1g ', 1073741824",
    })
    void sizeSuffixes(String text, long expected) {
        assertEquals(expected, loadEnv("XPU4J_MEMORY_LIMIT_BYTES", text).memoryLimitBytes());
        assertEquals(expected, loadProp("xpu4j.memory.limitBytes", text).memoryLimitBytes());
    }

    // ---- precedence ----

    @Test
    void precedenceFileThenEnvThenSysPropThenCode() throws IOException {
        Path f = write("xpu4j.yaml", """
                backend: cuda
                device: 1
                fallbackBackends: [cann]
                opFallback: error
                defaultDType: bf16
                matmulPrecision: high
                memory: {limitBytes: 1GiB}
                """);
        Map<String, String> env = Map.of(
                "XPU4J_DEVICE", "2",
                "XPU4J_OP_FALLBACK", "cpu",
                "XPU4J_DEFAULT_DTYPE", "f16",
                "XPU4J_MATMUL_PRECISION", "highest",
                "XPU4J_MEMORY_LIMIT_BYTES", "2GiB");
        Properties props = props(
                "xpu4j.defaultDType", "i8",
                "xpu4j.matmulPrecision", "high",
                "xpu4j.memory.limitBytes", "3GiB");
        Config loaded = load(env, props);
        Config c = loaded.toBuilder().memoryLimitBytes(4 * GIB).build();
        Config envWins = load(env, new Properties());
        Config codeWins = loaded.toBuilder().matmulPrecision(MatmulPrecision.HIGHEST).build();

        assertEquals(MatmulPrecision.HIGH, load(Map.of(), new Properties()).matmulPrecision());
        assertEquals(MatmulPrecision.HIGHEST, envWins.matmulPrecision());
        assertEquals(new ConfigSource(Kind.ENVIRONMENT, "XPU4J_MATMUL_PRECISION"),
                envWins.sourceOf("matmulPrecision"));
        assertEquals(MatmulPrecision.HIGH, c.matmulPrecision());
        assertEquals(new ConfigSource(Kind.SYSTEM_PROPERTY, "-Dxpu4j.matmulPrecision"),
                c.sourceOf("matmulPrecision"));
        assertEquals(MatmulPrecision.HIGHEST, codeWins.matmulPrecision());
        assertEquals(Kind.CODE, codeWins.sourceOf("matmulPrecision").kind());

        assertEquals("cuda", c.backend());
        assertEquals(List.of("cann"), c.fallbackBackends());
        assertEquals(2, c.device());
        assertEquals(OpFallback.CPU, c.opFallback());
        assertEquals(DType.I8, c.defaultDType());
        assertEquals(3 * GIB, loaded.memoryLimitBytes());
        assertEquals(4 * GIB, c.memoryLimitBytes());

        ConfigSource file = new ConfigSource(Kind.FILE, f.toString());
        assertEquals(file, c.sourceOf("backend"));
        assertEquals(file, c.sourceOf("fallbackBackends"));
        assertEquals(new ConfigSource(Kind.ENVIRONMENT, "XPU4J_DEVICE"), c.sourceOf("device"));
        assertEquals(new ConfigSource(Kind.ENVIRONMENT, "XPU4J_OP_FALLBACK"), c.sourceOf("opFallback"));
        assertEquals(new ConfigSource(Kind.SYSTEM_PROPERTY, "-Dxpu4j.defaultDType"),
                c.sourceOf("defaultDType"));
        assertEquals(new ConfigSource(Kind.SYSTEM_PROPERTY, "-Dxpu4j.memory.limitBytes"),
                loaded.sourceOf("memory.limitBytes"));
        assertEquals(Kind.CODE, c.sourceOf("memory.limitBytes").kind());

        assertEquals("env XPU4J_DEVICE", c.sourceOf("device").toString());
        assertEquals("system property -Dxpu4j.defaultDType", c.sourceOf("defaultDType").toString());
        assertEquals("code", c.sourceOf("memory.limitBytes").toString());
    }

    @Test
    void everyKeyFromEnvAndEveryKeyFromSysProps() {
        Map<String, String> env = Map.of(
                "XPU4J_BACKEND", "CUDA",
                "XPU4J_DEVICE", "5",
                "XPU4J_FALLBACK_BACKENDS", "cann, cpu",
                "XPU4J_OP_FALLBACK", "Error",
                "XPU4J_DEFAULT_DTYPE", "f8_e4m3",
                "XPU4J_MATMUL_PRECISION", " High ",
                "XPU4J_MEMORY_LIMIT_BYTES", "64m");
        Config fromEnv = load(env, new Properties());
        assertEquals("cuda", fromEnv.backend());
        assertEquals(5, fromEnv.device());
        assertEquals(List.of("cann", "cpu"), fromEnv.fallbackBackends());
        assertEquals(OpFallback.ERROR, fromEnv.opFallback());
        assertEquals(DType.F8_E4M3, fromEnv.defaultDType());
        assertEquals(MatmulPrecision.HIGH, fromEnv.matmulPrecision());
        assertEquals(64 * MIB, fromEnv.memoryLimitBytes());
        for (ConfigSource s : fromEnv.sources().values()) {
            assertEquals(Kind.ENVIRONMENT, s.kind());
        }

        Properties props = props(
                "xpu4j.backend", "cann",
                "xpu4j.device", "6",
                "xpu4j.fallbackBackends", "cuda",
                "xpu4j.opFallback", "cpu",
                "xpu4j.defaultDType", "I64",
                "xpu4j.matmulPrecision", "HIGHEST",
                "xpu4j.memory.limitBytes", "1k");
        Config both = load(env, props);
        assertEquals("cann", both.backend());
        assertEquals(6, both.device());
        assertEquals(List.of("cuda"), both.fallbackBackends());
        assertEquals(OpFallback.CPU, both.opFallback());
        assertEquals(DType.I64, both.defaultDType());
        assertEquals(MatmulPrecision.HIGHEST, both.matmulPrecision());
        assertEquals(1024L, both.memoryLimitBytes());
        for (Map.Entry<String, ConfigSource> s : both.sources().entrySet()) {
            assertEquals(new ConfigSource(Kind.SYSTEM_PROPERTY, "-Dxpu4j." + s.getKey()), s.getValue());
        }
    }

    @Test
    void blankFallbackListMeansNoFallback() {
        assertEquals(List.of(), loadEnv("XPU4J_FALLBACK_BACKENDS", "").fallbackBackends());
        assertEquals(List.of(), loadProp("xpu4j.fallbackBackends", " ").fallbackBackends());
    }

    @Test
    void toBuilderKeepsSourcesAndMarksOverridesAsCode() {
        Config loaded = loadEnv("XPU4J_BACKEND", "cuda");
        Config c = loaded.toBuilder().device(1).build();
        assertEquals(new ConfigSource(Kind.ENVIRONMENT, "XPU4J_BACKEND"), c.sourceOf("backend"));
        assertEquals(Kind.CODE, c.sourceOf("device").kind());
        assertEquals(Kind.DEFAULT, c.sourceOf("opFallback").kind());
        assertEquals(Kind.DEFAULT, loaded.sourceOf("device").kind());
        assertEquals(0, loaded.device());

        Config high = loadProp("xpu4j.matmulPrecision", "high");
        Config kept = high.toBuilder().device(2).build();
        assertEquals(MatmulPrecision.HIGH, kept.matmulPrecision());
        assertEquals(new ConfigSource(Kind.SYSTEM_PROPERTY, "-Dxpu4j.matmulPrecision"),
                kept.sourceOf("matmulPrecision"));
        Config overridden = high.toBuilder().matmulPrecision(MatmulPrecision.HIGHEST).build();
        assertEquals(MatmulPrecision.HIGHEST, overridden.matmulPrecision());
        assertEquals(Kind.CODE, overridden.sourceOf("matmulPrecision").kind());
        assertEquals(Config.defaults(), overridden, "equality ignores where values came from");
        assertTrue(!high.equals(Config.defaults()), "matmulPrecision takes part in equality");
    }

    @Test
    void builderSetsEveryKeyFromCode() {
        Config c = Config.builder().backend("cann").device(7).fallbackBackends(List.of("cuda", "cpu"))
                .opFallback(OpFallback.ERROR).defaultDType(DType.I32).matmulPrecision(MatmulPrecision.HIGH)
                .memoryLimitBytes(99).build();
        assertEquals("cann", c.backend());
        assertEquals(7, c.device());
        assertEquals(List.of("cuda", "cpu"), c.fallbackBackends());
        assertEquals(OpFallback.ERROR, c.opFallback());
        assertEquals(DType.I32, c.defaultDType());
        assertEquals(MatmulPrecision.HIGH, c.matmulPrecision());
        assertEquals(99L, c.memoryLimitBytes());
        for (ConfigSource s : c.sources().values()) {
            assertEquals(Kind.CODE, s.kind());
        }
    }

    @Test
    void fallbackListIsImmutableAndCopied() {
        List<String> mine = new ArrayList<>(List.of("cpu"));
        Config c = Config.builder().fallbackBackends(mine).build();
        mine.add("cuda");
        assertEquals(List.of("cpu"), c.fallbackBackends());
        assertThrows(UnsupportedOperationException.class, () -> c.fallbackBackends().add("cann"));
        assertThrows(UnsupportedOperationException.class,
                () -> c.sources().put("backend", ConfigSource.CODE));
    }

    @Test
    void toStringListsEffectiveValues() {
        String s = Config.builder().backend("cuda").device(3).memoryLimitBytes(42)
                .defaultDType(DType.BF16).opFallback(OpFallback.ERROR).matmulPrecision(MatmulPrecision.HIGH)
                .build().toString();
        assertContainsAll(s, "backend=cuda", "device=3", "fallbackBackends=[cpu]", "opFallback=error",
                "defaultDType=bf16", "matmulPrecision=high", "memory.limitBytes=42");
    }

    @Test
    void matmulPrecisionReachesKernelsAsAnAttribute() {
        assertEquals("f32Precision", Ops.MATMUL_F32_PRECISION);
        assertEquals(MatmulPrecision.HIGHEST, MatmulPrecision.of(OpAttrs.NONE), "absent means highest");
        assertEquals(MatmulPrecision.HIGH, MatmulPrecision.of(OpAttrs.of("f32Precision", "high")));
        assertEquals(MatmulPrecision.HIGHEST, MatmulPrecision.of(OpAttrs.of("f32Precision", "highest")));
        XpuException e = assertThrows(XpuException.class,
                () -> MatmulPrecision.of(OpAttrs.of("f32Precision", "HIGH")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertContainsAll(e.getMessage(), "'HIGH'", "'f32Precision'", "allowed: highest, high");
    }

    @Test
    void sourceOfUnknownKeyIsAnError() {
        XpuException e = configError(() -> Config.defaults().sourceOf("backnd"));
        assertContainsAll(e.getMessage(), "'backnd'", ALL_KEYS);
    }

    // ---- which file ----

    @Test
    void explicitFileIsUsedAndDefaultFilesIgnored() throws IOException {
        write("xpu4j.yaml", "backend: cuda\n");
        write("xpu4j.json", "{}");
        Path mine = write("mine.yaml", "backend: cann\n");
        Config c = ConfigLoader.load(mine, Map.of(), new Properties(), dir);
        assertEquals("cann", c.backend());
        assertEquals(mine.toString(), c.sourceOf("backend").detail());
    }

    @Test
    void relativeExplicitFileResolvesAgainstWorkingDir() throws IOException {
        write("rel.json", "{\"device\": 4}");
        assertEquals(4, ConfigLoader.load(Path.of("rel.json"), Map.of(), new Properties(), dir).device());
    }

    @Test
    void explicitFileMissingIsAnError() {
        Path missing = dir.resolve("nope.yaml");
        XpuException e = configError(() -> ConfigLoader.load(missing, Map.of(), new Properties(), dir));
        assertContainsAll(e.getMessage(), missing.toString(), "not found");
    }

    @Test
    void explicitFileThatIsADirectoryIsAnError() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub.yaml"));
        XpuException e = configError(() -> ConfigLoader.load(sub, Map.of(), new Properties(), dir));
        assertContainsAll(e.getMessage(), sub.toString(), "not a regular file");
    }

    @Test
    void fileNamedByEnvOrSysProp() throws IOException {
        write("a.yaml", "backend: cuda\n");
        write("b.json", "{\"backend\": \"cann\"}");
        write("xpu4j.yaml", "backend: cpu\n");
        assertEquals("cuda", loadEnv("XPU4J_CONFIG", "a.yaml").backend());
        assertEquals("cann", loadProp("xpu4j.config", dir.resolve("b.json").toString()).backend());
        // the property wins over the variable, as everywhere else
        assertEquals("cann", load(Map.of("XPU4J_CONFIG", "a.yaml"), props("xpu4j.config", "b.json")).backend());
    }

    @Test
    void fileNamedByEnvOrSysPropMissingIsAnError() {
        XpuException e = configError(() -> loadEnv("XPU4J_CONFIG", "gone.yaml"));
        assertContainsAll(e.getMessage(), "XPU4J_CONFIG", "gone.yaml", "not found");
        e = configError(() -> loadProp("xpu4j.config", "gone.json"));
        assertContainsAll(e.getMessage(), "-Dxpu4j.config", "gone.json", "not found");
        e = configError(() -> loadEnv("XPU4J_CONFIG", " "));
        assertContainsAll(e.getMessage(), "XPU4J_CONFIG", "bad value ' '", ".yaml");
    }

    @ParameterizedTest
    @CsvSource({"xpu4j.yaml, xpu4j.yml", "xpu4j.yaml, xpu4j.json", "xpu4j.yml, xpu4j.json"})
    void twoDefaultFilesIsAnError(String a, String b) throws IOException {
        write(a, "{}");
        write(b, "{}");
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), a, b, "more than one", "XPU4J_CONFIG");
    }

    // ---- unknown names ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            xpu4j.yaml | 'backnd: cuda\\n'                  | backnd
            xpu4j.yaml | 'memory:\\n  limit: 1GiB\\n'         | memory.limit
            xpu4j.yaml | 'memory.limit: 1GiB\\n'            | memory.limit
            xpu4j.yaml | 'Backend: cuda\\n'                 | Backend
            xpu4j.json | '{"device": 0, "dtype": "f32"}'   | dtype
            """)
    void unknownKeyInFile(String name, String content, String key) throws IOException {
        Path f = write(name, content.replace("\\n", "\n"));
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), "config file " + f + ": unknown key '" + key + "'",
                "allowed keys: " + ALL_KEYS);
    }

    @Test
    void unknownEnvVarIsAnError() {
        XpuException e = configError(() -> load(
                Map.of("XPU4J_BACKND", "cuda", "XPU4J_ZZZ", "1", "XPU4J_BACKEND", "cpu"), new Properties()));
        assertContainsAll(e.getMessage(), "env XPU4J_BACKND", "'XPU4J_BACKND'", "'cuda'", "XPU4J_ZZZ",
                "allowed: XPU4J_BACKEND, XPU4J_DEVICE, XPU4J_FALLBACK_BACKENDS, XPU4J_OP_FALLBACK,"
                        + " XPU4J_DEFAULT_DTYPE, XPU4J_MATMUL_PRECISION, XPU4J_MEMORY_LIMIT_BYTES, XPU4J_CONFIG");
    }

    @Test
    void envVarsWithoutThePrefixAreIgnored() {
        Config c = load(Map.of("xpu4j_backend", "tpu", "MY_XPU4J_BACKEND", "tpu"), new Properties());
        assertEquals("auto", c.backend());
    }

    @Test
    void unknownSysPropIsAnError() {
        XpuException e = configError(() -> loadProp("xpu4j.backnd", "cuda"));
        assertContainsAll(e.getMessage(), "-Dxpu4j.backnd", "'xpu4j.backnd'", "'cuda'",
                "allowed: xpu4j.backend, xpu4j.device, xpu4j.fallbackBackends, xpu4j.opFallback,"
                        + " xpu4j.defaultDType, xpu4j.matmulPrecision, xpu4j.memory.limitBytes, xpu4j.config");
    }

    @Test
    void reservedSysPropsAreIgnored() {
        Config c = load(Map.of(), props("xpu4j.internal.trace", "yes", "xpu4j.test.seed", "1",
                "xpu4jx.backend", "tpu", "other.backend", "tpu"));
        assertEquals(Config.defaults(), c);
    }

    // ---- bad values ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            backend           | XPU4J_BACKEND            | tpu       | auto, cpu, cuda, cann
            backend           | XPU4J_BACKEND            | ''        | auto, cpu, cuda, cann
            device            | XPU4J_DEVICE             | abc       | an integer >= 0
            device            | XPU4J_DEVICE             | -1        | an integer >= 0
            device            | XPU4J_DEVICE             | 1.5       | an integer >= 0
            device            | XPU4J_DEVICE             | 3000000000 | an integer >= 0
            fallbackBackends  | XPU4J_FALLBACK_BACKENDS  | cpu,tpu   | distinct entries from cpu, cuda, cann
            fallbackBackends  | XPU4J_FALLBACK_BACKENDS  | cpu,CPU   | distinct entries from cpu, cuda, cann
            fallbackBackends  | XPU4J_FALLBACK_BACKENDS  | auto      | distinct entries from cpu, cuda, cann
            fallbackBackends  | XPU4J_FALLBACK_BACKENDS  | cpu,,cuda | distinct entries from cpu, cuda, cann
            opFallback        | XPU4J_OP_FALLBACK        | gpu       | cpu, error
            defaultDType      | XPU4J_DEFAULT_DTYPE      | f12       | f32, f16, bf16, f8_e4m3, f8_e5m2, i8, i32, i64, bool
            matmulPrecision   | XPU4J_MATMUL_PRECISION   | medium    | highest, high
            matmulPrecision   | XPU4J_MATMUL_PRECISION   | tf32      | highest, high
            matmulPrecision   | XPU4J_MATMUL_PRECISION   | ''        | highest, high
            memory.limitBytes | XPU4J_MEMORY_LIMIT_BYTES | -1        | an integer >= 0 (0 = unlimited)
            memory.limitBytes | XPU4J_MEMORY_LIMIT_BYTES | 1.5GiB    | 512MiB, 4GiB
            memory.limitBytes | XPU4J_MEMORY_LIMIT_BYTES | 12XB      | 512MiB, 4GiB
            memory.limitBytes | XPU4J_MEMORY_LIMIT_BYTES | GiB       | 512MiB, 4GiB
            memory.limitBytes | XPU4J_MEMORY_LIMIT_BYTES | 99999999999999999999 | 512MiB, 4GiB
            memory.limitBytes | XPU4J_MEMORY_LIMIT_BYTES | 9000000TiB | 512MiB, 4GiB
            """)
    void badValueForEveryKey(String key, String envName, String bad, String allowed) throws IOException {
        String tail = ": bad value '" + bad + "' for key '" + key + "'";

        XpuException e = configError(() -> loadEnv(envName, bad));
        assertContainsAll(e.getMessage(), "env " + envName + tail, "allowed: ", allowed);

        e = configError(() -> loadProp("xpu4j." + key, bad));
        assertContainsAll(e.getMessage(), "system property -Dxpu4j." + key + tail, "allowed: ", allowed);

        // The same text in a file, as a string so only the content (not the YAML type) is wrong.
        Path f = write("bad.yaml", "'" + key + "': '" + bad + "'\n");
        if (!key.equals("device")) {
            e = configError(() -> ConfigLoader.load(f, Map.of(), new Properties(), dir));
            assertContainsAll(e.getMessage(), "config file " + f + tail, "allowed: ", allowed);
        }
    }

    @Test
    void badValueInALowerLayerIsReportedEvenWhenOverridden() throws IOException {
        write("xpu4j.yaml", "backend: tpu\n");
        XpuException e = configError(() -> loadEnv("XPU4J_BACKEND", "cpu"));
        assertContainsAll(e.getMessage(), "xpu4j.yaml", "'tpu'", "'backend'");
    }

    @Test
    void duplicateFallbackEntryIsNamed() {
        XpuException e = configError(() -> loadEnv("XPU4J_FALLBACK_BACKENDS", "cuda,cpu,cuda"));
        assertContainsAll(e.getMessage(), "'cuda,cpu,cuda'", "duplicate entry 'cuda'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            'device: -1'                        | device            | -1
            'device: 99999999999'               | device            | 99999999999
            'fallbackBackends: [cpu, cuda, cpu]' | fallbackBackends | '["cpu","cuda","cpu"]'
            'fallbackBackends: [cpu, tpu]'      | fallbackBackends  | '["cpu","tpu"]'
            'memory: {limitBytes: -5}'          | memory.limitBytes | -5
            'memory: {limitBytes: 99999999999999999999}' | memory.limitBytes | 99999999999999999999
            """)
    void badValueOfTheRightTypeInFile(String content, String key, String bad) throws IOException {
        Path f = write("xpu4j.yaml", content + "\n");
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), "config file " + f, "bad value '" + bad + "' for key '" + key + "'",
                "allowed: ");
    }

    @Test
    void badValuesFromCodeAreReportedAsCode() {
        XpuException e = configError(() -> Config.builder().backend("tpu").build());
        assertContainsAll(e.getMessage(), "code: bad value 'tpu' for key 'backend'", "auto, cpu, cuda, cann");
        e = configError(() -> Config.builder().device(-2).build());
        assertContainsAll(e.getMessage(), "code: bad value '-2' for key 'device'", "an integer >= 0");
        e = configError(() -> Config.builder().fallbackBackends(List.of("cpu", "cpu")).build());
        assertContainsAll(e.getMessage(), "'fallbackBackends'", "duplicate entry 'cpu'", "cpu, cuda, cann");
        e = configError(() -> Config.builder().memoryLimitBytes(-1).build());
        assertContainsAll(e.getMessage(), "bad value '-1' for key 'memory.limitBytes'", "0 = unlimited");
        e = configError(() -> Config.builder().defaultDType(null).build());
        assertContainsAll(e.getMessage(), "'defaultDType'", "'null'", "f32");
        e = configError(() -> Config.builder().matmulPrecision(null).build());
        assertContainsAll(e.getMessage(), "code: bad value 'null' for key 'matmulPrecision'", "highest, high");
        e = configError(() -> Config.builder().opFallback(null).build());
        assertContainsAll(e.getMessage(), "'opFallback'", "'null'", "cpu, error");
        e = configError(() -> Config.builder().fallbackBackends(null).build());
        assertContainsAll(e.getMessage(), "'fallbackBackends'", "'null'");
    }

    @Test
    void codeOverrideIsValidatedAgainstTheLoadedConfig() {
        Config loaded = loadEnv("XPU4J_DEVICE", "1");
        XpuException e = configError(() -> loaded.toBuilder().backend("gpu").build());
        assertContainsAll(e.getMessage(), "code: bad value 'gpu' for key 'backend'");
    }

    // ---- wrong types ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            'device: abc'                       | device            | abc          | an integer >= 0
            'device: "1"'                       | device            | 1            | an integer >= 0
            'device: [1, 2]'                    | device            | [1,2]        | an integer >= 0
            'device: 1.5'                       | device            | 1.5          | an integer >= 0
            'device:'                           | device            | null         | an integer >= 0
            'backend: 5'                        | backend           | 5            | auto, cpu, cuda, cann
            'backend: {name: cuda}'             | backend           | '{"name":"cuda"}' | auto, cpu, cuda, cann
            'backend: true'                     | backend           | true         | auto, cpu, cuda, cann
            'opFallback: [cpu]'                 | opFallback        | '["cpu"]'    | cpu, error
            'defaultDType: 32'                  | defaultDType      | 32           | f32, f16
            'matmulPrecision: true'             | matmulPrecision   | true         | highest, high
            'matmulPrecision: [high]'           | matmulPrecision   | '["high"]'   | highest, high
            'fallbackBackends: 5'               | fallbackBackends  | 5            | cpu, cuda, cann
            'fallbackBackends: {a: cpu}'        | fallbackBackends  | '{"a":"cpu"}' | cpu, cuda, cann
            'fallbackBackends: [cpu, 1]'        | fallbackBackends  | '["cpu",1]'  | cpu, cuda, cann
            'memory: {limitBytes: 1.5}'         | memory.limitBytes | 1.5          | 512MiB
            'memory: {limitBytes: [1]}'         | memory.limitBytes | [1]          | 512MiB
            'memory.limitBytes: false'          | memory.limitBytes | false        | 512MiB
            'memory: 5'                         | memory            | 5            | limitBytes
            """)
    void wrongTypeInFile(String content, String key, String bad, String allowed) throws IOException {
        Path f = write("xpu4j.yaml", content + "\n");
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), "config file " + f, "bad value '" + bad + "' for key '" + key + "'",
                "allowed: ", allowed);
    }

    @Test
    void wrongTypeInJsonFile() throws IOException {
        Path f = write("xpu4j.json", "{\"device\": \"abc\"}");
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), "config file " + f, "bad value 'abc' for key 'device'",
                "text, expected an integer", "allowed: an integer >= 0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"- backend\n- cuda\n", "cuda\n"})
    void topLevelMustBeAMapping(String content) throws IOException {
        Path f = write("xpu4j.yaml", content);
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), "config file " + f, "top level must be a mapping", ALL_KEYS);
    }

    // ---- syntax ----

    @Test
    void badYamlNamesFileLineAndColumn() throws IOException {
        Path f = write("xpu4j.yaml", "backend: cuda\ndevice: 0\nopFallback: [cpu\n");
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), "config file " + f, "invalid YAML at line ", ", column ");
        assertInstanceOf(JsonProcessingException.class, e.getCause());
        assertNotNull(((JsonProcessingException) e.getCause()).getLocation());
    }

    @Test
    void badYamlIndentationReportsTheRightLine() throws IOException {
        Path f = write("xpu4j.yaml", "backend: cuda\ndevice: 0\n  opFallback: cpu\n");
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), "config file " + f, "invalid YAML at line 3, column ");
    }

    @Test
    void badJsonNamesFileLineAndColumn() throws IOException {
        Path f = write("xpu4j.json", "{\n  \"backend\": \"cuda\"\n  \"device\": 0\n}\n");
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), "config file " + f, "invalid JSON at line 3, column ");
        assertInstanceOf(JsonProcessingException.class, e.getCause());
    }

    @Test
    void trailingJsonContentIsAnError() throws IOException {
        Path f = write("xpu4j.json", "{\"backend\": \"cuda\"}\n{\"device\": 1}\n");
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), "config file " + f, "invalid JSON at line 2");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            xpu4j.yaml | 'backend: cuda\\nbackend: cpu\\n'
            xpu4j.json | '{"backend": "cuda", "backend": "cpu"}'
            """)
    void duplicateKeyInFileIsAnError(String name, String content) throws IOException {
        Path f = write(name, content.replace("\\n", "\n"));
        XpuException e = configError(() -> load(Map.of(), new Properties()));
        assertContainsAll(e.getMessage(), "config file " + f, "backend", "line ");
    }

    @Test
    void noArgLoadReadsTheProcessEnvironment() {
        // The build runs without XPU4J_* variables or xpu4j.* properties, so load() gives the
        // defaults unless a config file sits in the module directory.
        boolean cleanProcess = System.getenv().keySet().stream().noneMatch(k -> k.startsWith("XPU4J_"))
                && System.getProperties().stringPropertyNames().stream().noneMatch(k -> k.startsWith("xpu4j."))
                && ConfigLoader.DEFAULT_FILE_NAMES.stream().noneMatch(n -> Files.exists(Path.of(n)));
        org.junit.jupiter.api.Assumptions.assumeTrue(cleanProcess);
        assertEquals(Config.defaults(), ConfigLoader.load());
        assertEquals(Kind.DEFAULT, ConfigLoader.load().sourceOf("backend").kind());
    }
}
