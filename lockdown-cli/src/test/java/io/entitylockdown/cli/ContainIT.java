package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
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
    void contain_batchOf50WithOneBadLine_containsTheRestReportsTheLineAndExits1(MotoServer moto, @TempDir Path dir)
            throws Exception {
        List<String> lines = new ArrayList<>(List.of("# incident 42: every key of the build fleet", ""));
        try (Estate estate = new Estate(moto)) {
            IntStream.range(0, 50).forEach(i -> lines.add(estate.user("build-" + i)));
        }
        lines.add(23, "arn:aws:iam::111111111111:group/builders");
        Path file = Files.write(dir.resolve("incident-42.txt"), lines);

        Cli.Result result = Cli.against(moto, EXTERNAL_ID)
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
        try (Estate estate = new Estate(moto)) {
            for (int i = 0; i < 50; i++) {
                assertThat(estate.denyInForce("build-" + i)).isTrue();
                assertThat(estate.keyStatuses("build-" + i)).containsOnly("Inactive");
            }
        }
    }

    @Test
    void contain_oneUser_printsATableTheReleaseCommandAndExits0(MotoServer moto) {
        String user;
        try (Estate estate = new Estate(moto)) {
            user = estate.user("mallory");
        }

        Cli.Result result = Cli.against(moto, EXTERNAL_ID).run("contain", user);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("ENTITY", "OUTCOME", "VERIFIED", "IAM user mallory in 111111111111",
                "succeeded", "yes", "To undo: lockdown release " + user);
        assertThat(result.err()).contains("acting as member role EntityLockdownMemberRole (with ExternalId)",
                "deny-all done", "[1/1]");
        assertThat(result.out() + result.err()).doesNotContain("cli-test-external-id");
    }

    @Test
    void contain_dryRun_changesNothingAndMakesOnlyReadCalls(MotoServer moto) {
        String user;
        String instance;
        try (Estate estate = new Estate(moto)) {
            user = estate.user("mallory");
            instance = estate.instance("us-west-2");
        }
        Map<String, Object> before = snapshot(moto, instance);
        CallRecorder calls = new CallRecorder();

        Cli.Result dryRun = Cli.against(moto, EXTERNAL_ID, calls).run("contain", "--dry-run", user, instance);
        Cli.Result plan = Cli.against(moto, EXTERNAL_ID, calls).run("plan", "--output", "json", user, instance);

        assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(dryRun.out()).contains("contain*", "* dry run: nothing was changed", "Would change (dry run):");
        assertThat(snapshot(moto, instance)).isEqualTo(before);
        assertThat(calls.actions()).isNotEmpty().allSatisfy(action -> assertThat(action)
                .matches("[a-z0-9-]+:(Get|List|Describe|AssumeRole)[A-Za-z]*"));
    }

    @Test
    void contain_ec2WithAWindow_waitsOnceWithACountdownThenIsolates(MotoServer moto) throws Exception {
        String instance;
        try (Estate estate = new Estate(moto)) {
            instance = estate.instance("us-east-1");
        }

        long start = System.nanoTime();
        Cli.Result result = Cli.against(moto, EXTERNAL_ID)
                .run("contain", "--window", "2", "--no-snapshot", "--output", "json", instance);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(result.err()).contains("Phase 2 for 1 instance(s)", "lockdown contain --window 0 " + instance);
        JsonNode reports = Json.mapper().readTree(result.out());
        assertThat(reports).extracting(r -> r.get("operation").asText()).containsExactly("contain", "isolate");
        try (Estate estate = new Estate(moto)) {
            assertThat(estate.interfaceGroups("us-east-1", instance)).hasSize(2).containsOnly("entity-lockdown-isolation");
        }
    }

    @Test
    void exitCodes_followTheDocumentedPrecedence(MotoServer moto) {
        String user;
        try (Estate estate = new Estate(moto)) {
            user = estate.user("mallory");
        }
        Cli cli = Cli.against(moto, EXTERNAL_ID);
        String missing = "arn:aws:iam::111111111111:user/nobody";
        String memberRole = "arn:aws:iam::111111111111:role/EntityLockdownMemberRole";

        assertThat(cli.run("contain", user).exitCode()).isZero();
        assertThat(cli.run("contain", missing).exitCode()).isEqualTo(1);
        assertThat(cli.run("contain", "not-an-arn").exitCode()).isEqualTo(2);
        Cli.Result refused = cli.run("contain", memberRole);
        assertThat(refused.exitCode()).isEqualTo(3);
        assertThat(refused.out()).contains("refused", "member role");
        assertThat(refused.err()).contains("Exit 3: a guardrail refused");
        assertThat(cli.run("contain", missing, memberRole, "not-an-arn").exitCode()).isEqualTo(3);
        assertThat(cli.run("contain", user, "not-an-arn").exitCode()).isEqualTo(1);
    }

    @Test
    void statusAndRelease_showTheRecordedStateThenUndoIt(MotoServer moto) throws Exception {
        String user;
        try (Estate estate = new Estate(moto)) {
            user = estate.user("mallory");
        }
        Cli cli = Cli.against(moto, EXTERNAL_ID);
        assertThat(cli.run("contain", user).exitCode()).isZero();

        Cli.Result status = cli.run("status", "--output", "json", user);
        Cli.Result statusText = cli.run("status", user);
        Cli.Result release = cli.run("release", user);
        Cli.Result statusAfter = cli.run("status", "--output", "json", user);

        assertThat(status.exitCode()).as(status.toString()).isZero();
        JsonNode report = Json.mapper().readTree(status.out()).get(0);
        assertThat(report.get("operation").asText()).isEqualTo("status");
        assertThat(report.at("/state/contained").asBoolean()).isTrue();
        assertThat(statusText.out()).contains("State:", "contained: true", "containedAt:");
        assertThat(release.exitCode()).as(release.toString()).isZero();
        assertThat(release.out()).contains("release", "succeeded");
        assertThat(Json.mapper().readTree(statusAfter.out()).get(0).at("/state/contained").asBoolean()).isFalse();
        try (Estate estate = new Estate(moto)) {
            assertThat(estate.denyInForce("mallory")).isFalse();
            assertThat(estate.keyStatuses("mallory")).containsOnly("Inactive");
        }
        assertThat(cli.run("release", "--reactivate-keys", user).exitCode()).isZero();
    }

    @Test
    void contain_noAssumeRole_actsWithTheCallersOwnCredentials(MotoServer moto) throws Exception {
        String user;
        try (Estate estate = new Estate(moto)) {
            user = estate.in("123456789012", "us-east-1").iam().createUser(b -> b.userName("intern")).user().arn();
        }

        Cli.Result result = Cli.against(moto).run("contain", "--no-assume-role", "--output", "json", user);

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).contains("acting as your own credentials");
        JsonNode steps = Json.mapper().readTree(result.out()).get(0).get("steps");
        assertThat(steps).extracting(s -> s.get("step").asText()).doesNotContain("assume-member-role");
    }

    /** Everything a containment could change on the instance and the users, read directly. */
    private static Map<String, Object> snapshot(MotoServer moto, String instance) {
        Map<String, Object> state = new HashMap<>();
        try (Estate estate = new Estate(moto)) {
            state.put("attached", estate.attachedUserPolicies("mallory"));
            state.put("inline", estate.iam().listUserPolicies(b -> b.userName("mallory")).policyNames());
            state.put("keys", estate.keyStatuses("mallory"));
            state.put("userTags", estate.iam().listUserTags(b -> b.userName("mallory")).tags().toString());
            state.put("groups", estate.interfaceGroups("us-west-2", instance));
            var ec2 = estate.in(Estate.ACCOUNT, "us-west-2").ec2();
            state.put("instance", ec2.describeInstances(b -> b.instanceIds(instance.substring(instance.lastIndexOf('/') + 1)))
                    .reservations().get(0).instances().get(0).toString());
            state.put("securityGroups", ec2.describeSecurityGroups().securityGroups().size());
            state.put("snapshots", ec2.describeSnapshots(b -> b.ownerIds("self")).snapshots().size());
        }
        return state;
    }

}
