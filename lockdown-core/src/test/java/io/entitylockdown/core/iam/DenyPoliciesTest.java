package io.entitylockdown.core.iam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DenyPoliciesTest {

    @Test
    void denyAll_deniesEveryActionOnEveryResource_withoutCondition() throws Exception {
        JsonNode doc = Json.mapper().readTree(DenyPolicies.denyAll());

        assertThat(doc.path("Version").asText()).isEqualTo("2012-10-17");
        assertThat(doc.path("Statement")).hasSize(1);
        JsonNode statement = doc.path("Statement").get(0);
        assertThat(statement.path("Effect").asText()).isEqualTo("Deny");
        assertThat(statement.path("Action").asText()).isEqualTo("*");
        assertThat(statement.path("Resource").asText()).isEqualTo("*");
        assertThat(statement.has("Condition")).isFalse();
        assertThat(DenyPolicies.deniesEverything(DenyPolicies.denyAll())).isTrue();
    }

    @Test
    void revokeOlderSessions_deniesTokensIssuedBeforeTheCutOff_inIsoUtcSeconds() throws Exception {
        Instant cutOff = Instant.parse("2026-11-28T21:10:01Z");
        JsonNode statement = Json.mapper().readTree(DenyPolicies.revokeOlderSessions(cutOff)).path("Statement").get(0);

        assertThat(statement.path("Effect").asText()).isEqualTo("Deny");
        assertThat(statement.path("Action").asText()).isEqualTo("*");
        assertThat(statement.path("Resource").asText()).isEqualTo("*");
        assertThat(statement.path("Condition").fieldNames()).toIterable().containsExactly("DateLessThan");
        assertThat(statement.path("Condition").path("DateLessThan").path("aws:TokenIssueTime").asText())
                .isEqualTo("2026-11-28T21:10:01Z");
    }

    @Test
    void revokedBefore_readsTheCutOffBack_alsoFromUrlEncodedDocuments() {
        Instant cutOff = Instant.parse("2026-01-02T03:04:05Z");
        String encoded = URLEncoder.encode(DenyPolicies.revokeOlderSessions(cutOff), StandardCharsets.UTF_8);

        assertThat(DenyPolicies.revokedBefore(DenyPolicies.revokeOlderSessions(cutOff))).contains(cutOff);
        assertThat(DenyPolicies.revokedBefore(encoded)).contains(cutOff);
        assertThat(DenyPolicies.deniesEverything(encoded)).isFalse();
    }

    @Test
    void revokedBefore_isEmpty_forDocumentsThatAreNotARevocation() {
        assertThat(DenyPolicies.revokedBefore(DenyPolicies.denyAll())).isEmpty();
        assertThat(DenyPolicies.revokedBefore("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":"
                + "\"2026-01-02T03:04:05Z\"}}}]}")).isEmpty();
        assertThat(DenyPolicies.revokedBefore("not json")).isEmpty();
    }

    @Test
    void cutOff_roundsUpToTheNextWholeSecond_soSessionsFromTheSameSecondAreRevoked() {
        assertThat(DenyPolicies.cutOff(Instant.parse("2026-11-28T21:10:00.250Z"))).isEqualTo(Instant.parse("2026-11-28T21:10:01Z"));
        assertThat(DenyPolicies.cutOff(Instant.parse("2026-11-28T21:10:00Z"))).isEqualTo(Instant.parse("2026-11-28T21:10:00Z"));
        assertThat(DenyPolicies.iso(Instant.parse("2026-11-28T21:10:00.999Z"))).isEqualTo("2026-11-28T21:10:00Z");
    }

    @Test
    void documents_fitTheInlinePolicySizeLimit() {
        // IAM allows 2,048 characters of inline policy per user (10,240 per role), all policies together.
        assertThat(DenyPolicies.denyAll().length() + DenyPolicies.revokeOlderSessions(Instant.now()).length())
                .isLessThan(600);
    }
}
