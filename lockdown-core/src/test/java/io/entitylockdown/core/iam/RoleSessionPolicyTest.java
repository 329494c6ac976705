package io.entitylockdown.core.iam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoleSessionPolicyTest {
    private static final String ROLE_ID = "AROAEXAMPLEROLEID1234";

    @Test
    void document_deniesEverything_onlyWhenTheUserIdIsThisSessionsOfThisRole() {
        JsonNode statement = SessionDeny.statement(RoleSessionPolicy.document(ROLE_ID, "build-4711"));

        assertThat(statement.path("Effect").asText()).isEqualTo("Deny");
        assertThat(statement.path("Action").asText()).isEqualTo("*");
        assertThat(statement.path("Resource").asText()).isEqualTo("*");
        assertThat(statement.path("Condition").fieldNames()).toIterable().containsExactly("StringEquals");
        assertThat(statement.at("/Condition/StringEquals").size()).isEqualTo(1);
        assertThat(statement.at("/Condition/StringEquals/aws:userid").asText()).isEqualTo(ROLE_ID + ":build-4711");

        String document = RoleSessionPolicy.document(ROLE_ID, "build-4711");
        assertThat(SessionDeny.denies(document, Map.of("aws:userid", ROLE_ID + ":build-4711"))).isTrue();
        assertThat(SessionDeny.denies(document, Map.of("aws:userid", ROLE_ID + ":build-4712"))).isFalse();
        assertThat(SessionDeny.denies(document, Map.of("aws:userid", "AROAANOTHERROLE00000:build-4711"))).isFalse();
        assertThat(SessionDeny.denies(document, Map.of("aws:userid", ROLE_ID + ":Build-4711")))
                .as("StringEquals is case-sensitive, as session names are").isFalse();
    }

    @Test
    void isExactly_acceptsOnlyTheLockdownsDocumentForThisRoleIdAndSession_encodedOrNot() {
        String document = RoleSessionPolicy.document(ROLE_ID, "build-4711");

        assertThat(RoleSessionPolicy.isExactly(document, ROLE_ID, "build-4711")).isTrue();
        assertThat(RoleSessionPolicy.isExactly(URLEncoder.encode(document, StandardCharsets.UTF_8), ROLE_ID, "build-4711"))
                .isTrue();
        assertThat(RoleSessionPolicy.isExactly(document, ROLE_ID, "build-4712")).isFalse();
        assertThat(RoleSessionPolicy.isExactly(document, "AROAANOTHERROLE00000", "build-4711"))
                .as("a role created again under the same name has another id").isFalse();
        assertThat(RoleSessionPolicy.isExactly(document.replace("\"Deny\"", "\"Allow\""), ROLE_ID, "build-4711")).isFalse();
        assertThat(RoleSessionPolicy.isExactly(document.replace("StringEquals", "StringLike"), ROLE_ID, "build-4711"))
                .isFalse();
        assertThat(RoleSessionPolicy.isExactly("{not json", ROLE_ID, "build-4711")).isFalse();
        assertThat(RoleSessionPolicy.isExactly("", ROLE_ID, "build-4711")).isFalse();
    }

    @Test
    void deniedUserId_readsOnlyTheLockdownsOwnDocuments() {
        assertThat(RoleSessionPolicy.deniedUserId(RoleSessionPolicy.document(ROLE_ID, "Build-4711")))
                .contains(ROLE_ID + ":Build-4711");
        assertThat(RoleSessionPolicy.deniedUserId(URLEncoder.encode(RoleSessionPolicy.document(ROLE_ID, "i-0abc1234"),
                StandardCharsets.UTF_8))).contains(ROLE_ID + ":i-0abc1234");
        assertThat(RoleSessionPolicy.deniedUserId(RoleSessionPolicy.document(ROLE_ID, "x1").replace("Deny", "Allow")))
                .isEmpty();
        assertThat(RoleSessionPolicy.deniedUserId("{\"Version\":\"2012-10-17\",\"Statement\":[]}")).isEmpty();
        assertThat(RoleSessionPolicy.deniedUserId("not json")).isEmpty();
    }

    @Test
    void name_isThePrefixAndTheSessionName_withinIamsPolicyNameLimit() {
        assertThat(RoleSessionPolicy.name("i-0f1e2d3c4b5a69788")).isEqualTo("EntityLockdownSession-i-0f1e2d3c4b5a69788");
        assertThat(RoleSessionPolicy.name("s".repeat(64))).hasSizeLessThanOrEqualTo(128).matches("[\\w+=,.@-]+");
    }

    @Test
    void document_isSmall_soManySessionsFitInTheRolesInlineQuota() {
        String document = RoleSessionPolicy.document(ROLE_ID, "s".repeat(64));

        // 10,240 characters of inline policy per role (white space not counted): room for about 40 sessions
        assertThat(io.entitylockdown.core.ec2.CredentialDenyPolicy.quotaSize(document)).isLessThanOrEqualTo(256);
    }
}
