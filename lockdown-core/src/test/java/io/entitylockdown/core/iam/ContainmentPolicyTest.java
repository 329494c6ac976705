package io.entitylockdown.core.iam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContainmentPolicyTest {
    private static final String ALICE = "arn:aws:iam::111122223333:user/ops/alice";
    private static final Instant CUT = Instant.parse("2026-11-28T21:10:01Z");

    @Test
    void document_deniesEverything_andOlderSessions_bothOnlyForTheArnGiven() throws Exception {
        JsonNode statements = Json.mapper().readTree(ContainmentPolicy.document(ALICE, CUT, true)).path("Statement");

        assertThat(statements).hasSize(2);
        assertThat(statements).allSatisfy(s -> {
            assertThat(s.path("Effect").asText()).isEqualTo("Deny");
            assertThat(s.path("Action").asText()).isEqualTo("*");
            assertThat(s.path("Resource").asText()).isEqualTo("*");
            assertThat(s.at("/Condition/ArnEquals/aws:PrincipalArn").asText()).isEqualTo(ALICE);
        });
        assertThat(statements.get(0).path("Condition").size()).as("deny-all: only the principal").isEqualTo(1);
        assertThat(statements.get(1).at("/Condition/DateLessThan/aws:TokenIssueTime").asText())
                .isEqualTo("2026-11-28T21:10:01Z");
    }

    @Test
    void afterRelease_onlyTheRevocationIsLeft() throws Exception {
        JsonNode statements = Json.mapper().readTree(ContainmentPolicy.document(ALICE, CUT, false)).path("Statement");

        assertThat(statements).singleElement().satisfies(s -> assertThat(s.path("Sid").asText())
                .isEqualTo("EntityLockdownRevokeOlderSessions"));
    }

    @Test
    void parse_readsItsOwnDocuments_plainAndUrlEncoded() {
        for (boolean denyAll : new boolean[] {true, false}) {
            String document = ContainmentPolicy.document(ALICE, CUT, denyAll);

            assertThat(ContainmentPolicy.parse(document, ALICE)).contains(new ContainmentPolicy.Form(denyAll, CUT));
            assertThat(ContainmentPolicy.parse(URLEncoder.encode(document, StandardCharsets.UTF_8), ALICE))
                    .contains(new ContainmentPolicy.Form(denyAll, CUT));
        }
    }

    /** A policy under the lockdown's name that is not exactly its document counts for nothing. */
    @Test
    void parse_ofALookAlike_isEmpty() {
        String real = ContainmentPolicy.document(ALICE, CUT, true);
        List<String> lookAlikes = List.of(
                real.replace("\"Action\":\"*\"", "\"Action\":\"s3:GetObject\""),
                real.replaceFirst("\"Deny\"", "\"Allow\""),
                real.replace("}]}", "},{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"),
                real.replace("\"Resource\":\"*\"", "\"NotResource\":\"*\""),
                ContainmentPolicy.document("arn:aws:iam::111122223333:user/ops/bob", CUT, true),
                real.replace("aws:TokenIssueTime\":\"2026-11-28T21:10:01Z", "aws:TokenIssueTime\":\"not a time"),
                "{not json", "");

        for (String lookAlike : lookAlikes) {
            assertThat(ContainmentPolicy.parse(lookAlike, ALICE)).as(lookAlike).isEmpty();
        }
    }

    @Test
    void cutOff_roundsUpToTheNextWholeSecond() {
        assertThat(ContainmentPolicy.cutOff(Instant.parse("2026-11-28T21:10:00.001Z")))
                .isEqualTo(Instant.parse("2026-11-28T21:10:01Z"));
        assertThat(ContainmentPolicy.cutOff(Instant.parse("2026-11-28T21:10:00Z")))
                .isEqualTo(Instant.parse("2026-11-28T21:10:00Z"));
    }

    @Test
    void theDocumentFitsIamsUserQuota_withRoomForAnotherPolicy() {
        String arn = "arn:aws:iam::111122223333:user/" + "p/".repeat(40) + "a".repeat(64);
        assertThat(io.entitylockdown.core.ec2.CredentialDenyPolicy.quotaSize(
                ContainmentPolicy.document(arn, CUT, true))).isLessThan(1_024);
    }
}
