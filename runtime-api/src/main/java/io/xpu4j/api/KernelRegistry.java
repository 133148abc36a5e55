package io.xpu4j.api;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kernels keyed by (backend, op, input dtypes, output dtypes). Backends fill it when a
 * {@link Runtime} starts; users may register their own kernels, which replace built-in ones
 * for the same key. A kernel registered with {@link #registerAnyDType} serves every dtype
 * combination that has no exact entry.
 */
public final class KernelRegistry {
    private record Key(String backend, String op, List<DType> inputs, List<DType> outputs) {
    }

    private record AnyKey(String backend, String op) {
    }

    private final Map<Key, Kernel> exact = new ConcurrentHashMap<>();
    private final Map<AnyKey, Kernel> any = new ConcurrentHashMap<>();

    public void register(String backend, String op, List<DType> inputs, List<DType> outputs, Kernel kernel) {
        exact.put(new Key(backend, op, List.copyOf(inputs), List.copyOf(outputs)), kernel);
    }

    public void registerAnyDType(String backend, String op, Kernel kernel) {
        any.put(new AnyKey(backend, op), kernel);
    }

    /** The kernel for this call, or {@code null} when the backend has none. */
    public Kernel find(String backend, String op, List<DType> inputs, List<DType> outputs) {
        Kernel k = exact.get(new Key(backend, op, inputs, outputs));
        return k != null ? k : any.get(new AnyKey(backend, op));
    }

    /** Ops that have at least one kernel on the backend, sorted. */
    public Set<String> ops(String backend) {
        Set<String> ops = new TreeSet<>();
        exact.keySet().forEach(k -> {
            if (k.backend.equals(backend)) {
                ops.add(k.op);
            }
        });
        any.keySet().forEach(k -> {
            if (k.backend.equals(backend)) {
                ops.add(k.op);
            }
        });
        return ops;
    }
}
