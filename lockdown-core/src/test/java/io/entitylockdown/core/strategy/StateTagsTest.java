package io.entitylockdown.core.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.LockdownException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StateTagsTest {
    /** What IAM, Lambda and EC2 all accept in tag keys and values. */
    private static final Pattern TAG_CHARACTERS = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
    private static final Instant AT = Instant.parse("2026-11-28T21:00:00.123Z");

    private static ObjectNode state(String json) throws Exception {
        return (ObjectNode) Json.mapper().readTree(json);
    }

    @Test
    void roundTrip_returnsMarkerAndState() throws Exception {
        ObjectNode state = state("{\"attached\":[\"arn:aws:iam::aws:policy/AWSDenyAll\"],\"concurrency\":null,"
                + "\"keys\":{\"AKIA1\":\"Active\"},\"note\":\"ünïcödé & <xml> \\\"quotes\\\"\"}");

        Map<String, String> tags = StateTags.encode(AT, state);
        StateTags.Recorded recorded = StateTags.decode(tags).orElseThrow();

        assertThat(recorded.containedAt()).isEqualTo(AT);
        assertThat(recorded.state()).isEqualTo(state);
        assertThat(tags).containsEntry(StateTags.CONTAINED_AT, "2026-11-28T21:00:00.123Z");
    }

    @Test
    void emptyState_roundTrips() {
        ObjectNode empty = Json.mapper().createObjectNode();

        Map<String, String> tags = StateTags.encode(AT, empty);

        assertThat(tags).containsKeys(StateTags.CONTAINED_AT, "lockdown:state-0").hasSize(2);
        assertThat(StateTags.decode(tags).orElseThrow().state()).isEqualTo(empty);
    }

    @Test
    void largeState_isChunkedIntoValuesOfAtMost256Characters() throws Exception {
        ObjectNode state = Json.mapper().createObjectNode();
        for (int i = 0; i < 12; i++) {
            state.put("policy" + i, "arn:aws:iam::123456789012:policy/some/long/path/Policy-" + i);
        }

        Map<String, String> tags = StateTags.encode(AT, state);

        assertThat(tags.keySet()).contains("lockdown:state-0", "lockdown:state-1", "lockdown:state-2");
        assertThat(tags.values()).allSatisfy(value -> assertThat(value.length()).isLessThanOrEqualTo(256));
        assertThat(tags.get("lockdown:state-0")).hasSize(256);
        assertThat(StateTags.decode(tags).orElseThrow().state()).isEqualTo(state);
    }

    @Test
    void keysAndValues_useOnlyCharactersIamAccepts() throws Exception {
        ObjectNode state = state("{\"x\":\"~!#$%^&*()[]{}|\\\\;'<>?,\\u0000\\u00e9\\u4e2d\\ud83d\\ude00\","
                + "\"y\":[1,2,3]}");

        Map<String, String> tags = StateTags.encode(AT, state);

        assertThat(tags).allSatisfy((key, value) -> {
            assertThat(key).matches(TAG_CHARACTERS).hasSizeLessThanOrEqualTo(128);
            assertThat(value).matches(TAG_CHARACTERS).hasSizeLessThanOrEqualTo(256);
        });
        assertThat(StateTags.decode(tags).orElseThrow().state()).isEqualTo(state);
    }

    @Test
    void tooLargeState_isRejectedWithAClearMessage() {
        ObjectNode state = Json.mapper().createObjectNode();
        state.put("blob", "x".repeat(2000));

        assertThatThrownBy(() -> StateTags.encode(AT, state))
                .isInstanceOf(LockdownException.class)
                .hasMessageContaining("recorded state")
                .hasMessageContaining("8 tags");
    }

    @Test
    void decode_withoutMarker_isEmpty() {
        assertThat(StateTags.decode(Map.of("team", "payments"))).isEmpty();
    }

    @Test
    void decode_markerWithoutState_givesEmptyState() {
        StateTags.Recorded recorded = StateTags.decode(Map.of(StateTags.CONTAINED_AT, AT.toString())).orElseThrow();

        assertThat(recorded.state().isEmpty()).isTrue();
    }

    @Test
    void decode_badMarker_saysItWasEdited() {
        assertThatThrownBy(() -> StateTags.decode(Map.of(StateTags.CONTAINED_AT, "yesterday")))
                .isInstanceOf(LockdownException.class)
                .hasMessageContaining("'yesterday'")
                .hasMessageContaining("not a time");
    }

    @Test
    void decode_unreadableState_saysHowToRelease() {
        Map<String, String> tags = Map.of(StateTags.CONTAINED_AT, AT.toString(), "lockdown:state-0", "not base64 !");

        assertThatThrownBy(() -> StateTags.decode(tags))
                .isInstanceOf(LockdownException.class)
                .hasMessageContaining("unreadable")
                .hasMessageContaining("Release by hand");
    }

    @Test
    void decode_missingChunk_isUnreadableRatherThanSilentlyPartial() throws Exception {
        ObjectNode state = Json.mapper().createObjectNode();
        state.put("blob", "y".repeat(400));
        Map<String, String> tags = new LinkedHashMap<>(StateTags.encode(AT, state));
        tags.remove("lockdown:state-1");

        assertThatThrownBy(() -> StateTags.decode(tags))
                .isInstanceOf(LockdownException.class)
                .hasMessageContaining("unreadable");
    }

    @Test
    void decode_stateThatIsNotAnObject_isUnreadable() {
        String array = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("[1,2]".getBytes());
        Map<String, String> tags = Map.of(StateTags.CONTAINED_AT, AT.toString(), "lockdown:state-0", array);

        assertThatThrownBy(() -> StateTags.decode(tags))
                .isInstanceOf(LockdownException.class)
                .hasMessageContaining("unreadable");
    }

    @Test
    void keys_findsEveryLockdownTagAndNothingElse() {
        Map<String, String> tags = new LinkedHashMap<>(StateTags.encode(AT, Json.mapper().createObjectNode()));
        tags.put("team", "payments");
        tags.put("lockdownish", "x");

        assertThat(StateTags.keys(tags)).containsExactly("lockdown:contained-at", "lockdown:state-0");
    }

    @Test
    void merge_recordedValuesWin() throws Exception {
        ObjectNode merged = StateTags.merge(state("{\"concurrency\":null,\"role\":\"a\"}"),
                state("{\"concurrency\":0,\"role\":\"b\",\"extra\":1}"));

        assertThat(merged).isEqualTo(state("{\"concurrency\":null,\"role\":\"a\",\"extra\":1}"));
    }

    @Test
    void merge_unitesArraysWithoutDuplicates_andRecursesIntoObjects() throws Exception {
        ObjectNode recorded = state("{\"keys\":[\"AKIA1\",\"AKIA2\"],\"nested\":{\"a\":1,\"list\":[{\"x\":1}]}}");
        ObjectNode observed = state("{\"keys\":[\"AKIA2\",\"AKIA3\"],\"nested\":{\"a\":2,\"b\":3,\"list\":[{\"x\":1},{\"x\":2}]}}");

        ObjectNode merged = StateTags.merge(recorded, observed);

        assertThat(merged).isEqualTo(state(
                "{\"keys\":[\"AKIA1\",\"AKIA2\",\"AKIA3\"],\"nested\":{\"a\":1,\"list\":[{\"x\":1},{\"x\":2}],\"b\":3}}"));
        assertThat(recorded).isEqualTo(state("{\"keys\":[\"AKIA1\",\"AKIA2\"],\"nested\":{\"a\":1,\"list\":[{\"x\":1}]}}"));
    }

    @Test
    void merge_isIdempotent() throws Exception {
        ObjectNode recorded = state("{\"keys\":[\"AKIA1\"],\"n\":{\"a\":1}}");

        assertThat(StateTags.merge(recorded, recorded)).isEqualTo(recorded);
    }
}
