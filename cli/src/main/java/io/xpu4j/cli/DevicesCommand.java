package io.xpu4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xpu4j.api.BackendStatus;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.spi.Backend.DeviceDescription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code xpu4j devices}: every backend, whether it can run here (or why not), and its devices. */
@Command(name = "devices", sortOptions = false,
        description = {"Lists every backend xpu4j knows, whether it can run on this machine (and why not), "
                + "and its devices.",
                "Needs no config; the exit code is 0 even when only the CPU backend is available."})
final class DevicesCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print a JSON document instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws JsonProcessingException {
        List<BackendStatus> statuses = Runtime.backends();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(statuses));
        } else {
            printText(statuses, out);
        }
        out.flush();
        return Main.OK;
    }

    static String toJson(List<BackendStatus> statuses) throws JsonProcessingException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        ArrayNode backends = root.putArray("backends");
        for (BackendStatus s : statuses) {
            ObjectNode b = backends.addObject();
            b.put("id", s.id());
            b.put("available", s.availability().available());
            b.put("reason", s.availability().reason());
            ArrayNode devices = b.putArray("devices");
            for (DeviceDescription d : s.devices()) {
                ObjectNode dn = devices.addObject();
                dn.put("id", s.id() + ":" + d.index());
                dn.put("index", d.index());
                dn.put("name", d.name());
                dn.put("totalMemoryBytes", d.totalMemoryBytes());
                dn.put("details", d.details());
            }
        }
        return mapper.writeValueAsString(root);
    }

    private static void printText(List<BackendStatus> statuses, PrintWriter out) {
        int idWidth = statuses.stream().mapToInt(s -> s.id().length()).max().orElse(4);
        for (BackendStatus s : statuses) {
            boolean ok = s.availability().available();
            out.printf("%-" + idWidth + "s  %-11s  %s%n", s.id(), ok ? "available" : "unavailable",
                    s.availability().reason());
            for (DeviceDescription d : s.devices()) {
                out.printf("%" + idWidth + "s  %s:%d  %s, %s memory%s%n", "", s.id(), d.index(), d.name(),
                        Sizes.bytes(d.totalMemoryBytes()),
                        d.details() == null || d.details().isEmpty() ? "" : ", " + d.details());
            }
            if (ok && s.devices().isEmpty()) {
                out.printf("%" + idWidth + "s  (no devices)%n", "");
            }
        }
    }
}
