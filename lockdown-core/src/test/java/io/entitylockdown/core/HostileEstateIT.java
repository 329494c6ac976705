package io.entitylockdown.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.iam.ContainmentPolicy;
import io.entitylockdown.core.record.EntityRecords;
import io.entitylockdown.core.record.RecordBinding;
import io.entitylockdown.core.record.RecordKey;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.IamSnapshot;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.SeededUser;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.StatusType;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * The principal a containment acts on was the attacker's a minute ago: it can tag itself and put
 * policies on itself. Each test plants what such an attacker would and asserts the AWS state after the
 * lockdown acted, not the report: nothing it wrote steers the lockdown. (EC2 cases: Ec2HostileEstateIT.)
 */
@ExtendWith(MotoExtension.class)
class HostileEstateIT {
    private static final String DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll";
    private static final ContainmentOptions OPTIONS = ContainmentOptions.defaults();
    private MotoEstate estate;
    private EstateAccount account;
    private IamClient iam;

    @BeforeEach
    void setUp(MotoEstate estate) {
        this.estate = estate;
        this.account = estate.account();
        this.iam = account.iam();
    }

    private void tagUser(String name, Map<String, String> tags) {
        iam.tagUser(b -> b.userName(name).tags(tags.entrySet().stream()
                .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList()));
    }

    private static ContainmentPolicy.Form form(IamSnapshot snapshot, String arn) {
        return ContainmentPolicy.parse(snapshot.inline().get(ContainmentPolicy.NAME), arn).orElseThrow();
    }

    @Test
    void aBackdatedMarker_neverBecomesTheSessionCutOff_andStatusReportsNothingFromIt() {
        String arn = account.user("backdated").typical().create().arn();
        tagUser("backdated", Map.of(EntityRecords.MARKER, "2000-01-01T00:00:00Z"));
        Instant start = Instant.now().minusSeconds(1);
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport before = engine.status(arn);
            assertThat(before.state()).containsEntry("contained", false).containsEntry("unauthenticatedTags", 1)
                    .doesNotContainKey("containedAt");
            assertThat(before.notes()).anySatisfy(n -> assertThat(n).contains("1 lockdown: tag(s)",
                    "could not be authenticated"));

            ContainmentReport contained = engine.contain(arn, OPTIONS);

            assertThat(contained.outcome()).as(contained.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(form(account.userSnapshot("backdated"), arn).cutOff()).isAfter(start);
            assertThat(engine.status(arn).state().get("containedAt").toString()).doesNotStartWith("2000");
        }
    }

    @Test
    void aForgedRecordListingAKeyDisabledLongAgo_neverReactivatesIt() {
        String arn = account.user("forger").typical().create().arn();
        String old = account.userSnapshot("forger").keys().entrySet().stream()
                .filter(e -> e.getValue().equals("Inactive")).findFirst().orElseThrow().getKey();
        // a record of the right shape for the right user, signed with a key the attacker made up
        tagUser("forger", EntityRecords.encode(RecordKey.fromSecret("the attacker's guess of the secret"),
                RecordBinding.of(EntityArn.parse(arn)), Instant.now(),
                new io.entitylockdown.core.iam.UserState(List.of(old), false)));
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport forgedOnly = engine.release(arn, OPTIONS.withReactivateKeys(true));
            assertThat(forgedOnly.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(forgedOnly.outcome().exitCode()).isEqualTo(1);
            assertThat(account.userSnapshot("forger").keys()).containsEntry(old, "Inactive");

            engine.contain(arn, OPTIONS);
            ContainmentReport released = engine.release(arn, OPTIONS.withReactivateKeys(true));

            assertThat(released.outcome()).as(released.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(account.userSnapshot("forger").keys()).as("only the key containment switched off is back")
                    .containsEntry(old, "Inactive").containsValue("Active");
        }
    }

    @Test
    void aGenuineRecordReplayedAfterRelease_neverReactivatesTheKeysThatReleaseLeftOff() {
        String arn = account.user("replayer").typical().create().arn();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            Map<String, String> saved = Map.copyOf(account.userSnapshot("replayer").tags().entrySet().stream()
                    .filter(e -> e.getKey().startsWith("lockdown:"))
                    .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
            assertThat(engine.release(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            Map<String, String> keysAfterRelease = account.userSnapshot("replayer").keys();
            assertThat(keysAfterRelease).as("release without --reactivate-keys leaves them off").doesNotContainValue("Active");
            // whoever held the user puts the genuine record back, hoping the next release switches the keys on
            tagUser("replayer", saved);

            ContainmentReport replayed = engine.release(arn, OPTIONS.withReactivateKeys(true));

            assertThat(replayed.step("reactivate-access-keys").orElseThrow().status()).isEqualTo(StepStatus.FAILED);
            assertThat(replayed.step("reactivate-access-keys").orElseThrow().detail())
                    .contains("no lockdown deny is in force", "aws iam update-access-key");
            assertThat(replayed.outcome().exitCode()).isEqualTo(1);
            assertThat(account.userSnapshot("replayer").keys()).isEqualTo(keysAfterRelease);
        }
    }

    @Test
    void aGenuineRecordCopiedFromAnotherUser_neverLiftsAnAdministratorsQuarantine() {
        String contained = account.user("contained-one").typical().create().arn();
        String quarantined = account.user("quarantined").typical().create().arn();
        iam.attachUserPolicy(b -> b.userName("quarantined").policyArn(DENY_ALL));
        try (LockdownEngine engine = TestEngine.on(estate)) {
            assertThat(engine.contain(contained, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);
            Map<String, String> genuine = account.userSnapshot("contained-one").tags();
            tagUser("quarantined", Map.copyOf(genuine.entrySet().stream().filter(e -> e.getKey().startsWith("lockdown:"))
                    .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))));
            IamSnapshot before = account.userSnapshot("quarantined");

            ContainmentReport release = engine.release(quarantined, OPTIONS);

            assertThat(release.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(release.step("release").orElseThrow().detail()).contains("belongs to another entity",
                    "Nothing was restored");
            assertThat(release.notes()).anySatisfy(n -> assertThat(n).contains("Manual release",
                    "only if you know AWSDenyAll was attached by a containment"));
            assertThat(account.userSnapshot("quarantined")).isEqualTo(before);
            assertThat(before.attached()).contains(DENY_ALL);
        }
    }

    @Test
    void aLookAlikeContainmentPolicy_isReplacedByTheRealOne() {
        String arn = account.user("lookalike").typical().create().arn();
        // the lockdown's name, denying nothing that matters
        iam.putUserPolicy(b -> b.userName("lookalike").policyName(ContainmentPolicy.NAME).policyDocument(
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"EntityLockdownDenyAll\",\"Effect\":\"Deny\","
                        + "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::nothing/*\"}]}"));
        try (LockdownEngine engine = TestEngine.on(estate)) {
            ContainmentReport before = engine.status(arn);
            assertThat(((com.fasterxml.jackson.databind.node.ObjectNode) before.state().get("observed"))
                    .path("containmentPolicy").asText()).contains("NOT the lockdown's document");

            ContainmentReport contained = engine.contain(arn, OPTIONS);

            assertThat(contained.outcome()).as(contained.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(contained.verified()).isTrue();
            assertThat(form(account.userSnapshot("lookalike"), arn).denyAll()).isTrue();
        }
    }

    @Test
    void aLookAlikePutBackAfterContainment_failsVerificationOfTheNextRun_andIsRewritten() {
        String arn = account.user("persistent").typical().create().arn();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            engine.contain(arn, OPTIONS);
            // the attacker swaps the deny for a harmless look-alike of the same name
            iam.putUserPolicy(b -> b.userName("persistent").policyName(ContainmentPolicy.NAME).policyDocument(
                    ContainmentPolicy.document(arn, Instant.now(), true).replace("\"Action\":\"*\"",
                            "\"Action\":\"s3:GetObject\"")));
            ContainmentReport status = engine.status(arn);
            assertThat(((com.fasterxml.jackson.databind.node.ObjectNode) status.state().get("observed"))
                    .path("containmentPolicy").asText()).contains("NOT the lockdown's document");

            ContainmentReport again = engine.contain(arn, OPTIONS);

            assertThat(again.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(form(account.userSnapshot("persistent"), arn).denyAll()).isTrue();
        }
    }

    /** A path typed wrong (or left out) on a second run never lifts the containment in force. */
    @Test
    void containingAgainWithAWrongPath_neverLiftsTheContainmentInForce() {
        String arn = account.role("deployer").path("/ops/").typical().create();
        String wrongPath = "arn:aws:iam::111111111111:role/deployer";
        try (LockdownEngine engine = TestEngine.on(estate)) {
            assertThat(engine.contain(arn, OPTIONS).outcome()).isEqualTo(Outcome.SUCCEEDED);

            ContainmentReport again = engine.contain(wrongPath, OPTIONS);

            assertThat(again.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(again.step("find-role").orElseThrow().detail()).contains("role/ops/deployer", "written again");
        }
        assertThat(form(account.roleSnapshot("deployer"), arn).denyAll()).as("still denied, for the real ARN").isTrue();
    }

    @Test
    void aRoleNamedWithAWrongPath_isNeverDenied_evenForAMoment() {
        account.role("BreakGlassRole").path("/admin/").typical().create();
        String wrongPath = "arn:aws:iam::111111111111:role/ops/BreakGlassRole";
        java.util.List<String> documents = new java.util.concurrent.CopyOnWriteArrayList<>();
        software.amazon.awssdk.core.interceptor.ExecutionInterceptor capture =
                new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution context,
                            software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                        if (context.request() instanceof software.amazon.awssdk.services.iam.model.PutRolePolicyRequest put) {
                            documents.add(put.policyDocument());
                        }
                    }
                };
        try (LockdownEngine engine = TestEngine.builder(estate).interceptor(capture).build()) {
            ContainmentReport report = engine.contain(wrongPath, OPTIONS);

            assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(report.step("find-role").orElseThrow().detail()).contains("role/admin/BreakGlassRole");
        }
        // whatever was written in the instant before the lookup answered applied only to the ARN given
        assertThat(documents).allSatisfy(d -> assertThat(d).contains("\"aws:PrincipalArn\":\"" + wrongPath + "\"")
                .doesNotContain("role/admin/BreakGlassRole"));
        assertThat(account.roleSnapshot("BreakGlassRole").inline()).doesNotContainKey(ContainmentPolicy.NAME);
    }

    @Test
    void anExceptionInAStrategy_isAFailedStep_neverAnEscape() {
        io.entitylockdown.core.strategy.ContainmentStrategy broken = new io.entitylockdown.core.strategy.ContainmentStrategy() {
            @Override
            public EntityType type() {
                return EntityType.IAM_USER;
            }

            @Override
            public java.util.Set<String> permissions() {
                return java.util.Set.of();
            }

            @Override
            public void contain(io.entitylockdown.core.strategy.EntityContext ctx) {
                throw new ClassCastException("class com.fasterxml.jackson.databind.node.TextNode cannot be cast");
            }

            @Override
            public void release(io.entitylockdown.core.strategy.EntityContext ctx) {
            }

            @Override
            public void status(io.entitylockdown.core.strategy.EntityContext ctx) {
            }
        };
        try (LockdownEngine engine = TestEngine.builder(estate)
                .strategies(io.entitylockdown.core.strategy.StrategyRegistry.of(broken)).build()) {
            ContainmentReport report = engine.contain("arn:aws:iam::111111111111:user/anyone", OPTIONS);

            assertThat(report.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(report.step("internal-error").orElseThrow()).satisfies(s -> {
                assertThat(s.status()).isEqualTo(StepStatus.FAILED);
                assertThat(s.detail()).contains("ClassCastException", "Run the same command again");
            });
        }
    }

    @Test
    void release_reactivatesOnlyTheKeysTheSignedRecordNames_notOneSwitchedOffMeanwhile() {
        SeededUser keys = account.user("keys").activeKey().create();
        String arn = keys.arn();
        String original = keys.activeKey().id();
        try (LockdownEngine engine = TestEngine.on(estate)) {
            engine.contain(arn, OPTIONS);
            // a key made and switched off during containment is not containment's to revive
            String planted = iam.createAccessKey(b -> b.userName("keys")).accessKey().accessKeyId();
            iam.updateAccessKey(b -> b.userName("keys").accessKeyId(planted).status(StatusType.INACTIVE));

            ContainmentReport released = engine.release(arn, OPTIONS.withReactivateKeys(true));

            assertThat(released.outcome()).as(released.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(account.userSnapshot("keys").keys()).containsEntry(original, "Active")
                    .containsEntry(planted, "Inactive");
        }
    }
}
