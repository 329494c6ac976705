package io.entitylockdown.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeployTemplatesTest {
    private static final Path REPOSITORY_DEPLOY = Path.of("..", "deploy");

    @Test
    void withoutACheckout_theTemplatesComeFromTheJar_unchanged() throws Exception {
        for (String name : new String[] {"lockdown.yaml", "lockdown-member-role.yaml"}) {
            DeployTemplates.Template template = DeployTemplates.load(null, name, null);

            assertThat(template.origin()).isEqualTo("deploy/" + name + " in the lockdown jar");
            assertThat(template.body()).isEqualTo(Files.readString(REPOSITORY_DEPLOY.resolve(name)));
        }
    }

    @Test
    void theCheckoutNextToTheLauncher_winsOverTheJar_andAnExplicitTemplateOverBoth(@TempDir Path checkout)
            throws Exception {
        Files.createDirectories(checkout.resolve("deploy"));
        Files.writeString(checkout.resolve("deploy/lockdown.yaml"), "Description: edited\n");
        Path explicit = checkout.resolve("mine.yaml");
        Files.writeString(explicit, "Description: mine\n");

        assertThat(DeployTemplates.load(null, "lockdown.yaml", checkout).body()).isEqualTo("Description: edited\n");
        assertThat(DeployTemplates.load(explicit, "lockdown.yaml", checkout).body()).isEqualTo("Description: mine\n");
        assertThatThrownBy(() -> DeployTemplates.load(checkout.resolve("none.yaml"), "lockdown.yaml", checkout))
                .isInstanceOf(DeployException.class).hasMessageContaining("Cannot read the template");
    }

    @Test
    void theToolsCheckout_isFoundFromWhereItsCodeLies_notFromTheWorkingDirectory() throws Exception {
        assertThat(DeployTemplates.checkoutOfThisTool()).hasValueSatisfying(checkout -> {
            assertThat(checkout.resolve("lockdown-lambda")).isDirectory();
            assertThat(checkout.resolve("deploy/lockdown.yaml")).isRegularFile();
        });
    }
}
