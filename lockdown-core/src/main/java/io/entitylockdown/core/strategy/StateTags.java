package io.entitylockdown.core.strategy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.LockdownException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The containment marker and the recorded prior state, kept as tags on the entity itself so that
 * release needs nothing but the entity.
 *
 * <p>IAM and Lambda tag values allow only letters, digits, spaces and {@code _.:/=+-@}, at most
 * 256 characters. The state is therefore JSON, base64url-encoded (no padding) and split over
 * {@code lockdown:state-0}, {@code lockdown:state-1}, ... The marker {@code lockdown:contained-at}
 * holds the ISO-8601 time of the first containment.
 */
public final class StateTags {
    public static final String PREFIX = "lockdown:";
    public static final String CONTAINED_AT = PREFIX + "contained-at";
    public static final String STATE = PREFIX + "state-";
    static final int MAX_VALUE = 256;
    /** IAM allows 50 tags per user or role; keep the lockdown's share small. */
    static final int MAX_CHUNKS = 8;

    private StateTags() {
    }

    /** What containment recorded on an entity. */
    public record Recorded(Instant containedAt, ObjectNode state) {
    }

    /** The tags to write for this marker and state. */
    public static Map<String, String> encode(Instant containedAt, ObjectNode state) {
        String encoded = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Json.write(state).getBytes(StandardCharsets.UTF_8));
        int chunks = (encoded.length() + MAX_VALUE - 1) / MAX_VALUE;
        if (chunks > MAX_CHUNKS) {
            throw new LockdownException("The recorded state is " + encoded.length() + " characters encoded, more than "
                    + MAX_CHUNKS + " tags can hold; the entity has too much to record");
        }
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(CONTAINED_AT, containedAt.toString());
        for (int i = 0; i < Math.max(chunks, 1); i++) {
            tags.put(STATE + i, encoded.substring(i * MAX_VALUE, Math.min(encoded.length(), (i + 1) * MAX_VALUE)));
        }
        return tags;
    }

    /** The marker and state found in an entity's tags, or empty when it carries no marker. */
    public static Optional<Recorded> decode(Map<String, String> tags) {
        String at = tags.get(CONTAINED_AT);
        if (at == null) {
            return Optional.empty();
        }
        Instant containedAt;
        try {
            containedAt = Instant.parse(at);
        } catch (java.time.format.DateTimeParseException e) {
            throw new LockdownException("The tag " + CONTAINED_AT + " holds '" + at + "', not a time; "
                    + "it was not written by Entity Lockdown or was edited by hand", e);
        }
        StringBuilder encoded = new StringBuilder();
        for (int i = 0; tags.containsKey(STATE + i); i++) {
            encoded.append(tags.get(STATE + i));
        }
        ObjectNode state = Json.mapper().createObjectNode();
        if (encoded.length() > 0) {
            try {
                JsonNode node = Json.mapper().readTree(Base64.getUrlDecoder().decode(encoded.toString()));
                if (!(node instanceof ObjectNode object)) {
                    // An empty state would make release "succeed" while undoing nothing.
                    throw new IllegalArgumentException("the state is not a JSON object");
                }
                state = object;
            } catch (IllegalArgumentException | java.io.IOException e) {
                throw unreadable(e);
            }
        }
        return Optional.of(new Recorded(containedAt, state));
    }

    private static LockdownException unreadable(Exception cause) {
        return new LockdownException("The recorded containment state on this entity is unreadable (tags "
                + STATE + "*); it was edited by hand. Release by hand, using the report of the containment", cause);
    }

    /** Every lockdown tag key present, for removal on release. */
    public static Set<String> keys(Map<String, String> tags) {
        Set<String> keys = new TreeSet<>();
        tags.keySet().stream().filter(k -> k.startsWith(PREFIX)).forEach(keys::add);
        return keys;
    }

    /**
     * Merges a state observed now into one already recorded: what was recorded first wins (it saw the
     * entity before any containment), arrays are united. This makes concurrent containments converge.
     */
    public static ObjectNode merge(ObjectNode recorded, ObjectNode observed) {
        ObjectNode merged = recorded.deepCopy();
        observed.properties().forEach(e -> {
            JsonNode existing = merged.get(e.getKey());
            if (existing == null) {
                merged.set(e.getKey(), e.getValue().deepCopy());
            } else if (existing instanceof ArrayNode array && e.getValue() instanceof ArrayNode more) {
                Set<String> seen = new TreeSet<>();
                array.forEach(n -> seen.add(n.toString()));
                more.forEach(n -> {
                    if (seen.add(n.toString())) {
                        array.add(n.deepCopy());
                    }
                });
            } else if (existing instanceof ObjectNode object && e.getValue() instanceof ObjectNode more) {
                merged.set(e.getKey(), merge(object, more));
            }
        });
        return merged;
    }
}
