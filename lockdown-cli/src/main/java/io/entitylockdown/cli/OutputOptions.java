package io.entitylockdown.cli;

import picocli.CommandLine.Option;

/** How results are printed on stdout. */
public final class OutputOptions {
    /** The result formats. */
    public enum Format { text, json }

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (a table, default) or json (an array of reports; stdout carries nothing else).")
    Format format;

    public boolean json() {
        return format == Format.json;
    }
}
