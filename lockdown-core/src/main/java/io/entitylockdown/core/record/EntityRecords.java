package io.entitylockdown.core.record;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.LockdownException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The record Entity Lockdown keeps on an entity so that any responder can release it with nothing but
 * the entity: what containment changed and what was there before.
 *
 * <p>Layout, in tags (IAM and Lambda tag values allow letters, digits, spaces and {@code _.:/=+-@}, at
 * most 256 characters): {@code lockdown:record-<id>-0}, {@code -1} ... hold the base64url of a deflated
 * JSON envelope, {@code lockdown:record-<id>-mac} its HMAC-SHA256 under the {@link RecordKey}. The envelope
 * names the exact entity ({@link RecordBinding}), the operation and its time, and the state. The tag
 * {@code lockdown:contained-at} repeats the time for people and console filters; it is never trusted.
 *
 * <p>Every write uses a new random id, and a reader merges every record that verifies (the earliest
 * first: it saw the entity before any change). Tagging APIs apply a request's tags one by one, so two
 * containments writing one set of keys at once could interleave into a record that verifies for
 * neither; under their own ids they cannot. A writer removes the records it merged (and the old
 * format) once its own is written, never a record it could not read, which may be one being written.
 *
 * <p>A record counts only when its MAC verifies, its binding is this entity, its format is this one
 * and its state parses against the strategy's schema. Anything else is {@link RecordReading.Unverified}.
 */
public final class EntityRecords {
    public static final String PREFIX = "lockdown:";
    /** Informational: the containment time for people; never read back as a fact. */
    public static final String MARKER = PREFIX + "contained-at";
    static final String RECORD = PREFIX + "record-";
    private static final java.util.regex.Pattern RECORD_KEY =
            java.util.regex.Pattern.compile("lockdown:record-([0-9a-z]{8})-([0-9]|mac)");
    private static final java.security.SecureRandom IDS = new java.security.SecureRandom();
    /**
     * The signed note that release leaves on an EC2 instance: a phase 2 scheduled before it (a late or
     * duplicate delivery) leaves the released instance alone. Deleting it only makes phase 2 isolate.
     */
    public static final String RELEASED = PREFIX + "released";
    static final String RELEASED_MAC = PREFIX + "released-mac";
    /** Tags of the unauthenticated format written before records were signed. */
    static final String LEGACY_STATE = PREFIX + "state-";
    static final int VERSION = 2;
    static final String CONTAIN = "contain";
    static final int MAX_VALUE = 256;
    /** Entities carry at most 50 tags; the record takes at most this many of them, plus the MAC and the marker. */
    static final int MAX_CHUNKS = 8;
    /** A record inflates to at most this many bytes; anything larger is not one the lockdown wrote. */
    static final int MAX_INFLATED = 64 * 1024;

    /** Strict: unknown fields, missing fields and type coercions make a state malformed. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private EntityRecords() {
    }

    /** The state as JSON, for merging and for the report. */
    public static ObjectNode toJson(Object state) {
        return STRICT.valueToTree(state);
    }

    /** The state parsed against its schema; throws when it does not fit. */
    public static <T> T parse(ObjectNode json, Class<T> type) {
        try {
            return STRICT.treeToValue(json, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new LockdownException("The record's state does not fit its schema: " + e.getMessage(), e);
        }
    }

    /** The tags that hold this record (marker, chunks, MAC). */
    public static Map<String, String> encode(RecordKey key, RecordBinding binding, Instant at, Object state) {
        ObjectNode envelope = STRICT.createObjectNode();
        envelope.put("v", VERSION);
        envelope.put("op", CONTAIN);
        envelope.put("partition", binding.partition());
        envelope.put("account", binding.account());
        envelope.put("region", binding.region());
        envelope.put("type", binding.type().name());
        envelope.put("arn", binding.arn());
        envelope.put("at", at.toString());
        envelope.set("state", toJson(state));
        String encoded;
        try {
            encoded = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(deflate(STRICT.writeValueAsBytes(envelope)));
        } catch (JsonProcessingException e) {
            throw new LockdownException("Could not write the record of " + binding.arn(), e);
        }
        int chunks = (encoded.length() + MAX_VALUE - 1) / MAX_VALUE;
        if (chunks > MAX_CHUNKS) {
            throw new LockdownException("The record of " + binding.arn() + " is " + encoded.length()
                    + " characters encoded, more than " + MAX_CHUNKS + " tags can hold; the entity has too much to record");
        }
        String id = newId();
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(MARKER, at.toString());
        for (int i = 0; i < chunks; i++) {
            tags.put(RECORD + id + "-" + i, encoded.substring(i * MAX_VALUE, Math.min(encoded.length(), (i + 1) * MAX_VALUE)));
        }
        tags.put(RECORD + id + "-mac", key.sign(encoded));
        return tags;
    }

    /**
     * Records are deflated before they are encoded: an instance's record is mostly repeated field names
     * and ids, and every 256 characters saved is one tag fewer of the entity's 50.
     */
    static byte[] deflate(byte[] json) {
        java.util.zip.Deflater deflater = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_COMPRESSION, true);
        try {
            deflater.setInput(json);
            deflater.finish();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(json.length);
            byte[] buffer = new byte[1024];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** Inflates a record whose MAC already verified, and never past what {@link #MAX_CHUNKS} tags could mean. */
    static byte[] inflate(byte[] deflated) throws java.util.zip.DataFormatException {
        java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
        try {
            inflater.setInput(deflated);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[1024];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new java.util.zip.DataFormatException("truncated");
                }
                out.write(buffer, 0, n);
                if (out.size() > MAX_INFLATED) {
                    throw new java.util.zip.DataFormatException("larger than any record");
                }
            }
            return out.toByteArray();
        } finally {
            inflater.end();
        }
    }

    private static String newId() {
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            id.append(alphabet.charAt(IDS.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    /** The tags of a signed release note for this entity at this time. */
    public static Map<String, String> encodeRelease(RecordKey key, RecordBinding binding, Instant at) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(RELEASED, at.toString());
        tags.put(RELEASED_MAC, key.sign(releaseText(binding, at.toString())));
        return tags;
    }

    /** When this entity was released, if a release note signed for it is there. */
    public static Optional<Instant> readRelease(Map<String, String> tags, RecordKey key, RecordBinding binding) {
        String at = tags.get(RELEASED);
        if (key == null || at == null || !key.verify(releaseText(binding, at), tags.get(RELEASED_MAC))) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(at));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static String releaseText(RecordBinding binding, String at) {
        return "entity-lockdown release v" + VERSION + "\n" + binding.partition() + "\n" + binding.account() + "\n"
                + binding.region() + "\n" + binding.type().name() + "\n" + binding.arn() + "\n" + at;
    }

    /**
     * Reads and authenticates the records in these tags, merging every one that verifies (the earliest
     * first, with the generic merge of {@link #merge}).
     *
     * @param key     the deployment's record key, or null when this run has no secret (then nothing verifies)
     * @param binding the entity the records must belong to
     */
    public static <T> RecordReading<T> read(Map<String, String> tags, RecordKey key, RecordBinding binding,
            Class<T> stateType) {
        return read(tags, key, binding, stateType, (first, later) -> parse(merge(toJson(first), toJson(later)),
                stateType));
    }

    /** As {@link #read(Map, RecordKey, RecordBinding, Class)}, merging several records with {@code merge}. */
    public static <T> RecordReading<T> read(Map<String, String> tags, RecordKey key, RecordBinding binding,
            Class<T> stateType, java.util.function.BinaryOperator<T> merge) {
        Set<String> ours = keys(tags);
        ours.removeAll(Set.of(RELEASED, RELEASED_MAC));
        Map<String, Map<String, String>> records = new java.util.TreeMap<>();
        for (String tagKey : ours) {
            var matcher = RECORD_KEY.matcher(tagKey);
            if (matcher.matches()) {
                records.computeIfAbsent(matcher.group(1), k -> new java.util.TreeMap<>()).put(matcher.group(2),
                        tags.get(tagKey));
            }
        }
        if (records.isEmpty()) {
            if (ours.isEmpty()) {
                return new RecordReading.Missing<>();
            }
            if (ours.stream().anyMatch(k -> k.startsWith(LEGACY_STATE))) {
                return new RecordReading.Unverified<>(ours.size(), "they are in the unsigned format of an older "
                        + "Entity Lockdown version, which anyone able to tag the entity could have written");
            }
            if (ours.equals(Set.of(MARKER))) {
                return new RecordReading.Unverified<>(1, "only the informational " + MARKER + " tag is there, "
                        + "without a signed record");
            }
            return new RecordReading.Unverified<>(ours.size(), "there is no signed record among them");
        }
        if (key == null) {
            return new RecordReading.Unverified<>(ours.size(), "this run has no deployment secret "
                    + "(LOCKDOWN_EXTERNAL_ID) to authenticate them with");
        }
        List<RecordReading.Verified<T>> verified = new ArrayList<>();
        String problem = null;
        for (var record : records.entrySet()) {
            Object one = readOne(record.getKey(), record.getValue(), key, binding, stateType);
            if (one instanceof String reason) {
                problem = problem == null ? reason : problem;
            } else {
                @SuppressWarnings("unchecked")
                RecordReading.Verified<T> ok = (RecordReading.Verified<T>) one;
                verified.add(ok);
            }
        }
        if (verified.isEmpty()) {
            return new RecordReading.Unverified<>(ours.size(), problem);
        }
        verified.sort(java.util.Comparator.comparing(RecordReading.Verified::at));
        RecordReading.Verified<T> first = verified.get(0);
        T state = first.state();
        Set<String> merged = new TreeSet<>(first.tagKeys());
        for (RecordReading.Verified<T> later : verified.subList(1, verified.size())) {
            state = merge.apply(state, later.state());
            merged.addAll(later.tagKeys());
        }
        return new RecordReading.Verified<>(first.at(), state, toJson(state), Set.copyOf(merged));
    }

    /** One record's Verified reading, or the sentence saying why it does not count. */
    private static <T> Object readOne(String id, Map<String, String> parts, RecordKey key, RecordBinding binding,
            Class<T> stateType) {
        StringBuilder encoded = new StringBuilder();
        int chunks = 0;
        while (parts.containsKey(Integer.toString(chunks))) {
            encoded.append(parts.get(Integer.toString(chunks)));
            chunks++;
        }
        if (chunks == 0 || chunks > MAX_CHUNKS || parts.size() != chunks + 1
                || !key.verify(encoded.toString(), parts.get("mac"))) {
            return "their signature does not match: they were forged or edited, or written with another deployment "
                    + "secret (after a rotation)";
        }
        JsonNode envelope;
        try {
            envelope = STRICT.readTree(inflate(Base64.getUrlDecoder().decode(encoded.toString())));
        } catch (IllegalArgumentException | java.io.IOException | java.util.zip.DataFormatException e) {
            return "the signed record cannot be decoded";
        }
        String problem = bindingProblem(envelope, binding);
        if (problem != null) {
            return problem;
        }
        Instant at;
        try {
            at = Instant.parse(envelope.path("at").asText(""));
        } catch (DateTimeParseException e) {
            return "the signed record has no valid time";
        }
        if (!(envelope.get("state") instanceof ObjectNode object)) {
            return "the signed record has no state";
        }
        try {
            Set<String> tagKeys = new TreeSet<>();
            parts.keySet().forEach(part -> tagKeys.add(RECORD + id + "-" + part));
            return new RecordReading.Verified<>(at, STRICT.treeToValue(object, stateType), object.deepCopy(),
                    Set.copyOf(tagKeys));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return "the signed record's state does not fit the " + stateType.getSimpleName()
                    + " schema (written by another version?)";
        }
    }

    /**
     * The lockdown tags a writer removes once its own record is written: the records it merged, the old
     * format and anything else of the lockdown's that is not a record at all; never a record it could not
     * read (another containment may be writing it right now), never the release note.
     */
    public static Set<String> replaced(Map<String, String> current, RecordReading<?> reading, Map<String, String> written) {
        Set<String> remove = new TreeSet<>();
        for (String tagKey : keys(current)) {
            if (written.containsKey(tagKey) || tagKey.equals(RELEASED) || tagKey.equals(RELEASED_MAC)) {
                continue;
            }
            boolean aRecord = RECORD_KEY.matcher(tagKey).matches();
            boolean merged = reading instanceof RecordReading.Verified<?> verified && verified.tagKeys().contains(tagKey);
            if (!aRecord || merged) {
                remove.add(tagKey);
            }
        }
        return remove;
    }

    private static String bindingProblem(JsonNode envelope, RecordBinding binding) {
        if (envelope.path("v").asInt(-1) != VERSION || !CONTAIN.equals(envelope.path("op").asText())) {
            return "the signed record is of another format version or operation";
        }
        boolean same = binding.partition().equals(envelope.path("partition").asText(null))
                && binding.account().equals(envelope.path("account").asText(null))
                && binding.region().equals(envelope.path("region").asText(null))
                && binding.type().name().equals(envelope.path("type").asText(null))
                && binding.arn().equals(envelope.path("arn").asText(null));
        return same ? null : "the signed record belongs to another entity (" + envelope.path("arn").asText("?")
                + "): it was copied here";
    }

    /** Every lockdown tag key present. */
    public static Set<String> keys(Map<String, String> tags) {
        Set<String> keys = new TreeSet<>();
        tags.keySet().stream().filter(k -> k.startsWith(PREFIX)).forEach(keys::add);
        return keys;
    }

    /**
     * Merges a state observed now into one already recorded: what was recorded first wins (it saw the
     * entity before any containment), arrays are united, objects merged. A null object (a value that
     * could not be read, such as the protection settings) is filled by one read later; a null scalar
     * is a value in itself (no reserved concurrency) and wins like any other. Concurrent containments
     * of one entity converge this way.
     */
    public static ObjectNode merge(ObjectNode recorded, ObjectNode observed) {
        ObjectNode merged = recorded.deepCopy();
        observed.properties().forEach(e -> {
            JsonNode existing = merged.get(e.getKey());
            if (existing == null || existing.isNull() && !e.getValue().isNull() && e.getValue().isContainerNode()) {
                merged.set(e.getKey(), e.getValue().deepCopy());
            } else if (existing instanceof com.fasterxml.jackson.databind.node.ArrayNode array
                    && e.getValue() instanceof com.fasterxml.jackson.databind.node.ArrayNode more) {
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
