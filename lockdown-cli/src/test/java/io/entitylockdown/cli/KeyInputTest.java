package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Access key ids and session ARNs that must be refused before any AWS call (the offline CLI points at a closed port). */
class KeyInputTest {

    @Test
    void contain_aTemporaryKey_exits2_withWhereToFindItsSession() {
        Cli.Result result = Cli.offline().run("contain", "ASIAEXAMPLECIDEPLOY1");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("Rejected argument 1: ASIAEXAMPLECIDEPLOY1 is a temporary access key",
                "CloudTrail", "responseElements.credentials.accessKeyId is ASIAEXAMPLECIDEPLOY1",
                "lockdown contain arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION", "nothing is sent to AWS", "Exit 2");
        assertThat(result.err()).doesNotContain("Failed", "Exception", "\tat ");
    }

    @Test
    void contain_aTemporaryKeyWithAnAccount_isStillRefusedBeforeAnyCall() {
        Cli.Result result = Cli.offline().run("contain", "ASIAEXAMPLECIDEPLOY1", "--account", "111111111111");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("temporary access key").doesNotContain("Failed");
    }

    @Test
    void contain_aMalformedKeyOrAccount_exits2() {
        assertThat(Cli.offline().run("contain", "AKIA123").err()).contains("'AKIA123' is not a long-term access key id");
        assertThat(Cli.offline().run("contain", "AKIA123").exitCode()).isEqualTo(2);

        Cli.Result account = Cli.offline().run("contain", "AKIAIOSFODNN7EXAMPLE", "--account", "1111");
        assertThat(account.exitCode()).isEqualTo(2);
        assertThat(account.err()).contains("--account must be a twelve-digit AWS account id; got '1111'");
    }

    @Test
    void contain_anAccountWithoutAKey_exits2_insteadOfIgnoringIt() {
        Cli.Result result = Cli.offline().run("contain", "arn:aws:iam::111111111111:user/mallory", "--account",
                "111111111111");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--account applies to access key ids (AKIA...), and none was given");
    }

    @Test
    void contain_aMalformedSessionArn_exits2_andAFederatedUserSaysWhatToContainInstead() {
        Cli.Result session = Cli.offline().run("contain", "arn:aws:sts::111111111111:assumed-role/ci-deployer");
        Cli.Result federated = Cli.offline().run("contain", "arn:aws:sts::111111111111:federated-user/bob");

        assertThat(session.exitCode()).isEqualTo(2);
        assertThat(session.err()).contains("assumed-role/<role name>/<session name>");
        assertThat(federated.exitCode()).isEqualTo(2);
        assertThat(federated.err()).contains("federated user session", "contain it");
    }

    @Test
    void help_ofContainReleaseAndStatus_explainsSessionsAndKeys() {
        for (String command : new String[] {"contain", "release", "status"}) {
            String help = Cli.offline().run(command, "--help").out();

            assertThat(help).as(command).contains("assumed-role/ROLE/SESSION", "--account", "AKIA", "ASIA",
                    "CloudTrail");
        }
        assertThat(Cli.offline().run("contain", "--help").out()).contains(
                "lockdown contain AKIAIOSFODNN7EXAMPLE --account 111122223333",
                "lockdown contain arn:aws:sts::111122223333:assumed-role/ci-deployer/build-4711");
    }
}
