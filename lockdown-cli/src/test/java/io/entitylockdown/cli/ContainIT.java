package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.testkit.EstateAccount;
import io.entitylockdown.testkit.IamSnapshot;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(MotoExtension.class)
class ContainIT {
    private static final Map<String, String> EXTERNAL_ID = Map.of("LOCKDOWN_EXTERNAL_ID", "cli-test-external-id");

    @Test
    void contain_batchOf50WithOneBadLine_containsTheRestReportsTheLineAndExits1(MotoEstate estate, @TempDir Path dir)
            throws Exception {
        List<String> lines = new ArrayList<>(List.of("# incident 42: every key of the build fleet", ""));
        IntStream.range(0, 50).forEach(i -> lines.add(estate.account().user("build-" + i).activeKey().create().arn()));
        lines.add(23, "arn:aws:iam::111111111111:group/builders");
        Path file = Files.write(dir.resolve("incident-42.txt"), lines);

        Cli.Result result = Cli.against(estate, EXTERNAL_ID)
                .run("contain", "--file", file.toString(), "--parallel", "8", "--output", "json");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("Rejected incident-42.txt line 24: ", "[50/50]");
        JsonNode reports = Json.mapper().readTree(result.out());
        assertThat(reports).hasSize(51);
        List<JsonNode> invalid = new ArrayList<>();
        reports.forEach(r -> {
            if (r.get("outcome").asText().equals("invalid")) {
                invalid.add(r);
            } else {
                assertThat(r.get("outcome").asText()).as(r.toString()).isEqualTo("succeeded");
                assertThat(r.get("verified").asBoolean()).isTrue();
            }
        });
        assertThat(invalid).singleElement().satisfies(r -> assertThat(r.get("entity").asText())
                .isEqualTo("arn:aws:iam::111111111111:group/builders"));
        for (int i = 0; i < 50; i++) {
            assertThat(Denial.userDenied(estate.account().iam(), "build-" + i)).isTrue();
            assertThat(estate.account().userSnapshot("build-" + i).keys().values()).containsOnly("Inactive");
        }
    }

    /** IAM paths may hold any printable character: a pasted release command must not run a second one. */
    @Test
    void contain_aUserWhosePathHoldsShellSyntax_printsTheReleaseCommandQuoted(MotoEstate estate) {
        String user = estate.account().user("eve").path("/ops;touch${IFS}x/").activeKey().create().arn();

        Cli.Result result = Cli.against(estate, EXTERNAL_ID).run("contain", user);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("To undo: lockdown release '" + user + "'");
    }

    @Test
    void contain_oneUser_printsATableTheReleaseCommandAndExits0(MotoEstate estate) {
        String user = estate.account().user("mallory").activeKey().create().arn();

        Cli.Result result = Cli.against(estate, EXTERNAL_ID).run("contain", user);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("ENTITY", "OUTCOME", "VERIFIED", "IAM user mallory in 111111111111",
                "succeeded", "yes", "To undo: lockdown release " + user);
        assertThat(result.err()).contains("acting as member role EntityLockdownMemberRole (with ExternalId)",
                "deny-all done", "[1/1]");
        assertThat(result.out() + result.err()).doesNotContain("cli-test-external-id");
    }

    @Test
    void contain_dryRun_changesNothingAndMakesOnlyReadCalls(MotoEstate estate) {
        String user = estate.account().user("mallory").activeKey().create().arn();
        String instance = twoInterfaceInstance(estate, "us-west-2");
        Map<String, Object> before = snapshot(estate, instance);
        CallRecorder calls = new CallRecorder();

        Cli.Result dryRun = Cli.against(estate, EXTERNAL_ID, calls).run("contain", "--dry-run", user, instance);
        Cli.Result plan = Cli.against(estate, EXTERNAL_ID, calls).run("plan", "--output", "json", user, instance);

        assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(dryRun.out()).contains("contain*", "* dry run: nothing was changed", "Would change (dry run):");
        assertThat(snapshot(estate, instance)).isEqualTo(before);
        assertThat(calls.actions()).isNotEmpty().allSatisfy(action -> assertThat(action)
                .matches("[a-z0-9-]+:(Get|List|Describe|AssumeRole)[A-Za-z]*"));
    }

    @Test
    void contain_ec2WithAWindow_waitsOnceWithACountdownThenIsolates(MotoEstate estate) throws Exception {
        String instance = twoInterfaceInstance(estate, "us-east-1");

        long start = System.nanoTime();
        Cli.Result result = Cli.against(estate, EXTERNAL_ID)
                .run("contain", "--window", "2", "--no-snapshot", "--output", "json", instance);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(result.err()).contains("Phase 2 for 1 instance(s)", "lockdown contain --window 0 " + instance);
        JsonNode reports = Json.mapper().readTree(result.out());
        assertThat(reports).extracting(r -> r.get("operation").asText()).containsExactly("contain", "isolate");
        assertThat(estate.account().network("us-east-1").groupNames(idOf(instance))).hasSize(2)
                .containsOnly("entity-lockdown-isolation");
    }

    private static final String MISSING = "arn:aws:iam::111111111111:user/nobody";
    private static final String MEMBER_ROLE = "arn:aws:iam::111111111111:role/EntityLockdownMemberRole";

    @Test
    void exit0_whenEveryEntityIsContained(MotoEstate estate) {
        String user = estate.account().user("mallory").activeKey().create().arn();

        assertThat(Cli.against(estate, EXTERNAL_ID).run("contain", user).exitCode()).isZero();
    }

    @Test
    void exit1_whenAnEntityFailed(MotoEstate estate) {
        assertThat(Cli.against(estate, EXTERNAL_ID).run("contain", MISSING).exitCode()).isEqualTo(1);
    }

    @Test
    void exit2_onBadInput(MotoEstate estate) {
        assertThat(Cli.against(estate, EXTERNAL_ID).run("contain", "not-an-arn").exitCode()).isEqualTo(2);
    }

    @Test
    void exit3_whenAGuardrailRefuses_andSaysSo(MotoEstate estate) {
        Cli.Result refused = Cli.against(estate, EXTERNAL_ID).run("contain", MEMBER_ROLE);

        assertThat(refused.exitCode()).isEqualTo(3);
        assertThat(refused.out()).contains("refused", "member role");
        assertThat(refused.err()).contains("Exit 3: a guardrail refused");
    }

    @Test
    void exitCodes_ofAMixedRun_followTheDocumentedPrecedence(MotoEstate estate) {
        String user = estate.account().user("mallory").activeKey().create().arn();
        Cli cli = Cli.against(estate, EXTERNAL_ID);

        assertThat(cli.run("contain", MISSING, MEMBER_ROLE, "not-an-arn").exitCode()).as("refused beats failed and bad")
                .isEqualTo(3);
        assertThat(cli.run("contain", user, "not-an-arn").exitCode()).as("one bad argument among good ones").isEqualTo(1);
    }

    @Test
    void status_ofAContainedUser_showsTheRecordedState_asJsonAndAsText(MotoEstate estate) throws Exception {
        String user = estate.account().user("mallory").activeKey().create().arn();
        Cli cli = Cli.against(estate, EXTERNAL_ID);
        assertThat(cli.run("contain", user).exitCode()).isZero();

        Cli.Result status = cli.run("status", "--output", "json", user);
        Cli.Result statusText = cli.run("status", user);

        assertThat(status.exitCode()).as(status.toString()).isZero();
        JsonNode report = Json.mapper().readTree(status.out()).get(0);
        assertThat(report.get("operation").asText()).isEqualTo("status");
        assertThat(report.at("/state/contained").asBoolean()).isTrue();
        assertThat(statusText.out()).contains("State:", "contained: true", "containedAt:");
    }

    @Test
    void release_undoesTheContainment_butLeavesTheKeysOff(MotoEstate estate) throws Exception {
        String user = estate.account().user("mallory").activeKey().create().arn();
        Cli cli = Cli.against(estate, EXTERNAL_ID);
        assertThat(cli.run("contain", user).exitCode()).isZero();

        Cli.Result release = cli.run("release", user);
        Cli.Result statusAfter = cli.run("status", "--output", "json", user);

        assertThat(release.exitCode()).as(release.toString()).isZero();
        assertThat(release.out()).contains("release", "succeeded");
        assertThat(Json.mapper().readTree(statusAfter.out()).get(0).at("/state/contained").asBoolean()).isFalse();
        assertThat(Denial.userDenied(estate.account().iam(), "mallory")).isFalse();
        assertThat(estate.account().userSnapshot("mallory").keys().values()).containsOnly("Inactive");
    }

    @Test
    void releaseAgain_withReactivateKeys_afterARelease_exits0(MotoEstate estate) {
        String user = estate.account().user("mallory").activeKey().create().arn();
        Cli cli = Cli.against(estate, EXTERNAL_ID);
        assertThat(cli.run("contain", user).exitCode()).isZero();
        assertThat(cli.run("release", user).exitCode()).isZero();

        assertThat(cli.run("release", "--reactivate-keys", user).exitCode()).isZero();
    }

    @Test
    void contain_noAssumeRole_actsWithTheCallersOwnCredentials(MotoEstate estate) throws Exception {
        String user = estate.security().user("intern").create().arn();

        Cli.Result result = Cli.against(estate).run("contain", "--no-assume-role", "--output", "json", user);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).contains("acting as your own credentials");
        JsonNode steps = Json.mapper().readTree(result.out()).get(0).get("steps");
        assertThat(steps).extracting(s -> s.get("step").asText()).doesNotContain("assume-member-role");
    }

    /** An instance with two network interfaces, in the estate's network of that region; returns its ARN. */
    private static String twoInterfaceInstance(MotoEstate estate, String region) {
        Network network = estate.account().network(region);
        return network.arn(network.instance().interfaces(2).launch());
    }

    private static String idOf(String instanceArn) {
        return instanceArn.substring(instanceArn.lastIndexOf('/') + 1);
    }

    /** Everything a containment could change on the instance and the users, read directly. */
    private static Map<String, Object> snapshot(MotoEstate estate, String instance) {
        EstateAccount account = estate.account();
        IamSnapshot mallory = account.userSnapshot("mallory");
        Network west = account.network("us-west-2");
        Map<String, Object> state = new HashMap<>();
        state.put("attached", mallory.attached());
        state.put("inline", mallory.inline());
        state.put("keys", mallory.keys());
        state.put("userTags", mallory.tags());
        state.put("groups", west.groupNames(idOf(instance)));
        state.put("instance", west.describe(idOf(instance)).toString());
        state.put("securityGroups", west.ec2().describeSecurityGroups().securityGroups().size());
        state.put("snapshots", west.ec2().describeSnapshots(b -> b.ownerIds("self")).snapshots().size());
        return state;
    }
}
