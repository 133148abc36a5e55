package io.xpu4j.backend.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameter sizes of each {@code .entry} in a PTX module, read from the PTX text itself. A
 * launch whose packed parameters differ in number or size from what the kernel declares is
 * refused before it reaches the driver, which would otherwise read garbage without complaint.
 */
final class PtxSignatures {
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern ARRAY = Pattern.compile("\\[(\\d+)]");

    private PtxSignatures() {
    }

    /** Kernel name to its parameters' sizes in bytes, in order. */
    static Map<String, List<Integer>> parse(String ptx) {
        Map<String, List<Integer>> out = new HashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<Integer> sizes = new ArrayList<>();
            for (String decl : m.group(2).split(",")) {
                String d = decl.strip();
                if (!d.startsWith(".param")) {
                    continue;
                }
                sizes.add(sizeOf(d));
            }
            out.put(m.group(1), List.copyOf(sizes));
        }
        return out;
    }

    private static int sizeOf(String decl) {
        Matcher array = ARRAY.matcher(decl);
        if (array.find()) {
            return Integer.parseInt(array.group(1)); // .b8 name[N]: a struct by value
        }
        for (String token : decl.split("\\s+")) {
            switch (token) {
                case ".u64", ".s64", ".b64", ".f64" -> {
                    return 8;
                }
                case ".u32", ".s32", ".b32", ".f32" -> {
                    return 4;
                }
                case ".u16", ".s16", ".b16", ".f16" -> {
                    return 2;
                }
                case ".u8", ".s8", ".b8" -> {
                    return 1;
                }
                default -> {
                }
            }
        }
        throw new IllegalArgumentException("unrecognised PTX parameter declaration: " + decl);
    }
}
