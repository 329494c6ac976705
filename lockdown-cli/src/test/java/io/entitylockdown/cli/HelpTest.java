package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class HelpTest {

    @Test
    void help_topLevel_listsEveryCommandExitCodesAndExamples() {
        Cli.Result result = Cli.offline().run("--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("contain", "plan", "status", "release", "publish", "invoke", "deploy", "demo",
                "Examples:", "lockdown demo", "Exit codes", "  3  a guardrail refused", "LOCKDOWN_EXTERNAL_ID",
                "--debug");
    }

    @ParameterizedTest
    @ValueSource(strings = {"contain", "plan", "status", "release", "publish", "replay", "invoke", "deploy", "demo"})
    void help_everySubcommand_describesItselfAndShowsAnExample(String command) {
        Cli.Result result = Cli.offline().run(command, "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("Usage: lockdown " + command, "Examples:", "lockdown " + command + " ");
    }

    @Test
    void help_contain_documentsTheAssumeRoleRuleAndEveryOption() {
        String help = Cli.offline().run("help", "contain").out();

        assertThat(help).contains("--file", "--external-id", "--member-role", "--no-assume-role", "--window",
                "--no-snapshot", "--dry-run", "--output", "--parallel", "LOCKDOWN_EXTERNAL_ID",
                "member role is assumed");
    }

    @Test
    void help_everyLineFitsAnEightyColumnTerminal() {
        CommandLine cli = LockdownCommand.commandLine(Cli.offline().environment());
        List<String> usages = new java.util.ArrayList<>(List.of(cli.getUsageMessage()));
        cli.getSubcommands().values().forEach(sub -> usages.add(sub.getUsageMessage()));

        for (String usage : usages) {
            assertThat(usage.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
        }
    }

    @Test
    void version_printsTheToolName() {
        Cli.Result result = Cli.offline().run("--version");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("lockdown ");
    }

    @Test
    void noCommand_printsUsageToStderrAndExits2() {
        Cli.Result result = Cli.offline().run();

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).contains("Usage: lockdown", "Name a command");
    }
}
