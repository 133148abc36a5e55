package io.xpu4j.api;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Immutable named attributes of an op call: axes, epsilon, flags. */
public final class OpAttrs {
    public static final OpAttrs NONE = new OpAttrs(Map.of());

    private final Map<String, Object> values;

    private OpAttrs(Map<String, Object> values) {
        this.values = values;
    }

    /** Builds from alternating names and values: {@code OpAttrs.of("axis", 1L, "keepdim", true)}. */
    public static OpAttrs of(Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("OpAttrs.of needs name/value pairs");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return new OpAttrs(m);
    }

    Object get(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new XpuException(ErrorCode.INTERNAL, "missing op attribute '" + name + "'; present: " + values.keySet());
        }
        return v;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public long getLong(String name) {
        return ((Number) get(name)).longValue();
    }

    public int getInt(String name) {
        return ((Number) get(name)).intValue();
    }

    public double getDouble(String name) {
        return ((Number) get(name)).doubleValue();
    }

    public boolean getBool(String name) {
        return (Boolean) get(name);
    }

    public String getString(String name) {
        return (String) get(name);
    }

    public long[] getLongs(String name) {
        return ((long[]) get(name)).clone();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        values.forEach((k, v) -> {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(k).append('=').append(v instanceof long[] a ? Arrays.toString(a) : v);
        });
        return sb.append('}').toString();
    }
}
