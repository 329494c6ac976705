package io.entitylockdown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ec2.CredentialDenyPolicy;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * Ten {@code lockdown contain} processes at once, one per instance, all instances on one instance
 * profile: as ten SNS messages run ten functions. Every process exits 0, every instance's credentials
 * are denied on the shared role, and the VPC holds exactly one untracked and one isolation group.
 */
@ExtendWith(MotoExtension.class)
class ConcurrentProcessesE2E {
    private static final int INSTANCES = 10;
    private static final String REGION = "us-east-1";

    @Test
    void tenProcesses_tenInstancesOnOneRole_allExitZero_everyInstanceDenied_oneGroupOfEachKind(MotoEstate estate)
            throws Exception {
        Path jar = Path.of("target", "lockdown.jar").toAbsolutePath();
        assertThat(jar).as("packaged before the integration tests").isRegularFile();
        Network network = estate.account().network(REGION);
        Ec2Client ec2 = network.ec2();
        IamClient iam = network.account().iam();
        String vpc = network.vpcId();
        String profile = network.instanceProfile("shared-web");
        List<String> arns = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            // launched the usual way, one at a time (moto associates the profile with a launch's first instance)
            arns.add(network.arn(network.instance().securityGroupIds(network.appGroupId()).profile(profile).launch()));
        }

        List<Process> processes = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        for (String arn : arns) {
            Path output = Files.createTempFile("lockdown-concurrent", ".log");
            ProcessBuilder builder = new ProcessBuilder(javaBinary(), "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                    "contain", "--window", "1", "--no-snapshot", arn)
                    .redirectErrorStream(true).redirectOutput(output.toFile());
            Map<String, String> env = builder.environment();
            env.put("AWS_ENDPOINT_URL", estate.endpoint().toString());
            env.put("AWS_REGION", REGION);
            env.put("AWS_ACCESS_KEY_ID", "testing");
            env.put("AWS_SECRET_ACCESS_KEY", "testing");
            env.put("LOCKDOWN_EXTERNAL_ID", MotoEstate.EXTERNAL_ID);
            outputs.add(output);
            processes.add(builder.start());
        }
        for (int i = 0; i < processes.size(); i++) {
            Process process = processes.get(i);
            assertThat(process.waitFor(240, TimeUnit.SECONDS)).as("process %d finished", i).isTrue();
            assertThat(process.exitValue()).as(Files.readString(outputs.get(i), StandardCharsets.UTF_8)).isZero();
        }

        List<String> policies = iam.listRolePolicies(b -> b.roleName("shared-web")).policyNames();
        assertThat(policies).as("one credentials deny per instance, none lost to a race").hasSize(INSTANCES);
        for (String arn : arns) {
            String id = arn.substring(arn.lastIndexOf('/') + 1);
            assertThat(policies).contains("EntityLockdownDenyInstance-" + id);
            assertThat(CredentialDenyPolicy.instanceArns(iam.getRolePolicy(b -> b
                    .roleName("shared-web").policyName("EntityLockdownDenyInstance-" + id)).policyDocument()))
                    .as("exactly the lockdown's document for this instance").hasValue(Set.of(arn));
        }
        for (String name : List.of("entity-lockdown-untracked", "entity-lockdown-isolation")) {
            assertThat(ec2.describeSecurityGroups(b -> b.filters(
                    Filter.builder().name("vpc-id").values(vpc).build(),
                    Filter.builder().name("group-name").values(name).build())).securityGroups())
                    .as("exactly one %s group in the VPC", name).hasSize(1);
        }
        String isolation = ec2.describeSecurityGroups(b -> b.filters(
                Filter.builder().name("vpc-id").values(vpc).build(),
                Filter.builder().name("group-name").values("entity-lockdown-isolation").build()))
                .securityGroups().get(0).groupId();
        List<NetworkInterface> interfaces = ec2.describeNetworkInterfaces(b -> b.filters(
                Filter.builder().name("vpc-id").values(vpc).build())).networkInterfaces();
        assertThat(interfaces).hasSize(INSTANCES).allSatisfy(eni -> assertThat(new TreeSet<>(
                eni.groups().stream().map(g -> g.groupId()).toList())).containsExactly(isolation));
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
