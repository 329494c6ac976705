package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input that must be refused before any AWS call: the offline CLI points at a closed port. */
class InputTest {
    private static final String USER = "arn:aws:iam::111111111111:user/mallory";

    @Test
    void contain_whenOnlyBadArns_exits2AndNamesEachOne() {
        Cli.Result result = Cli.offline().run("contain", "nonsense", "arn:aws:s3:::bucket");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("Rejected argument 1: 'nonsense' is not an ARN",
                "Rejected argument 2:", "Exit 2");
        assertThat(result.out()).contains("Rejected input", "nonsense");
    }

    @Test
    void contain_withoutAnyArn_exits2AndSaysHowToGiveOne() {
        Cli.Result result = Cli.offline().run("contain");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("No entity given: pass one or more ARNs, or --file PATH");
        assertThat(result.err()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void contain_withAWindowOutOfRange_exits2BeforeAnyCall() {
        Cli.Result result = Cli.offline().run("contain", "--window", "901", USER);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--window must be between 0 and 900");
    }

    @Test
    void contain_withUnknownOutputFormat_exits2WithUsage() {
        Cli.Result result = Cli.offline().run("contain", "--output", "yaml", USER);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--output", "yaml");
    }

    @Test
    void contain_withNoAssumeRoleAndAMemberRole_exits2() {
        Cli.Result result = Cli.offline().run("contain", "--no-assume-role", "--member-role", "Other", USER);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--no-assume-role acts with your own credentials");
    }

    @Test
    void contain_withNoAssumeRoleAndAnExternalId_usesItOnlyToSignRecords_andNeverEchoesIt() {
        // the ExternalId is also the key of the signed records, so it applies without a member role too
        Cli.Result result = Cli.offline().run("contain", "--no-assume-role", "--external-id", "s3cr3t-value", USER);

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.out() + result.err()).doesNotContain("s3cr3t-value").doesNotContain("To undo");
    }

    @Test
    void contain_withAMalformedExternalId_exits2WithoutEchoingIt() {
        Cli.Result result = Cli.offline().run("contain", "--external-id", "bad id with spaces!", USER);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("ExternalId is not valid");
        assertThat(result.out() + result.err()).doesNotContain("bad id with spaces");
    }

    @Test
    void contain_withAnUnreadableFile_exits2AndNamesThePath(@TempDir Path dir) {
        Path missing = dir.resolve("missing.txt");

        Cli.Result result = Cli.offline().run("contain", "--file", missing.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("Cannot read the ARN file " + missing);
    }

    @Test
    void contain_withAFileOfOnlyCommentsAndBlanks_exits2(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("arns.txt"), "# incident 42\n\n   \n# nothing yet\n");

        Cli.Result result = Cli.offline().run("contain", "--file", file.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("No entity given");
    }

    @Test
    void contain_withABadParallelism_exits2() {
        Cli.Result result = Cli.offline().run("contain", "--parallel", "0", USER);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--parallel must be between 1 and 32");
    }

    @Test
    void contain_withAMalformedSetting_exits2NamingTheVariable() {
        Cli cli = new Cli(new CliEnvironment(java.util.Map.of("AWS_REGION", "us-east-1",
                "LOCKDOWN_ALLOWED_ACCOUNTS", "12345"), null));

        Cli.Result result = cli.run("contain", USER);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("Configuration error", "12345");
    }

    @Test
    void publish_withABadTopicArn_exits2AndSaysWhereToFindIt() {
        Cli.Result result = Cli.offline().run("publish", "--topic-arn", "entity-lockdown", "--external-id",
                "abc-123", USER);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("is not an SNS topic ARN", "stack's outputs");
    }

    @Test
    void publish_withoutAnExternalId_exits2AndNamesTheVariable() {
        Cli.Result result = Cli.offline().run("publish", "--topic-arn",
                "arn:aws:sns:us-east-1:123456789012:entity-lockdown", USER);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("LOCKDOWN_EXTERNAL_ID");
    }

    @Test
    void debug_showsTheStackTraceOfAnError_andWithoutItThereIsNone() {
        String[] args = {"contain", "--window", "-1", USER};
        Cli.Result quiet = Cli.offline().run(args);
        Cli.Result debug = Cli.offline().run(prepend("--debug", args));
        Cli.Result debugAfter = Cli.offline().run("contain", "--debug", "--window", "-1", USER);

        assertThat(quiet.err()).doesNotContain("\tat ");
        assertThat(debug.err()).contains("CliException", "\tat ");
        assertThat(debugAfter.err()).contains("\tat ");
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
