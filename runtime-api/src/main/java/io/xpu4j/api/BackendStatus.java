package io.xpu4j.api;

import io.xpu4j.api.spi.Backend;

import java.util.List;

/** A backend as discovery sees it: its id, whether it can run here (and why not), its devices. */
public record BackendStatus(String id, Availability availability, List<Backend.DeviceDescription> devices) {
}
