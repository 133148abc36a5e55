package io.xpu4j.backend.cann;

import io.xpu4j.api.Availability;
import io.xpu4j.api.Device;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.MemoryInfo;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.Backend;

import java.util.ArrayList;
import java.util.List;

/**
 * Huawei Ascend NPUs through AscendCL and the aclnn operators, bound with
 * {@code java.lang.foreign}. Unavailable, with the reason, where the CANN libraries or an NPU
 * are missing, and after a device was lost.
 */
public final class CannBackend implements Backend {
    static final String EMULATOR_NOTE = "ABI emulator, not Ascend hardware";

    private final AclRuntime runtime;

    public CannBackend() {
        this(null);
    }

    /** For tests: a backend over a runtime bound to chosen libraries. */
    CannBackend(AclRuntime runtime) {
        this.runtime = runtime;
    }

    AclRuntime rt() {
        return runtime != null ? runtime : AclRuntime.shared();
    }

    @Override
    public String id() {
        return "cann";
    }

    @Override
    public Availability availability() {
        AclRuntime r;
        try {
            r = rt();
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("probe failed: " + e);
        }
        if (!r.usable()) {
            return Availability.no(r.unavailableReason());
        }
        return Availability.yes(r.deviceCount + " device(s)" + (r.isEmulator() ? ", " + EMULATOR_NOTE : "")
                + "; SoC " + r.socName + "; operators from "
                + AclLibraries.files(r.acl.libraries.ops())
                + (r.ops.missing().isEmpty() ? "" : "; missing aclnn operators: " + r.ops.missing().keySet()));
    }

    @Override
    public List<DeviceDescription> devices() {
        AclRuntime r = rt();
        if (!r.usable()) {
            return List.of();
        }
        List<DeviceDescription> out = new ArrayList<>();
        for (int i = 0; i < r.deviceCount; i++) {
            long total = -1;
            try {
                MemoryInfo m = CannDevice.memoryInfo(r, i);
                total = m.totalBytes();
            } catch (XpuException e) {
                // listed with unknown memory; opening it will report the error
            }
            out.add(new DeviceDescription(i, deviceName(r), total, details(r)));
        }
        return out;
    }

    static String deviceName(AclRuntime r) {
        return r.socName == null ? "Ascend NPU" : r.socName;
    }

    private static String details(AclRuntime r) {
        return (r.isEmulator() ? EMULATOR_NOTE + "; " : "Ascend NPU; ") + "runtime "
                + AclLibraries.files(r.acl.libraries.runtime());
    }

    @Override
    public Device openDevice(int index, long memoryLimitBytes) {
        AclRuntime r = rt();
        if (!r.usable()) {
            throw new XpuException(ErrorCode.BACKEND_UNAVAILABLE, "cann is unavailable: " + r.unavailableReason());
        }
        if (index < 0 || index >= r.deviceCount) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "cann has " + r.deviceCount + " device(s); index "
                    + index + " is out of range");
        }
        return new CannDevice(r, index, memoryLimitBytes);
    }

    @Override
    public void registerKernels(KernelRegistry registry) {
        AclRuntime r = rt();
        if (r.usable()) {
            CannKernels.registerAll(registry, r.ops);
        }
    }

    /** Below cuda (which is tried first for {@code auto}), above cpu (0). */
    @Override
    public int autoPriority() {
        return 50;
    }
}
