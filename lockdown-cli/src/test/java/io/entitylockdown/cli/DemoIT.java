package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import io.entitylockdown.testkit.MotoUnavailableException;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The demo as CI runs it: the whole story, exit 0, and no process left behind. */
class DemoIT {

    @Test
    void demo_tellsEveryStepOfTheStoryAndStopsMoto() {
        requireMoto();

        Cli.Result result = new Cli(new CliEnvironment(Map.of(), null)).run("demo", "--window", "2");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        // the story is on stdout; the commands it runs report their progress on stderr
        assertThat(result.out() + result.err()).contains(
                "== 1. An estate in two accounts and two regions",
                "seeded IAM user mallory in 111111111111 with an access key",
                "seeded EC2 instance", "launched with --security-group-ids", "with a second network interface attached",
                "== 2. The attacker uses mallory's stolen access key", "it works: iam:GetUser answers",
                "== 3. Before", "access keys: AKIA", " Active",
                "== 4. A responder publishes the lockdown message", "published  ",
                "== 5. The lockdown function receives each message", "The SNS event Lambda delivers",
                "\"MessageAttributes\"", "(the deployment's ExternalId, not shown)",
                "-> Containment of IAM user mallory in 111111111111 succeeded, verified.",
                "Phase-2 message", "arrived; the function handles it",
                "structured log lines, one JSON object per step",
                "== 6. Findings in: a GuardDuty finding and a Security Hub custom action",
                "\"userType\" : \"AssumedRole\"",
                "-> Containment of IAM role session etl-runner/nightly-2207 in 111111111111 succeeded, verified.",
                "-> Containment of IAM user ci/build-bot in 111111111111 succeeded, verified.",
                "The request it sent (securityhub:BatchUpdateFindings):", "PATCH /findings/batchupdate",
                "\"Status\" : \"NOTIFIED\"", "\"Id\" : \"leak-scanner/finding/4711\"",
                "moto has no BatchUpdateFindings",
                "What people were told (the audit topic)", "Containment SUCCEEDED: IAM user mallory",
                "Containment SUCCEEDED: IAM role session etl-runner/nightly-2207",
                "Security Hub finding NOT updated: leak-scanner/finding/4711",
                "Containment of EC2 instance", "Isolation (phase 2) of EC2 instance",
                "The attacker tries the stolen key again", "denied: iam:GetUser answers AccessDenied",
                "After: what each entity looks like now", "EntityLockdownContainment", "reserved concurrency: 0",
                "-> entity-lockdown-isolation", "termination protection: true",
                "policies: etl, EntityLockdownSession-nightly-2207", "denied sessions: aws:userid AROA",
                ":nightly-2207",
                "What the lockdown recorded", "contained: true",
                "The incident is over: release", "Release of IAM user mallory in 111111111111 succeeded",
                "Release of IAM role session etl-runner/nightly-2207 in 111111111111 succeeded",
                "Release of IAM user ci/build-bot in 111111111111 succeeded",
                "Every step of the story behaved as it should.");
        assertThat(result.out()).doesNotContain("!! ");
        assertThat(result.err()).contains("Published arn:aws:iam::111111111111:user/mallory");
        Matcher pid = Pattern.compile("moto server pid (\\d+) on").matcher(result.out());
        assertThat(pid.find()).as("the demo names moto's pid").isTrue();
        long motoPid = Long.parseLong(pid.group(1));
        assertThat(ProcessHandle.of(motoPid).map(ProcessHandle::isAlive).orElse(false)).as("moto still running").isFalse();
        assertThat(result.out()).contains("moto server stopped (pid " + motoPid + " gone)");
    }

    @Test
    void demo_withoutMoto_saysHowToInstallItAndExits2() throws Exception {
        // a JVM whose PATH has neither python3 nor moto_server, as on a machine without moto
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "demo")
                .redirectErrorStream(true);
        builder.environment().put("PATH", System.getProperty("java.io.tmpdir") + File.separator + "no-such-dir");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Assertions.assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the demo did not exit");

        assertThat(process.exitValue()).as(output).isEqualTo(2);
        assertThat(output).contains("python3 -m pip install 'moto[server]==5.2.1'", "then run 'lockdown demo' again");
        assertThat(output).doesNotContain("\tat ");
    }

    private static void requireMoto() {
        try {
            List<String> launcher = MotoServer.launcher();
            assertThat(launcher).isNotEmpty();
        } catch (MotoUnavailableException e) {
            if (MotoExtension.isCi()) {
                throw new AssertionError("CI=true and moto is unavailable: " + e.getMessage(), e);
            }
            Assumptions.abort("moto unavailable (set CI=true to make this a failure): " + e.getMessage());
        }
    }
}
