package io.xpu4j.models.onnx;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parsed ONNX model file: graph, initializers, inputs, outputs and opset imports, held on the
 * host. Nothing runs yet; {@link OnnxSession#create} compiles it for a device. The file is
 * memory-mapped and initializer data is read straight from the mapping, so {@link #close()} it
 * (or let the session that loads it do so) once a session has been made.
 */
public final class OnnxModel implements AutoCloseable {
    private final String source;
    private final OnnxParser.Parsed parsed;
    private final Arena arena;

    private OnnxModel(String source, OnnxParser.Parsed parsed, Arena arena) {
        this.source = source;
        this.parsed = parsed;
        this.arena = arena;
    }

    /**
     * Maps and parses {@code file}.
     *
     * @throws XpuException INVALID_ARGUMENT for a truncated, corrupt or unsupported file (the
     *                      message names the byte offset or the element at fault), CONFIG when
     *                      the file cannot be read
     */
    public static OnnxModel read(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new OnnxModel(file.toString(), OnnxParser.parse(seg, file.toString()), arena);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new XpuException(ErrorCode.CONFIG, "ONNX file " + file + " does not exist");
        } catch (IOException e) {
            arena.close();
            throw new XpuException(ErrorCode.CONFIG, "cannot read ONNX file " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Parses a model held in memory; {@code name} is used in messages. */
    public static OnnxModel parse(byte[] bytes, String name) {
        return new OnnxModel(name, OnnxParser.parse(MemorySegment.ofArray(bytes), name), null);
    }

    /** Where the model came from (a path or the name given to {@link #parse}). */
    public String source() {
        return source;
    }

    public long irVersion() {
        return parsed.irVersion();
    }

    /** The default-domain ({@code ai.onnx}) opset version, or 0 when none is imported. */
    public long opset() {
        Long v = parsed.opsets().get("");
        return v == null ? 0 : v;
    }

    /** Opset versions by domain ("" is ai.onnx). */
    public Map<String, Long> opsets() {
        return parsed.opsets();
    }

    public String producer() {
        return parsed.producer();
    }

    /** Graph input names that are not initializers (what a caller must feed). */
    public List<String> inputNames() {
        java.util.Set<String> init = new java.util.HashSet<>();
        for (TensorData t : parsed.initializers()) {
            init.add(t.name());
        }
        return parsed.inputs().stream().map(ValueInfo::name).filter(n -> !init.contains(n)).toList();
    }

    public List<String> outputNames() {
        return parsed.outputs().stream().map(ValueInfo::name).toList();
    }

    /** How many nodes of each op type the graph has, sorted by op type. */
    public Map<String, Integer> opTypeCounts() {
        Map<String, Integer> m = new TreeMap<>();
        for (Node n : parsed.nodes()) {
            m.merge(n.domain().isEmpty() || n.domain().equals("ai.onnx") ? n.opType() : n.domain() + "." + n.opType(),
                    1, Integer::sum);
        }
        return m;
    }

    public int nodeCount() {
        return parsed.nodes().size();
    }

    /** Total bytes of initializer data. */
    public long weightBytes() {
        long b = 0;
        for (TensorData t : parsed.initializers()) {
            b += t.data() == null ? 0 : t.data().byteSize();
        }
        return b;
    }

    OnnxParser.Parsed parsed() {
        return parsed;
    }

    /** Unmaps the file. Sessions made from this model keep working: they hold copies of the weights. */
    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
