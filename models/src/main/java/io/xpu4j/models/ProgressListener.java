package io.xpu4j.models;

/**
 * Receives progress while a model loads: which stage is running and how far it is. Called on the
 * loading thread; keep it quick.
 */
@FunctionalInterface
public interface ProgressListener {
    /** Discards all progress. */
    ProgressListener NONE = (stage, fraction) -> {
    };

    /**
     * @param stage    what is happening, e.g. "uploading weights (12.3 of 90.3 MB)"
     * @param fraction how much of the stage is done, 0 to 1, or -1 when unknown
     */
    void progress(String stage, double fraction);
}
