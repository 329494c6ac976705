package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./lockdown} launcher's start-up: the class-data archive the build made after packaging is
 * complete and maps, commands that build AWS clients use it and help does not, a symlinked launcher finds
 * its checkout, and a damaged archive is never mapped (it would crash the JVM) nor mentioned.
 */
class LauncherClassDataE2E {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    private static final Path TARGET = ROOT.resolve("lockdown-cli/target");
    private static final String INVALID_ARN = "arn:aws:iam::1:user/x";

    @Test
    void build_madeAComplete_mappableArchive_forThisJar() throws Exception {
        Path archive = TARGET.resolve("lockdown.jsa");
        List<String> stamp = Files.readAllLines(TARGET.resolve("lockdown.jsa.stamp"));

        assertThat(stamp).hasSize(3);
        assertThat(stamp.get(1)).isEqualTo(TARGET.resolve("lockdown.jar").toString());
        assertThat(Long.parseLong(stamp.get(2))).as("size recorded").isEqualTo(Files.size(archive)).isPositive();
        Run run = run(List.of(javaOnPath().toString(), "-Xshare:on", "-XX:SharedArchiveFile=" + archive,
                "-XX:TieredStopAtLevel=1", "-jar", TARGET.resolve("lockdown.jar").toString(), "--version"), Map.of());
        assertThat(run.exit()).as("-Xshare:on fails unless the archive maps: %s", run).isZero();
    }

    @Test
    void launcherThroughSymlinks_findsItsCheckout_andMapsTheArchiveOnlyForCommandsThatBuildClients(@TempDir Path dir)
            throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(elsewhere.resolve("lockdown"), ROOT.resolve("lockdown"));
        Path linkToLink = Files.createSymbolicLink(bin.resolve("lockdown"), Path.of("..", "elsewhere", "lockdown"));
        Map<String, String> logMapping = Map.of("LOCKDOWN_JAVA_OPTS", "-Xlog:cds=info:stderr");
        assertThat(Files.readAllLines(TARGET.resolve("lockdown.jsa.stamp")).get(0))
                .as("the build made the archive with the java on PATH (else the launcher makes its own first)")
                .isEqualTo(javaOnPath().toString());
        Run help;
        Run status;
        try {
            help = run(List.of(linkToLink.toString(), "--help"), logMapping, dir);
            status = run(List.of(linkToLink.toString(), "status", INVALID_ARN), logMapping, dir);
        } finally {
            // removed here: JUnit warns when it deletes a link that points out of its temporary directory
            Files.delete(linkToLink);
            Files.delete(link);
        }

        assertThat(help.exit()).as(help.toString()).isZero();
        assertThat(help.out()).contains("Usage: lockdown");
        assertThat(help.err()).as("help maps no dynamic archive").doesNotContain("Mapped dynamic region");
        assertThat(status.exit()).as("an invalid ARN is bad input: %s", status).isEqualTo(2);
        assertThat(status.err()).as("status maps the archive").contains("Mapped dynamic region");
        assertThat(help.err() + status.err()).as("the jar was fresh").doesNotContain("lockdown: building");
    }

    @Test
    void damagedArchive_isNotMapped_andNothingIsSaid(@TempDir Path checkout) throws Exception {
        Path target = Files.createDirectories(checkout.resolve("lockdown-cli/target"));
        Files.copy(ROOT.resolve("lockdown"), checkout.resolve("lockdown"));
        Path jar = Files.copy(TARGET.resolve("lockdown.jar"), target.resolve("lockdown.jar"));
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));
        Path archive = target.resolve("lockdown.jsa");
        long fullSize = Files.size(TARGET.resolve("lockdown.jsa"));
        try (var in = Files.newInputStream(TARGET.resolve("lockdown.jsa"))) {
            Files.write(archive, in.readNBytes(1 << 20));
        }
        // the record of a complete archive for this jar and java: only the size gives the damage away
        Files.writeString(target.resolve("lockdown.jsa.stamp"), javaOnPath() + "\n" + jar.toRealPath() + "\n"
                + fullSize + "\n");

        Run status = run(List.of("bash", checkout.resolve("lockdown").toString(), "status", INVALID_ARN), Map.of(),
                checkout);

        assertThat(status.exit()).as("mapping a cut archive crashes the JVM (134): %s", status).isEqualTo(2);
        assertThat(status.out() + status.err()).doesNotContainIgnoringCase("cds").doesNotContain("fatal error");
        assertThat(Files.size(archive)).as("left alone: the record says it was made for this jar").isEqualTo(1 << 20);
    }

    private record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static Run run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        return run(command, env, ROOT);
    }

    private static Run run(List<String> command, Map<String, String> env, Path directory)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).directory(directory.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("still running after 120 s: " + command);
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The java the launcher runs: the first on PATH, all links resolved (as the launcher resolves it). */
    private static Path javaOnPath() throws IOException {
        for (String entry : System.getenv("PATH").split(File.pathSeparator)) {
            Path candidate = Path.of(entry, "java");
            if (Files.isExecutable(candidate)) {
                return candidate.toRealPath();
            }
        }
        throw new AssertionError("no java on PATH");
    }
}
