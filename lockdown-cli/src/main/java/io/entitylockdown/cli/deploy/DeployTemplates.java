package io.entitylockdown.cli.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where {@code lockdown deploy} gets a template, never from the working directory: {@code --template} when
 * given; else {@code deploy/} of the checkout this tool was built in (next to the launcher), so an edited
 * template is deployed as edited; else the copy packaged in the CLI jar.
 */
public final class DeployTemplates {
    /** CloudFormation's limit for a template given inline (TemplateBody). */
    static final int MAX_INLINE_BYTES = 51_200;

    private DeployTemplates() {
    }

    /** A template and where it came from, for the progress line. */
    public record Template(String name, String body, String origin) {
    }

    /**
     * @param explicit {@code --template}, or null
     * @param name     {@code lockdown.yaml} or {@code lockdown-member-role.yaml}
     * @param checkout the checkout this tool was built in, or null
     */
    public static Template load(Path explicit, String name, Path checkout) {
        if (explicit != null) {
            return new Template(name, read(explicit), explicit.toString());
        }
        if (checkout != null && Files.isRegularFile(checkout.resolve("deploy").resolve(name))) {
            Path file = checkout.resolve("deploy").resolve(name);
            return new Template(name, read(file), file.toString());
        }
        try (InputStream in = DeployTemplates.class.getResourceAsStream("/deploy/" + name)) {
            if (in == null) {
                throw DeployException.badInput("This build of lockdown carries no deploy/" + name + "; pass --template PATH");
            }
            return new Template(name, check(new String(in.readAllBytes(), StandardCharsets.UTF_8), name),
                    "deploy/" + name + " in the lockdown jar");
        } catch (IOException e) {
            throw DeployException.badInput("Cannot read deploy/" + name + " from the lockdown jar: " + e.getMessage());
        }
    }

    /**
     * The source checkout the running code was built in (the directory holding pom.xml and lockdown-lambda/,
     * found from the code's own location, {@code lockdown-cli/target/lockdown.jar} or {@code .../classes}),
     * or empty when the tool runs from elsewhere.
     */
    public static Optional<Path> checkoutOfThisTool() {
        try {
            var location = DeployTemplates.class.getProtectionDomain().getCodeSource().getLocation();
            return location == null ? Optional.empty() : FunctionJar.checkoutAbove(Path.of(location.toURI()));
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String read(Path path) {
        try {
            return check(Files.readString(path), path.toString());
        } catch (IOException e) {
            throw DeployException.badInput("Cannot read the template " + path + ": " + e.getMessage());
        }
    }

    private static String check(String body, String what) {
        if (body.getBytes(StandardCharsets.UTF_8).length > MAX_INLINE_BYTES) {
            throw DeployException.badInput("The template " + what + " is larger than CloudFormation's 51,200-byte "
                    + "limit for inline templates");
        }
        return body;
    }
}
