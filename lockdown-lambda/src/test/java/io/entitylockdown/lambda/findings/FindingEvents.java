package io.entitylockdown.lambda.findings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The sample events in {@code src/test/resources/io/entitylockdown/lambda/findings/} (their sources are
 * named in SOURCES.md there), loaded as mutable trees so that a test can point one at its own resources.
 */
public final class FindingEvents {
    private FindingEvents() {
    }

    /** A fresh copy of the sample event {@code name} (e.g. "guardduty-ec2-instance.json"). */
    public static ObjectNode load(String name) {
        try (InputStream in = FindingEvents.class.getResourceAsStream("/io/entitylockdown/lambda/findings/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("No sample event " + name);
            }
            return (ObjectNode) Json.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets a text field given by a JSON pointer ("/detail/resource/instanceDetails/instanceId"). */
    public static ObjectNode with(ObjectNode event, String pointer, String value) {
        int slash = pointer.lastIndexOf('/');
        JsonNode parent = event.at(pointer.substring(0, slash));
        if (!(parent instanceof ObjectNode object)) {
            throw new IllegalArgumentException("No object at " + pointer.substring(0, slash));
        }
        object.put(pointer.substring(slash + 1), value);
        return event;
    }

    /** Removes the field at a JSON pointer. */
    public static ObjectNode without(ObjectNode event, String pointer) {
        int slash = pointer.lastIndexOf('/');
        ((ObjectNode) event.at(pointer.substring(0, slash))).remove(pointer.substring(slash + 1));
        return event;
    }
}
