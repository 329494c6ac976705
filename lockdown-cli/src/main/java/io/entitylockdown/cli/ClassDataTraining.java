package io.entitylockdown.cli;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.Json;
import io.entitylockdown.lambda.SnapStartPriming;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * Makes the class-data archive the {@code ./lockdown} launcher starts the JVM with (AppCDS, a dynamic archive
 * on Java 17): a training JVM loads the classes commands need, dumps them at exit, and later commands map
 * them instead of finding, reading and verifying each again. Not a command: the build runs it after
 * packaging the jar, and the launcher runs it in the background when the archive is missing or stale.
 *
 * <p>{@code java -cp lockdown.jar io.entitylockdown.cli.ClassDataTraining ARCHIVE [JAVA]} starts the training
 * JVM with {@code -XX:ArchiveClassesAtExit}, moves the archive into place only when it is complete (a
 * truncated archive can crash the JVM that maps it), and writes {@code ARCHIVE.stamp}: the java binary
 * (JAVA as the launcher resolved it, by default this JVM's), the class path the archive was made for, and
 * the archive's size, or 0 when none could be made, so the launcher does not try again for this jar and
 * java. It prints nothing and exits 0 when the archive was made, 1 when not.
 *
 * <p>The training itself reaches no network and changes nothing: it prints every command's help into a
 * null writer, parses ARNs and an SNS event, and marshals and signs one request per AWS client without
 * sending it (the SnapStart priming of the function). picocli's classes are compiled for Java 5, which CDS
 * cannot archive, so those still load from the jar.
 */
final class ClassDataTraining {
    private static final String LOAD = "--load-classes";
    private static final long TIMEOUT_SECONDS = 180;

    private ClassDataTraining() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length == 1 && args[0].equals(LOAD)) {
            loadClasses();
            return;
        }
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java -cp lockdown.jar " + ClassDataTraining.class.getName() + " ARCHIVE [JAVA]");
            System.exit(2);
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String javaId = args.length == 2 ? args[1] : java.toRealPath().toString();
        System.exit(makeArchive(java, Path.of(args[0]).toAbsolutePath(), javaId) ? 0 : 1);
    }

    /** Runs the training JVM; on success moves its archive into place. Always writes the stamp. */
    static boolean makeArchive(Path java, Path archive, String javaId) throws IOException, InterruptedException {
        String classPath = System.getProperty("java.class.path");
        Path partial = archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-XX:ArchiveClassesAtExit=" + partial,
                "-XX:TieredStopAtLevel=1", "-Xlog:cds*=off", "-cp", classPath, ClassDataTraining.class.getName(), LOAD));
        long size = 0;
        try {
            Process training = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            boolean finished = training.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!finished) {
                training.destroyForcibly().waitFor();
            } else if (training.exitValue() == 0 && Files.isRegularFile(partial) && Files.size(partial) > 0) {
                size = Files.size(partial);
                Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            Files.deleteIfExists(partial);
        }
        if (size == 0) {
            Files.deleteIfExists(archive);
        }
        Path stamp = archive.resolveSibling(archive.getFileName() + ".stamp");
        Path partialStamp = stamp.resolveSibling(stamp.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(partialStamp, javaId + "\n" + classPath + "\n" + size + "\n", StandardCharsets.UTF_8);
        Files.move(partialStamp, stamp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return size > 0;
    }

    /** What a command loads on its way, without a network and without changing anything. */
    static void loadClasses() throws IOException {
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        CliEnvironment environment = new CliEnvironment(Map.of("AWS_REGION", "us-east-1"), null);
        List<List<String>> runs = new ArrayList<>(List.of(List.of("--help"), List.of("--version")));
        LockdownCommand.commandLine(environment).getSubcommands().keySet()
                .forEach(name -> runs.add(List.of(name, "--help")));
        for (List<String> run : runs) {
            CommandLine commandLine = LockdownCommand.commandLine(environment);
            commandLine.setOut(nowhere);
            commandLine.setErr(nowhere);
            commandLine.execute(run.toArray(String[]::new));
        }
        for (String arn : List.of("arn:aws:iam::111122223333:user/training", "arn:aws:iam::111122223333:role/training",
                "arn:aws:lambda:us-east-1:111122223333:function:training",
                "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0")) {
            EntityArn.parse(arn);
        }
        Json.write(Json.mapper().readTree("{\"Records\":[{\"EventSource\":\"aws:sns\",\"Sns\":{\"MessageId\":\"m\","
                + "\"Message\":\"{}\",\"MessageAttributes\":{\"Arn\":{\"Type\":\"String\",\"Value\":\"a\"}}}}]}"));
        SnapStartPriming.primeWithoutCheckpoint(Map.of("AWS_REGION", "us-east-1"));
    }
}
