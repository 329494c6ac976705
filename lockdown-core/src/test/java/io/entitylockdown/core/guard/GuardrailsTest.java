package io.entitylockdown.core.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.LockdownConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GuardrailsTest {
    private static final String MEMBER_ROLE = "EntityLockdownMemberRole";

    private static Optional<String> refusal(Guardrails guardrails, String arn) {
        return guardrails.refusal(EntityArn.parse(arn));
    }

    @Test
    void star_matchesAnyRunOfCharacters_inAnyAccount() {
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::*:role/BreakGlass*"), List.of(), List.of(), MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/BreakGlass")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::222222222222:role/BreakGlassAdmin")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::222222222222:role/NotBreakGlass")).isEmpty();
        assertThat(refusal(guardrails, "arn:aws:iam::222222222222:user/BreakGlass")).isEmpty();
    }

    @Test
    void questionMark_matchesExactlyOneCharacter() {
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::111111111111:user/ops-?"), List.of(), List.of(),
                MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:user/ops-1")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:user/ops-12")).isEmpty();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:user/ops-")).isEmpty();
    }

    @Test
    void otherRegexCharacters_areLiteral() {
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::111111111111:user/a.b+c"), List.of(), List.of(),
                MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:user/a.b+c")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:user/a_bbc")).isEmpty();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:user/aXbc")).isEmpty();
    }

    @Test
    void protectedRefusal_namesThePatternAndTheSetting() {
        Guardrails guardrails = Guardrails.of(List.of(" arn:aws:iam::*:role/BreakGlass* "), List.of(), List.of(),
                MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/BreakGlass"))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .contains("is protected", "'arn:aws:iam::*:role/BreakGlass*'", "LOCKDOWN_PROTECTED_PRINCIPALS"));
    }

    @Test
    void protectedIamName_cannotBeBypassedByChangingCase() {
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::*:role/BreakGlass"), List.of(), List.of(),
                MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/BREAKGLASS")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/breakglass")).isPresent();
    }

    @Test
    void protectedFunction_matchesItsVersionsAndAliasesToo() {
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:lambda:*:111111111111:function:payments"), List.of(),
                List.of(), MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:lambda:eu-west-1:111111111111:function:payments:prod")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:lambda:eu-west-1:111111111111:function:payments:3")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:lambda:eu-west-1:111111111111:function:payments-v2")).isEmpty();
    }

    @Test
    void patternWithoutPath_protectsTheRoleOrUserUnderAnyPath() {
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::*:role/BreakGlass", "arn:aws:iam::*:user/Break*"),
                List.of(), List.of(), MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/admin/BreakGlass"))
                .hasValueSatisfying(reason -> assertThat(reason).contains("is protected", "role/BreakGlass'"));
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/a/b/breakglass")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:user/ops/BreakGlassAdmin")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/admin/BreakGlass2")).isEmpty();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/BreakGlass/ops")).isEmpty();
    }

    @Test
    void patternWithPath_protectsThatNameGivenWithoutItsPath_butAWildcardNameIsNotWidened() {
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::*:role/admin/BreakGlass",
                "arn:aws:iam::*:user/ops/deploy-*"), List.of(), List.of(), MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/admin/BreakGlass")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/BreakGlass"))
                .as("IAM names are unique in an account whatever the path").isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:user/ops/deploy-bot")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:user/deploy-bot")).isEmpty();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:user/ci/deploy-bot")).isEmpty();
    }

    @Test
    void ownExecutionRole_isRefusedWithOrWithoutItsPath() {
        Guardrails guardrails = Guardrails.of(List.of(), List.of(),
                List.of("arn:aws:iam::999999999999:role/service/EntityLockdownExecutionRole"), MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::999999999999:role/EntityLockdownExecutionRole")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::999999999999:role/service/EntityLockdownExecutionRole")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/EntityLockdownExecutionRole")).isEmpty();
    }

    @Test
    void ownFunction_fromTheEnvironment_isRefusedWithEveryVersionAndAlias() {
        String function = "arn:aws:lambda:us-east-1:999999999999:function:entity-lockdown-function";
        LockdownConfig config = LockdownConfig.fromEnvironment(Map.of("AWS_REGION", "us-east-1",
                "LOCKDOWN_FUNCTION_ARN", function + ":live"));

        assertThat(refusal(config.guardrails(), function))
                .hasValueSatisfying(reason -> assertThat(reason).contains("Entity Lockdown's own principals"));
        assertThat(refusal(config.guardrails(), function + ":live")).isPresent();
        assertThat(refusal(config.guardrails(), function + ":42")).isPresent();
        assertThat(refusal(config.guardrails(), function + ":$LATEST")).isPresent();
        assertThat(refusal(config.guardrails(), "arn:aws:lambda:us-east-1:999999999999:function:entity-lockdown-function2"))
                .isEmpty();
        assertThatThrownBy(() -> LockdownConfig.fromEnvironment(Map.of("AWS_REGION", "us-east-1",
                "LOCKDOWN_FUNCTION_ARN", "arn:aws:iam::999999999999:role/x")))
                .hasMessageContaining("LOCKDOWN_FUNCTION_ARN").hasMessageContaining("lockdown function's ARN");
        assertThatThrownBy(() -> LockdownConfig.fromEnvironment(Map.of("AWS_REGION", "us-east-1",
                "LOCKDOWN_FUNCTION_ARN", "entity-lockdown-function")))
                .hasMessageContaining("LOCKDOWN_FUNCTION_ARN");
    }

    @Test
    void allowlist_refusesOtherAccounts_andNamesTheSetting() {
        Guardrails guardrails = Guardrails.of(List.of(), List.of("111111111111", " 333333333333"), List.of(),
                MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:user/alice")).isEmpty();
        assertThat(refusal(guardrails, "arn:aws:ec2:us-east-1:333333333333:instance/i-0123abcd")).isEmpty();
        assertThat(refusal(guardrails, "arn:aws:iam::222222222222:user/alice"))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .contains("account 222222222222", "LOCKDOWN_ALLOWED_ACCOUNTS"));
    }

    @Test
    void emptyAllowlist_allowsEveryAccount() {
        Guardrails guardrails = Guardrails.minimal(MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::999999999999:user/alice")).isEmpty();
    }

    @Test
    void memberRole_isRefusedInEveryAccount_underAnyPathAndCase() {
        Guardrails guardrails = Guardrails.minimal(MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/EntityLockdownMemberRole"))
                .hasValueSatisfying(reason -> assertThat(reason).contains("member role", "disable the lockdown"));
        assertThat(refusal(guardrails, "arn:aws:iam::222222222222:role/ops/EntityLockdownMemberRole")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::222222222222:role/entitylockdownmemberrole")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::222222222222:role/EntityLockdownMemberRole2")).isEmpty();
    }

    @Test
    void ownPrincipals_areRefused() {
        String execution = "arn:aws:iam::999999999999:role/entity-lockdown-execution";
        Guardrails guardrails = Guardrails.of(List.of(), List.of(), List.of(execution), MEMBER_ROLE);

        assertThat(refusal(guardrails, execution))
                .hasValueSatisfying(reason -> assertThat(reason).contains("Entity Lockdown's own principals"));
        assertThat(refusal(guardrails, "arn:aws:iam::999999999999:role/Entity-Lockdown-Execution")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::999999999999:role/other")).isEmpty();
    }

    @Test
    void serviceLinkedRole_isRefusedWithAnExplanation() {
        Guardrails guardrails = Guardrails.minimal(MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/aws-service-role/"
                + "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"))
                .hasValueSatisfying(reason -> assertThat(reason)
                        .contains("service-linked role", "AWS owns it"));
    }

    /** IAM answers UnmodifiableEntity for these; moto would let the change through, AWS never does. */
    @Test
    void identityCenterRoleAndItsSessions_areRefused_withWhatToDoInIdentityCenter() {
        Guardrails guardrails = Guardrails.minimal(MEMBER_ROLE);
        String role = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/"
                + "AWSReservedSSO_AdministratorAccess_0123456789abcdef";
        String session = "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/"
                + "alice@example.com";

        assertThat(refusal(guardrails, role)).hasValueSatisfying(reason -> assertThat(reason)
                .contains("IAM Identity Center role", "UnmodifiableEntity", "permission set"));
        assertThat(refusal(guardrails, session)).hasValueSatisfying(reason -> assertThat(reason)
                .contains("IAM Identity Center role", "aws:userid"));
        assertThat(refusal(guardrails, "arn:aws:iam::111111111111:role/ops/AWSReservedSSOish")).isEmpty();
    }

    @Test
    void invalidAllowedAccount_isRejected_namingTheSetting() {
        assertThatThrownBy(() -> Guardrails.of(List.of(), List.of("12345"), List.of(), MEMBER_ROLE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'12345'")
                .hasMessageContaining("LOCKDOWN_ALLOWED_ACCOUNTS");
    }

    @Test
    void protectedEntryThatIsNotAnArn_isRejected_namingTheSetting() {
        assertThatThrownBy(() -> Guardrails.of(List.of("BreakGlass"), List.of(), List.of(), MEMBER_ROLE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'BreakGlass'")
                .hasMessageContaining("LOCKDOWN_PROTECTED_PRINCIPALS");
    }

    @Test
    void configuration_namesTheVariableThatIsWrong() {
        Map<String, String> base = Map.of("AWS_REGION", "eu-west-1");

        assertThatThrownBy(() -> LockdownConfig.fromEnvironment(with(base, "LOCKDOWN_ALLOWED_ACCOUNTS", "111111111111,abc")))
                .hasMessageContaining("LOCKDOWN_ALLOWED_ACCOUNTS").hasMessageContaining("'abc'");
        assertThatThrownBy(() -> LockdownConfig.fromEnvironment(with(base, "LOCKDOWN_PROTECTED_PRINCIPALS", "role/Admin")))
                .hasMessageContaining("LOCKDOWN_PROTECTED_PRINCIPALS");
        assertThatThrownBy(() -> LockdownConfig.fromEnvironment(with(base, "LOCKDOWN_EXECUTION_ROLE_ARN", "lockdown-role")))
                .hasMessageContaining("LOCKDOWN_EXECUTION_ROLE_ARN");
        assertThatThrownBy(() -> LockdownConfig.fromEnvironment(with(base, "LOCKDOWN_MEMBER_ROLE", "bad role!")))
                .hasMessageContaining("LOCKDOWN_MEMBER_ROLE").hasMessageContaining("'bad role!'");
        assertThatThrownBy(() -> LockdownConfig.fromEnvironment(with(base, "AWS_ENDPOINT_URL", "not a url")))
                .hasMessageContaining("AWS_ENDPOINT_URL");
    }

    @Test
    void configuration_listsAreCommaOrSpaceSeparated() {
        LockdownConfig config = LockdownConfig.fromEnvironment(Map.of(
                "AWS_REGION", "eu-west-1",
                "LOCKDOWN_MEMBER_ROLE", "CustomMemberRole",
                "LOCKDOWN_ALLOWED_ACCOUNTS", "111111111111, 222222222222\n333333333333",
                "LOCKDOWN_PROTECTED_PRINCIPALS", "arn:aws:iam::*:role/BreakGlass,arn:aws:iam::*:user/root-*"));

        Guardrails guardrails = config.guardrails();
        assertThat(refusal(guardrails, "arn:aws:iam::333333333333:user/alice")).isEmpty();
        assertThat(refusal(guardrails, "arn:aws:iam::444444444444:user/alice")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::222222222222:user/root-ops")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::222222222222:role/CustomMemberRole")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:iam::222222222222:role/EntityLockdownMemberRole")).isEmpty();
        assertThat(Guardrails.splitList(" a, b  c ,,d ")).containsExactly("a", "b", "c", "d");
    }

    @Test
    void roleSession_isJudgedOnItsRole_memberRoleOwnRoleProtectedAndServiceLinked() {
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:iam::*:role/BreakGlass*"), List.of(),
                List.of("arn:aws:iam::123456789012:role/EntityLockdownExecutionRole"), MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:sts::111111111111:assumed-role/EntityLockdownMemberRole/lockdown-user-x"))
                .hasValueSatisfying(r -> assertThat(r).startsWith("This is a session of role EntityLockdownMemberRole")
                        .contains("Entity Lockdown member role"));
        assertThat(refusal(guardrails, "arn:aws:sts::123456789012:assumed-role/EntityLockdownExecutionRole/fn"))
                .hasValueSatisfying(r -> assertThat(r).contains("Entity Lockdown's own principals"));
        assertThat(refusal(guardrails, "arn:aws:sts::111111111111:assumed-role/BreakGlassAdmin/alice"))
                .hasValueSatisfying(r -> assertThat(r).contains("is protected", "'arn:aws:iam::*:role/BreakGlass*'"));
        assertThat(refusal(guardrails, "arn:aws:sts::111111111111:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling"))
                .hasValueSatisfying(r -> assertThat(r).contains("service-linked role"));
        assertThat(refusal(guardrails, "arn:aws:sts::111111111111:assumed-role/ci-deployer/build-4711")).isEmpty();
    }

    @Test
    void roleSession_isRefusedByPatternsThatNameSessions_andOutsideTheAllowedAccounts() {
        Guardrails guardrails = Guardrails.of(List.of("arn:aws:sts::*:assumed-role/ci-deployer/release-*"),
                List.of("111111111111"), List.of(), MEMBER_ROLE);

        assertThat(refusal(guardrails, "arn:aws:sts::111111111111:assumed-role/ci-deployer/release-7")).isPresent();
        assertThat(refusal(guardrails, "arn:aws:sts::111111111111:assumed-role/ci-deployer/build-7")).isEmpty();
        assertThat(refusal(guardrails, "arn:aws:sts::222222222222:assumed-role/ci-deployer/build-7"))
                .hasValueSatisfying(r -> assertThat(r).contains("LOCKDOWN_ALLOWED_ACCOUNTS"));
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> env = new java.util.HashMap<>(base);
        env.put(key, value);
        return env;
    }
}
