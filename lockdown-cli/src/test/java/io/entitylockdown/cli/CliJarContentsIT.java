package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The jar people run ({@code target/lockdown.jar}, which failsafe finds packaged) carries the moto launcher the
 * demo needs and nothing else of the test harness: no fault proxy, no JUnit extension, no JUnit.
 */
class CliJarContentsIT {
    private static final Path JAR = Path.of("target", "lockdown.jar");

    @Test
    void cliJar_carriesTheMotoLauncher_butNotTheTestKit() throws IOException {
        List<String> entries = entries();

        assertThat(entries).contains("io/entitylockdown/cli/Main.class", "io/entitylockdown/testkit/MotoServer.class",
                "io/entitylockdown/testkit/MotoUnavailableException.class", "io/entitylockdown/testkit/moto_launcher.py");
        assertThat(entries).as("test kit classes in the shipped jar")
                .filteredOn(name -> name.matches("io/entitylockdown/testkit/(FaultProxy|MotoExtension|Fault|Templates)"
                        + "(\\$.*)?\\.class"))
                .isEmpty();
        assertThat(entries).as("test libraries in the shipped jar").filteredOn(name -> name.startsWith("org/junit/")
                || name.startsWith("org/assertj/") || name.startsWith("org/opentest4j/")).isEmpty();
    }

    @Test
    void cliJar_hasOneSlf4jBinding_theSilentOne_andNoUnusedLibraries() throws IOException {
        List<String> entries = entries();

        assertThat(entries).contains("org/slf4j/impl/StaticLoggerBinder.class", "org/slf4j/helpers/NOPLogger.class");
        assertThat(entries).doesNotContain("org/slf4j/impl/SimpleLogger.class");
        assertThat(entries).as("aws-lambda-java-events and joda-time are not used by any code")
                .filteredOn(name -> name.startsWith("com/amazonaws/services/lambda/runtime/events/")
                        || name.startsWith("org/joda/"))
                .isEmpty();
    }

    private static List<String> entries() throws IOException {
        assertThat(JAR).as("packaged before the integration tests run").isRegularFile();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            return jar.stream().map(JarEntry::getName).toList();
        }
    }
}
