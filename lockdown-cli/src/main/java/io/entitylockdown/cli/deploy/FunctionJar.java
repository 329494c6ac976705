package io.entitylockdown.cli.deploy;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finds the shaded function jar, building it with Maven when this is a source checkout without one. */
public final class FunctionJar {
    static final String GLOB = "lockdown-lambda-*-function.jar";

    private FunctionJar() {
    }

    /**
     * @param explicit  {@code --jar}, or null
     * @param checkout  the repository root (where {@code pom.xml} and {@code lockdown-lambda/} are), or null
     */
    public static Path locate(Path explicit, Path checkout, PrintWriter progress) {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) {
                throw DeployException.badInput("The function jar " + explicit + " does not exist; build it with "
                        + "'mvn -B package -pl lockdown-lambda -am -DskipTests' or leave out --jar");
            }
            return explicit;
        }
        if (checkout == null) {
            throw DeployException.badInput("No function jar: run from the repository checkout (so it can be built) or "
                    + "pass --jar PATH to lockdown-lambda-<version>-function.jar");
        }
        Optional<Path> built = find(checkout);
        if (built.isPresent()) {
            return built.get();
        }
        progress.println("No function jar in " + checkout.resolve("lockdown-lambda/target") + "; building it with Maven ...");
        progress.flush();
        build(checkout);
        return find(checkout).orElseThrow(() -> DeployException.failed("Maven finished but produced no " + GLOB
                + "; run 'mvn -B package -pl lockdown-lambda -am' and read its output", null));
    }

    /** The nearest directory at or above {@code start} that holds the lockdown sources, if any. */
    public static Optional<Path> checkoutAbove(Path start) {
        for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("lockdown-lambda"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    static Optional<Path> find(Path checkout) {
        Path target = checkout.resolve("lockdown-lambda").resolve("target");
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, GLOB)) {
            Path newest = null;
            for (Path jar : jars) {
                if (newest == null || Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(newest)) > 0) {
                    newest = jar;
                }
            }
            return Optional.ofNullable(newest);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void build(Path checkout) {
        String mvn = File.separatorChar == '\\' ? "mvn.cmd" : "mvn";
        List<String> command = List.of(mvn, "-B", "-q", "package", "-pl", "lockdown-lambda", "-am", "-DskipTests");
        try {
            Process process = new ProcessBuilder(command).directory(checkout.toFile()).inheritIO().start();
            if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw DeployException.failed("'" + String.join(" ", command) + "' failed in " + checkout
                        + "; fix the build, or pass --jar PATH", null);
            }
        } catch (IOException e) {
            throw DeployException.badInput("Cannot run Maven (" + e.getMessage() + ") to build the function jar; install "
                    + "Maven or pass --jar PATH");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeployException.failed("Interrupted while building the function jar", e);
        }
    }

    /** Lower-case hex SHA-256 of a file. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw DeployException.badInput("Cannot read " + file + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
