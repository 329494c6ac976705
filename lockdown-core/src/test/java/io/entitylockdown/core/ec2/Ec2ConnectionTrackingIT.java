package io.entitylockdown.core.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.entitylockdown.core.ContainmentOptions;
import io.entitylockdown.core.LockdownEngine;
import io.entitylockdown.core.TestEngine;
import io.entitylockdown.core.aws.CallRecorder;
import io.entitylockdown.core.report.ContainmentReport;
import io.entitylockdown.core.report.Outcome;
import io.entitylockdown.core.report.StepStatus;
import io.entitylockdown.testkit.MotoEstate;
import io.entitylockdown.testkit.MotoExtension;
import io.entitylockdown.testkit.Network;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ec2.model.ConnectionTrackingSpecificationRequest;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.ModifyNetworkInterfaceAttributeRequest;

/**
 * Connection-tracking timeouts. moto accepts the parameter but neither stores nor reports it, so
 * these tests look at the requests the engine sends, and stand in for EC2's refusal on non-Nitro
 * instance types.
 */
@ExtendWith(MotoExtension.class)
class Ec2ConnectionTrackingIT {
    /** Every call of this class's engines, for the least-privilege check after them. */
    private static final CallRecorder CALLS = new CallRecorder();

    @AfterAll
    static void everyCallDeclared() {
        TestEngine.assertDeclared(new Ec2InstanceLockdown(), CALLS);
    }

    /** Records every ModifyNetworkInterfaceAttribute request; optionally refuses the timeout ones like EC2 does. */
    static final class InterfaceRequests implements ExecutionInterceptor {
        final List<ModifyNetworkInterfaceAttributeRequest> seen = new CopyOnWriteArrayList<>();
        final boolean refuseTimeouts;

        InterfaceRequests(boolean refuseTimeouts) {
            this.refuseTimeouts = refuseTimeouts;
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof ModifyNetworkInterfaceAttributeRequest request) {
                seen.add(request);
                if (refuseTimeouts && request.connectionTrackingSpecification() != null) {
                    throw Ec2Exception.builder().statusCode(400).awsErrorDetails(AwsErrorDetails.builder()
                            .errorCode("UnsupportedOperation").errorMessage("The instance type does not support "
                                    + "connection tracking timeouts.").serviceName("Ec2").build()).build();
                }
            }
        }

        List<ModifyNetworkInterfaceAttributeRequest> timeouts() {
            return seen.stream().filter(r -> r.connectionTrackingSpecification() != null).toList();
        }
    }

    private static LockdownEngine engine(MotoEstate estate, InterfaceRequests requests) {
        return TestEngine.builder(estate).interceptor(CALLS, requests).build();
    }

    private static final ContainmentOptions NO_SNAPSHOT = ContainmentOptions.defaults().withSnapshot(false);

    @Test
    void contain_setsTheShortestTimeouts_onEveryInterface_beforeTheGroupsChange(MotoEstate estate) {
        InterfaceRequests requests = new InterfaceRequests(false);
        Network net = estate.account().network();
        try (LockdownEngine engine = engine(estate, requests)) {
            Instance instance = net.instance().interfaces(3).launch();
            List<String> interfaces = net.interfaces(instance.instanceId()).stream()
                    .map(n -> n.networkInterfaceId()).toList();

            ContainmentReport report = engine.contain(net.arn(instance), NO_SNAPSHOT);

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(requests.timeouts()).extracting(ModifyNetworkInterfaceAttributeRequest::networkInterfaceId)
                    .containsExactlyInAnyOrderElementsOf(interfaces);
            assertThat(requests.timeouts()).allSatisfy(r -> {
                assertThat(r.connectionTrackingSpecification()).isEqualTo(ConnectionTrackingSpecificationRequest.builder()
                        .tcpEstablishedTimeout(60).udpStreamTimeout(60).udpTimeout(30).build());
                assertThat(r.groups()).as("timeouts and groups are separate requests").isEmpty();
            });
            int firstIndex = requests.seen.indexOf(requests.timeouts().get(0));
            int firstGroupChange = requests.seen.indexOf(requests.seen.stream().filter(r -> !r.groups().isEmpty())
                    .findFirst().orElseThrow());
            assertThat(firstIndex).as("timeouts are shortened before the groups change").isLessThan(firstGroupChange);
        }
    }

    @Test
    void containAgain_sendsNoInterfaceRequest_andReportsTheTimeoutsAlreadySet(MotoEstate estate) {
        InterfaceRequests requests = new InterfaceRequests(false);
        Network net = estate.account().network();
        try (LockdownEngine engine = engine(estate, requests)) {
            Instance instance = net.instance().interfaces(3).launch();
            engine.contain(net.arn(instance), NO_SNAPSHOT);
            requests.seen.clear();

            ContainmentReport again = engine.contain(net.arn(instance), NO_SNAPSHOT);

            assertThat(requests.seen).as("a second containment sends nothing").isEmpty();
            assertThat(again.steps()).filteredOn(s -> s.step().startsWith("connection-tracking "))
                    .hasSize(3).allSatisfy(s -> assertThat(s.status()).isEqualTo(StepStatus.ALREADY));
        }
    }

    @Test
    void release_leavesTheTimeoutsShort_andSaysHowToRestoreThem(MotoEstate estate) {
        InterfaceRequests requests = new InterfaceRequests(false);
        Network net = estate.account().network();
        try (LockdownEngine engine = engine(estate, requests)) {
            Instance instance = net.instance().interfaces(3).launch();
            engine.contain(net.arn(instance), NO_SNAPSHOT);
            engine.isolate(net.arn(instance), ContainmentOptions.defaults());

            ContainmentReport release = engine.release(net.arn(instance), ContainmentOptions.defaults());

            assertThat(release.steps()).filteredOn(s -> s.step().startsWith("restore-connection-tracking "))
                    .hasSize(3).allSatisfy(s -> {
                        assertThat(s.status()).isEqualTo(StepStatus.SKIPPED);
                        assertThat(s.detail()).contains("aws ec2 modify-network-interface-attribute",
                                "--connection-tracking-specification");
                    });
        }
    }

    @Test
    void contain_whenEc2RefusesTimeouts_notesIt_andStillIsolates(MotoEstate estate) {
        InterfaceRequests requests = new InterfaceRequests(true);
        Network net = estate.account().network();
        try (LockdownEngine engine = engine(estate, requests)) {
            Instance instance = net.instance().interfaces(2).launch();

            ContainmentReport report = engine.contain(net.arn(instance),
                    ContainmentOptions.defaults().withWindowSeconds(0).withSnapshot(false));

            assertThat(report.outcome()).as(report.steps().toString()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(report.steps()).filteredOn(s -> s.step().startsWith("connection-tracking "))
                    .hasSize(2).allSatisfy(s -> {
                        assertThat(s.status()).isEqualTo(StepStatus.SKIPPED);
                        assertThat(s.detail()).contains("UnsupportedOperation", "not Nitro-based");
                    });
            assertThat(report.notes()).as("refused timeouts are not claimed as set").noneMatch(n -> n.contains("idle timeouts"));
            String isolation = net.groupsNamed(ContainmentGroups.Kind.ISOLATION.groupName).get(0).groupId();
            assertThat(net.groupsOfInterfaces(instance.instanceId()))
                    .allSatisfy(groups -> assertThat(groups).containsExactly(isolation));
        }
    }
}
