package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CredentialDenyPolicyTest {
    private static final String A = "arn:aws:ec2:us-east-1:111111111111:instance/i-0aaaaaaaaaaaaaaaa";
    private static final String B = "arn:aws:ec2:us-east-1:111111111111:instance/i-0bbbbbbbbbbbbbbbb";

    @Test
    void document_deniesEverything_onlyForTheListedInstances() throws Exception {
        JsonNode policy = Json.mapper().readTree(CredentialDenyPolicy.document(List.of(B, A, B)));

        assertThat(policy.path("Version").asText()).isEqualTo("2012-10-17");
        JsonNode statement = policy.path("Statement").get(0);
        assertThat(policy.path("Statement")).hasSize(1);
        assertThat(statement.path("Effect").asText()).isEqualTo("Deny");
        assertThat(statement.path("Action").asText()).isEqualTo("*");
        assertThat(statement.path("Resource").asText()).isEqualTo("*");
        JsonNode arns = statement.path("Condition").path("ArnEquals").path("ec2:SourceInstanceARN");
        assertThat(arns.isArray()).isTrue();
        assertThat(arns).extracting(JsonNode::asText).containsExactly(A, B);
        assertThat(statement.path("Condition").size()).isEqualTo(1);
    }

    @Test
    void document_withoutInstances_isRefused() {
        assertThatThrownBy(() -> CredentialDenyPolicy.document(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void instanceArns_readsItsOwnDocument_plainAndUrlEncoded() {
        String document = CredentialDenyPolicy.document(Set.of(A, B));

        assertThat(CredentialDenyPolicy.instanceArns(document)).contains(Set.of(A, B));
        assertThat(CredentialDenyPolicy.instanceArns(URLEncoder.encode(document, StandardCharsets.UTF_8)))
                .contains(Set.of(A, B));
    }

    /** A policy of the lockdown's name that is not exactly its document is a look-alike and counts for nothing. */
    @Test
    void instanceArns_ofALookAlike_isEmpty() {
        String ownCondition = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\","
                + "\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"ec2:SourceInstanceARN\":\"" + A + "\"}}}}";
        String narrowed = CredentialDenyPolicy.document(Set.of(A)).replace("\"Action\":\"*\"", "\"Action\":\"s3:GetObject\"");
        String allowed = CredentialDenyPolicy.document(Set.of(A)).replace("\"Deny\"", "\"Allow\"");
        String extraStatement = CredentialDenyPolicy.document(Set.of(A)).replace("}]}",
                "},{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}");

        for (String lookAlike : List.of(ownCondition, narrowed, allowed, extraStatement, "{not json", "")) {
            assertThat(CredentialDenyPolicy.instanceArns(lookAlike)).as(lookAlike).isEmpty();
        }
    }

    @Test
    void quotaSize_ignoresWhiteSpace_andGrowsWithEveryInstance() {
        assertThat(CredentialDenyPolicy.quotaSize(" { \"a\" :\n\t1 } ")).isEqualTo(7);
        int one = CredentialDenyPolicy.quotaSize(CredentialDenyPolicy.document(List.of(A)));
        int two = CredentialDenyPolicy.quotaSize(CredentialDenyPolicy.document(List.of(A, B)));
        assertThat(two - one).isEqualTo(A.length() + 3);
    }

    @Test
    void quota_holdsAboutFortyPerInstancePoliciesOnAnOtherwiseEmptyRole() {
        // one policy per instance (EntityLockdownDenyInstance-<id>), so the role's inline quota is shared by them
        int total = 0;
        int instances = 0;
        while (true) {
            String arn = String.format("arn:aws:ec2:us-east-1:111111111111:instance/i-%017x", instances);
            int size = CredentialDenyPolicy.quotaSize(CredentialDenyPolicy.document(List.of(arn)));
            if (total + size > CredentialDenyPolicy.ROLE_INLINE_LIMIT) {
                break;
            }
            total += size;
            instances++;
        }
        assertThat(instances).as("docs/ec2-instance.md and InstanceCredentials say 41").isEqualTo(41);
    }
}
