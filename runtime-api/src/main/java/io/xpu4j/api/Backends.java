package io.xpu4j.api;

import io.xpu4j.api.spi.Backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Backend discovery through {@link ServiceLoader}, done once per process. */
final class Backends {
    /** Every backend xpu4j knows of, with the module that provides it. */
    static final Map<String, String> KNOWN = Map.of(
            "cpu", "io.xpu4j:xpu4j-backend-cpu",
            "cuda", "io.xpu4j:xpu4j-backend-cuda",
            "cann", "io.xpu4j:xpu4j-backend-cann");

    private static volatile Map<String, Backend> loaded;

    private Backends() {
    }

    static Map<String, Backend> all() {
        Map<String, Backend> m = loaded;
        if (m == null) {
            synchronized (Backends.class) {
                if (loaded == null) {
                    Map<String, Backend> found = new TreeMap<>();
                    for (Backend b : ServiceLoader.load(Backend.class)) {
                        found.putIfAbsent(b.id(), b);
                    }
                    loaded = found;
                }
                m = loaded;
            }
        }
        return m;
    }

    static Backend get(String id) {
        return all().get(id);
    }

    /** The availability of {@code id}, including "not on the classpath". */
    static Availability availability(String id) {
        Backend b = get(id);
        if (b == null) {
            String module = KNOWN.get(id);
            return Availability.no(module == null ? "unknown backend '" + id + "'; known: " + KNOWN.keySet()
                    : "module " + module + " is not on the classpath");
        }
        try {
            return b.availability();
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("probe failed: " + e);
        }
    }

    static List<BackendStatus> statuses() {
        List<BackendStatus> out = new ArrayList<>();
        for (String id : List.of("cpu", "cuda", "cann")) {
            Availability a = availability(id);
            List<Backend.DeviceDescription> devices = List.of();
            if (a.available()) {
                try {
                    devices = get(id).devices();
                } catch (RuntimeException | LinkageError e) {
                    a = Availability.no("device listing failed: " + e);
                }
            }
            out.add(new BackendStatus(id, a, devices));
        }
        all().keySet().stream().filter(id -> !KNOWN.containsKey(id)).forEach(id ->
                out.add(new BackendStatus(id, availability(id), get(id).devices())));
        return out;
    }

    /** Available backends, best first, for {@code backend: auto}. */
    static List<Backend> availableByPriority() {
        List<Backend> out = new ArrayList<>();
        for (Backend b : all().values()) {
            if (availability(b.id()).available()) {
                out.add(b);
            }
        }
        out.sort(Comparator.comparingInt(Backend::autoPriority).reversed());
        return out;
    }
}
