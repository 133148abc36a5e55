package io.xpu4j.api;

/**
 * An ordered queue of asynchronous work on one device. Work on one stream runs in order;
 * host reads of tensor data synchronize the stream first.
 */
public interface Stream extends AutoCloseable {
    Device device();

    /** Blocks until all work queued so far has completed. */
    void synchronize();

    /** Records an event after the work queued so far. */
    Event record();

    /** Makes later work on this stream wait for {@code event} (which may come from another stream). */
    void waitFor(Event event);

    @Override
    void close();
}
