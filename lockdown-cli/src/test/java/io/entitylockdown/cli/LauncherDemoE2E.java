package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.MotoServer;
import io.entitylockdown.testkit.MotoUnavailableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code ./lockdown demo} exactly as the README tells a newcomer to run it: the launcher script at
 * the repository root, on the jar the build has just packaged (failsafe runs this after package).
 */
class LauncherDemoE2E {

    @Test
    void launcherDemo_exitsZero_onTheFreshJar_andLeavesNoProcessBehind() throws Exception {
        try {
            MotoServer.launcher();
        } catch (MotoUnavailableException e) {
            if (MotoExtension.isCi()) {
                throw new AssertionError("CI=true and moto is unavailable: " + e.getMessage(), e);
            }
            Assumptions.abort("moto unavailable (set CI=true to make this a failure): " + e.getMessage());
        }
        Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
        Path launcher = root.resolve("lockdown");
        assertThat(launcher).isRegularFile();
        assertThat(root.resolve("lockdown-cli/target/lockdown.jar")).as("packaged before this test").isRegularFile();

        Path output = Files.createTempFile("lockdown-demo", ".log");
        Process process = new ProcessBuilder("bash", launcher.toString(), "demo", "--window", "1")
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        boolean finished = process.waitFor(300, TimeUnit.SECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        Files.deleteIfExists(output);

        assertThat(finished).as("the demo finished within 5 minutes:\n" + text).isTrue();
        assertThat(process.exitValue()).as(text).isZero();
        assertThat(text).as("the launcher must not rebuild a fresh jar").doesNotContain("lockdown: building");
        assertThat(text).contains("== 1. An estate in two accounts and two regions",
                "== 5. The lockdown function receives each message",
                "denied: iam:GetUser answers AccessDenied",
                "Every step of the story behaved as it should.");
        Matcher pid = Pattern.compile("moto server pid (\\d+) on").matcher(text);
        assertThat(pid.find()).as("the demo names moto's pid").isTrue();
        long motoPid = Long.parseLong(pid.group(1));
        assertThat(ProcessHandle.of(motoPid).map(ProcessHandle::isAlive).orElse(false)).as("moto left running").isFalse();
        assertThat(process.descendants().filter(ProcessHandle::isAlive).count()).as("processes left behind").isZero();
    }
}
