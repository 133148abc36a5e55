package io.xpu4j.models.embed;

import io.xpu4j.api.Config;
import io.xpu4j.api.Device;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.XpuException;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * An {@link Embedder} that survives the loss of its device. When a request fails with
 * {@link ErrorCode#DEVICE_LOST}, it closes the runtime, starts a fresh one on the next backend of
 * the configuration's {@code fallbackBackends} (the lost backend is not tried again), loads the
 * model there and runs the same request again, so the caller gets its vectors, not the error.
 *
 * <pre>{@code
 * Config config = Config.builder().backend("cann").fallbackBackends(List.of("cpu")).build();
 * try (FailoverEmbedder e = FailoverEmbedder.open(config, rt -> Embedder.load(rt, "all-minilm-l6-v2"))) {
 *     float[][] v = e.embed(texts, 32);   // on cann, or on cpu after the NPU was lost
 * }
 * }</pre>
 *
 * <p>Only device loss fails over: any other error (bad input, out of memory) is the caller's to
 * see. Not thread-safe: one request at a time.
 */
public final class FailoverEmbedder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FailoverEmbedder.class.getName());

    private final Function<Runtime, Embedder> loader;
    private final List<String> failovers = new ArrayList<>();
    private Config config;
    private Runtime runtime;
    private Embedder embedder;

    private FailoverEmbedder(Config config, Function<Runtime, Embedder> loader) {
        this.config = config;
        this.loader = loader;
        start();
    }

    /** Starts a runtime from {@code config} and loads the model with {@code loader}. */
    public static FailoverEmbedder open(Config config, Function<Runtime, Embedder> loader) {
        return new FailoverEmbedder(Objects.requireNonNull(config, "config"), Objects.requireNonNull(loader, "loader"));
    }

    /** Unit-length embeddings of {@code texts}, in order; see {@link Embedder#embed(List, int)}. */
    public float[][] embed(List<String> texts, int batchSize) {
        while (true) {
            try {
                return embedder.embed(texts, batchSize);
            } catch (XpuException e) {
                if (e.code() != ErrorCode.DEVICE_LOST) {
                    throw e;
                }
                failOver(e);
            }
        }
    }

    /** The device the model runs on now. */
    public Device device() {
        return runtime.device();
    }

    /** The runtime serving requests now (replaced after a failover). */
    public Runtime runtime() {
        return runtime;
    }

    /** The embedder on the current device (replaced after a failover). */
    public Embedder embedder() {
        return embedder;
    }

    /** One line per failover so far: which device was lost, why, and where the work went. */
    public List<String> failovers() {
        return List.copyOf(failovers);
    }

    private void start() {
        Runtime rt = Runtime.create(config);
        try {
            embedder = loader.apply(rt);
            runtime = rt;
        } catch (RuntimeException e) {
            rt.close();
            throw e;
        }
    }

    private void failOver(XpuException cause) {
        String lost = runtime.device().id();
        String lostBackend = runtime.device().backendId();
        closeQuietly(cause);
        List<String> rest = new ArrayList<>(config.fallbackBackends());
        rest.remove(lostBackend);
        if (rest.isEmpty()) {
            throw new XpuException(ErrorCode.DEVICE_LOST, "device " + lost + " was lost and fallbackBackends "
                    + config.fallbackBackends() + " leaves no other backend to run on", cause);
        }
        config = config.toBuilder().backend(rest.get(0)).device(0).fallbackBackends(rest.subList(1, rest.size())).build();
        try {
            start();
        } catch (RuntimeException e) {
            e.addSuppressed(cause);
            throw e;
        }
        String note = "device " + lost + " lost (" + cause.getMessage() + "); request retried on " + runtime.device().id();
        failovers.add(note);
        LOG.log(System.Logger.Level.WARNING, note);
    }

    /** A runtime whose device is gone may fail to free its memory; that must not hide the loss. */
    private void closeQuietly(XpuException cause) {
        try {
            embedder.close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
        try {
            runtime.close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
        embedder = null;
        runtime = null;
    }

    @Override
    public void close() {
        try {
            if (embedder != null) {
                embedder.close();
            }
        } finally {
            if (runtime != null) {
                runtime.close();
            }
        }
    }
}
