package io.entitylockdown.core.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.LockdownException;
import io.entitylockdown.core.iam.UserState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntityRecordsTest {
    private static final Instant AT = Instant.parse("2026-11-28T21:00:00.123Z");
    private static final RecordKey KEY = RecordKey.fromSecret("deployment-secret-0123456789");
    private static final String ALICE = "arn:aws:iam::111122223333:user/ops/alice";
    private static final RecordBinding BINDING = RecordBinding.of(EntityArn.parse(ALICE));
    private static final UserState STATE = new UserState(List.of("AKIAIOSFODNN7EXAMPLE"), false);
    /** IAM and Lambda tag keys and values: letters, digits, spaces and _.:/=+-@ */
    private static final String TAG_CHARACTERS = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*";

    private static RecordReading<UserState> read(Map<String, String> tags) {
        return EntityRecords.read(tags, KEY, BINDING, UserState.class);
    }

    @Test
    void roundTrip_verifiesAndGivesTheTimeAndTheTypedState() {
        Map<String, String> tags = EntityRecords.encode(KEY, BINDING, AT, STATE);

        RecordReading.Verified<UserState> verified = read(tags).verified().orElseThrow();

        assertThat(verified.at()).isEqualTo(AT);
        assertThat(verified.state()).isEqualTo(STATE);
        assertThat(tags).containsEntry(EntityRecords.MARKER, "2026-11-28T21:00:00.123Z");
        assertThat(tags.keySet()).anyMatch(k -> k.matches("lockdown:record-[0-9a-z]{8}-0"))
                .anyMatch(k -> k.matches("lockdown:record-[0-9a-z]{8}-mac"));
    }

    @Test
    void tags_useOnlyCharactersIamAccepts_inValuesOfAtMost256Characters() {
        Map<String, String> tags = EntityRecords.encode(KEY, BINDING, AT, new UserState(
                List.of("AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE", "AKIAJSIE27KKMHXI3BJQ"), true));

        assertThat(tags).allSatisfy((key, value) -> {
            assertThat(key).matches(TAG_CHARACTERS).hasSizeLessThanOrEqualTo(128);
            assertThat(value).matches(TAG_CHARACTERS).hasSizeLessThanOrEqualTo(256);
        });
        assertThat(tags.keySet()).anyMatch(k -> k.endsWith("-1"));
        assertThat(tags.entrySet()).filteredOn(e -> e.getKey().endsWith("-0")).singleElement()
                .satisfies(e -> assertThat(e.getValue()).hasSize(256));
        assertThat(read(tags).isVerified()).isTrue();
    }

    @Test
    void aStateTooLargeForEightTags_isRefusedWithAClearMessage() {
        record Big(String blob) {
        }
        // random, so deflating cannot shrink it below eight tags
        java.util.Random random = new java.util.Random(7);
        StringBuilder blob = new StringBuilder();
        while (blob.length() < 3000) {
            blob.append(Long.toHexString(random.nextLong()));
        }
        assertThatThrownBy(() -> EntityRecords.encode(KEY, BINDING, AT, new Big(blob.toString())))
                .isInstanceOf(LockdownException.class).hasMessageContaining("more than 8 tags can hold");
    }

    @Test
    void noLockdownTag_isMissing() {
        assertThat(read(Map.of("team", "payments"))).isInstanceOf(RecordReading.Missing.class);
    }

    @Test
    void aPlantedMarkerAlone_isUnverified_andNeverATime() {
        RecordReading<UserState> reading = read(Map.of(EntityRecords.MARKER, "2000-01-01T00:00:00Z"));

        assertThat(reading).isInstanceOf(RecordReading.Unverified.class);
        assertThat(reading.verified()).isEmpty();
        assertThat(((RecordReading.Unverified<UserState>) reading).reason()).contains("informational");
    }

    @Test
    void theOldUnsignedFormat_isUnverified() {
        RecordReading<UserState> reading = read(Map.of(EntityRecords.MARKER, AT.toString(), "lockdown:state-0", "e30"));

        assertThat(reading).isInstanceOfSatisfying(RecordReading.Unverified.class, u -> {
            assertThat(u.tags()).isEqualTo(2);
            assertThat(u.reason()).contains("older");
        });
    }

    @Test
    void withoutAKey_nothingVerifies() {
        Map<String, String> tags = EntityRecords.encode(KEY, BINDING, AT, STATE);

        RecordReading<UserState> reading = EntityRecords.read(tags, null, BINDING, UserState.class);

        assertThat(reading).isInstanceOfSatisfying(RecordReading.Unverified.class,
                u -> assertThat(u.reason()).contains("no deployment secret"));
    }

    @Test
    void anotherDeploymentsKey_orARotatedSecret_doesNotVerify() {
        Map<String, String> tags = EntityRecords.encode(RecordKey.fromSecret("the-old-secret-before-rotation"),
                BINDING, AT, STATE);

        assertThat(read(tags)).isInstanceOfSatisfying(RecordReading.Unverified.class,
                u -> assertThat(u.reason()).contains("signature does not match"));
    }

    private static String prefix(Map<String, String> tags) {
        String mac = tags.keySet().stream().filter(k -> k.endsWith("-mac")).findFirst().orElseThrow();
        return mac.substring(0, mac.length() - "mac".length());
    }

    /** The record's tags with its envelope edited and re-encoded, keeping the original MAC. */
    private static Map<String, String> edited(Map<String, String> tags, String from, String to) {
        String prefix = prefix(tags);
        StringBuilder encoded = new StringBuilder();
        for (int i = 0; tags.containsKey(prefix + i); i++) {
            encoded.append(tags.get(prefix + i));
        }
        String json;
        try {
            json = new String(EntityRecords.inflate(Base64.getUrlDecoder().decode(encoded.toString())),
                    StandardCharsets.UTF_8);
        } catch (java.util.zip.DataFormatException e) {
            throw new AssertionError(e);
        }
        assertThat(json).contains(from);
        String forged = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(EntityRecords.deflate(json.replace(from, to).getBytes(StandardCharsets.UTF_8)));
        Map<String, String> result = new LinkedHashMap<>();
        tags.forEach((k, v) -> {
            if (!k.startsWith(prefix) || k.endsWith("-mac")) {
                result.put(k, v);
            }
        });
        for (int i = 0; i * 256 < forged.length(); i++) {
            result.put(prefix + i, forged.substring(i * 256, Math.min(forged.length(), (i + 1) * 256)));
        }
        return result;
    }

    @Test
    void inflate_refusesMoreThanAnyRecordCouldHold() {
        byte[] bomb = EntityRecords.deflate(new byte[EntityRecords.MAX_INFLATED + 1]);

        assertThat(bomb.length).as("zeros deflate to almost nothing").isLessThan(1024);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EntityRecords.inflate(bomb))
                .isInstanceOf(java.util.zip.DataFormatException.class).hasMessageContaining("larger than any record");
    }

    @Test
    void inflate_refusesATruncatedStream() {
        byte[] whole = EntityRecords.deflate("{\"v\":2,\"state\":{}}".repeat(20).getBytes(StandardCharsets.UTF_8));

        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> EntityRecords.inflate(java.util.Arrays.copyOf(whole, whole.length / 2)))
                .isInstanceOf(java.util.zip.DataFormatException.class);
    }

    @Test
    void aForgedState_withTheOriginalMac_doesNotVerify() {
        Map<String, String> tags = EntityRecords.encode(KEY, BINDING, AT, STATE);
        assertThat(read(edited(tags, "AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE")).isVerified())
                .as("the control: an unchanged envelope verifies").isTrue();

        assertThat(read(edited(tags, "AKIAIOSFODNN7EXAMPLE", "AKIAOLDDISABLEDKEY01")).isVerified()).isFalse();
    }

    @Test
    void aBackdatedTime_withTheOriginalMac_doesNotVerify() {
        Map<String, String> tags = new LinkedHashMap<>(edited(EntityRecords.encode(KEY, BINDING, AT, STATE),
                AT.toString(), "2000-01-01T00:00:00Z"));
        tags.put(EntityRecords.MARKER, "2000-01-01T00:00:00Z");

        assertThat(read(tags).isVerified()).isFalse();
    }

    @Test
    void aGenuineRecordCopiedToAnotherEntity_isRecognisedAsCopied() {
        Map<String, String> bobs = EntityRecords.encode(KEY,
                RecordBinding.of(EntityArn.parse("arn:aws:iam::111122223333:user/ops/bob")), AT, STATE);

        assertThat(read(bobs)).isInstanceOfSatisfying(RecordReading.Unverified.class,
                u -> assertThat(u.reason()).contains("belongs to another entity").contains("user/ops/bob"));
        Map<String, String> otherAccount = EntityRecords.encode(KEY,
                RecordBinding.of(EntityArn.parse("arn:aws:iam::999999999999:user/ops/alice")), AT, STATE);
        assertThat(read(otherAccount).isVerified()).isFalse();
    }

    @Test
    void aSignedStateThatDoesNotFitTheSchema_isUnverified() {
        ObjectNode wrongShape = Json.mapper().createObjectNode();
        wrongShape.put("deactivatedKeys", "AKIAIOSFODNN7EXAMPLE");
        wrongShape.put("attachedDenyAll", false);

        Map<String, String> tags = EntityRecords.encode(KEY, BINDING, AT, wrongShape);

        assertThat(read(tags)).isInstanceOfSatisfying(RecordReading.Unverified.class,
                u -> assertThat(u.reason()).contains("does not fit"));
    }

    @Test
    void aSignedStateWithAnInvalidValue_isUnverified() {
        ObjectNode badKey = Json.mapper().createObjectNode();
        badKey.putArray("deactivatedKeys").add("not a key; rm -rf /");
        badKey.put("attachedDenyAll", false);

        assertThat(read(EntityRecords.encode(KEY, BINDING, AT, badKey)).isVerified()).isFalse();
    }

    @Test
    void aMacWithoutChunks_orAnExtraChunk_isUnverified() {
        assertThat(read(Map.of("lockdown:record-abcdefgh-mac", "AAAA")).isVerified()).isFalse();
        Map<String, String> tags = new LinkedHashMap<>(EntityRecords.encode(KEY, BINDING, AT, STATE));
        tags.put(prefix(tags) + "7", "x");
        assertThat(read(tags).isVerified()).isFalse();
    }

    @Test
    void twoRecordsWrittenAtOnce_areBothRead_andMerged_theEarlierFirst() {
        Map<String, String> tags = new LinkedHashMap<>(EntityRecords.encode(KEY, BINDING, AT,
                new UserState(List.of("AKIAIOSFODNN7EXAMPLE"), false)));
        tags.putAll(EntityRecords.encode(KEY, BINDING, AT.plusSeconds(1),
                new UserState(List.of("AKIAI44QH8DHBEXAMPLE"), true)));

        RecordReading.Verified<UserState> merged = read(tags).verified().orElseThrow();

        assertThat(merged.at()).isEqualTo(AT);
        assertThat(merged.state().deactivatedKeys()).containsExactly("AKIAIOSFODNN7EXAMPLE", "AKIAI44QH8DHBEXAMPLE");
        assertThat(merged.state().attachedDenyAll()).as("the earlier record wins for a value both have").isFalse();
        assertThat(merged.tagKeys()).containsExactlyInAnyOrderElementsOf(
                tags.keySet().stream().filter(k -> k.startsWith("lockdown:record-")).toList());
    }

    @Test
    void aWriterReplaces_theRecordsItMerged_theOldFormat_andJunk_butNeverARecordItCouldNotRead() {
        Map<String, String> current = new LinkedHashMap<>(EntityRecords.encode(KEY, BINDING, AT, STATE));
        current.put("lockdown:state-0", "old");
        current.put("lockdown:record-5", "planted");
        current.put("lockdown:record-zzzzzzzz-0", "being written by another containment");
        current.put("team", "payments");
        RecordReading<UserState> reading = read(current);
        Map<String, String> written = EntityRecords.encode(KEY, BINDING, AT, STATE);

        assertThat(EntityRecords.replaced(current, reading, written))
                .contains("lockdown:state-0", "lockdown:record-5", prefix(current) + "0", prefix(current) + "mac")
                .doesNotContain("lockdown:record-zzzzzzzz-0", "team", EntityRecords.MARKER);
    }

    @Test
    void merge_firstRecordedWins_arraysUnite_nullObjectsFill_nullScalarsStay() throws Exception {
        ObjectNode first = (ObjectNode) Json.mapper().readTree(
                "{\"a\":1,\"list\":[\"x\"],\"obj\":null,\"scalar\":null,\"nested\":{\"k\":\"first\"}}");
        ObjectNode later = (ObjectNode) Json.mapper().readTree(
                "{\"a\":2,\"list\":[\"y\",\"x\"],\"obj\":{\"t\":true},\"scalar\":5,\"nested\":{\"k\":\"later\",\"m\":1},"
                        + "\"new\":true}");

        ObjectNode merged = EntityRecords.merge(first, later);

        assertThat(merged.toString()).isEqualTo("{\"a\":1,\"list\":[\"x\",\"y\"],\"obj\":{\"t\":true},\"scalar\":null,"
                + "\"nested\":{\"k\":\"first\",\"m\":1},\"new\":true}");
    }

    @Test
    void theKey_neverShowsItself_andDependsOnTheSecret() {
        assertThat(KEY.toString()).doesNotContain("secret").isEqualTo("RecordKey(hidden)");
        assertThat(KEY.sign("x")).isEqualTo(RecordKey.fromSecret("deployment-secret-0123456789").sign("x"))
                .isNotEqualTo(RecordKey.fromSecret("deployment-secret-0123456780").sign("x"));
        assertThatThrownBy(() -> RecordKey.fromSecret(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
