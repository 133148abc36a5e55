package io.xpu4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DevicesCommandTest {
    @TempDir
    Path dir;

    @Test
    void listsCpuAvailableAndAcceleratorsUnavailableWithAReason() {
        CliRun r = CliRun.run(dir, "devices");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("cpu\\s+available\\s+\\S.*")), r::toString);
        assertTrue(r.out().contains("cpu:0"), r::toString);
        for (String id : new String[]{"cuda", "cann"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.matches(id + "\\s+unavailable\\s+\\S.*")),
                    () -> id + " should be listed as unavailable with a reason\n" + r);
        }
    }

    @Test
    void jsonHasEveryBackendWithAvailabilityReasonAndDevices() throws Exception {
        CliRun r = CliRun.run(dir, "devices", "--json");
        assertEquals(0, r.exitCode(), r::toString);
        JsonNode root = new ObjectMapper().readTree(r.out());
        Map<String, JsonNode> byId = new HashMap<>();
        for (JsonNode b : root.get("backends")) {
            byId.put(b.get("id").asText(), b);
            assertTrue(b.get("available").isBoolean(), r::toString);
            assertTrue(b.get("reason").isTextual(), r::toString);
            assertTrue(b.get("devices").isArray(), r::toString);
        }
        JsonNode cpu = byId.get("cpu");
        assertTrue(cpu.get("available").asBoolean(), r::toString);
        JsonNode dev = cpu.get("devices").get(0);
        assertEquals("cpu:0", dev.get("id").asText());
        assertEquals(0, dev.get("index").asInt());
        assertFalse(dev.get("name").asText().isBlank());
        assertTrue(dev.get("totalMemoryBytes").isIntegralNumber());
        assertTrue(dev.has("details"));
        for (String id : new String[]{"cuda", "cann"}) {
            JsonNode b = byId.get(id);
            assertFalse(b.get("available").asBoolean(), r::toString);
            assertFalse(b.get("reason").asText().isBlank(), r::toString);
            assertEquals(0, b.get("devices").size());
        }
    }

    @Test
    void aBadConfigDoesNotMatterToDevices() {
        // devices needs no config, so it must work even when the config is broken
        CliRun r = CliRun.run(dir, Map.of("XPU4J_BACKEND", "tpu"), "devices");
        assertEquals(0, r.exitCode(), r::toString);
    }
}
