package io.entitylockdown.core.ec2;

import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.StepOutcome;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ConnectionTrackingConfiguration;
import software.amazon.awssdk.services.ec2.model.ConnectionTrackingSpecificationRequest;
import software.amazon.awssdk.services.ec2.model.NetworkInterface;

/**
 * The idle timeouts of tracked connections on a network interface. Shortening them to the minimum
 * makes tracked flows that go quiet expire within a minute; a flow that keeps sending stays tracked
 * and allowed until phase 2 (see docs/ec2-instance.md).
 */
final class ConnectionTracking {
    static final int TCP_ESTABLISHED = 60;
    static final int UDP_STREAM = 60;
    static final int UDP = 30;
    static final String SHORTEST = TCP_ESTABLISHED + "," + UDP_STREAM + "," + UDP;
    /** Codes with which EC2 refuses timeouts on interfaces that do not support them (non-Nitro). */
    private static final Set<String> UNSUPPORTED = Set.of("UnsupportedOperation", "InvalidParameterValue",
            "InvalidParameterCombination", "InvalidParameter", "UnsupportedInstanceType");

    private final Ec2Client ec2;

    ConnectionTracking(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    /** {@code tcp,udpStream,udp} as reported by EC2, or empty when it reports no configuration. */
    static String describe(NetworkInterface eni) {
        ConnectionTrackingConfiguration c = eni.connectionTrackingConfiguration();
        if (c == null || c.tcpEstablishedTimeout() == null && c.udpStreamTimeout() == null && c.udpTimeout() == null) {
            return "";
        }
        return c.tcpEstablishedTimeout() + "," + c.udpStreamTimeout() + "," + c.udpTimeout();
    }

    /**
     * @param shortenedBefore containment recorded that it set them already; trusted only when EC2
     *     reports no configuration at all
     */
    StepOutcome shorten(NetworkInterface eni, boolean shortenedBefore, boolean dryRun) {
        String id = eni.networkInterfaceId();
        String reported = describe(eni);
        if (reported.equals(SHORTEST)) {
            return StepOutcome.already(id + " already has the shortest idle timeouts (TCP established "
                    + TCP_ESTABLISHED + " s, UDP stream " + UDP_STREAM + " s, UDP " + UDP + " s)");
        }
        if (reported.isEmpty() && shortenedBefore) {
            return StepOutcome.already(id + ": the shortest idle timeouts were set by this containment earlier "
                    + "(EC2 reports no configuration to compare with)");
        }
        if (dryRun) {
            return StepOutcome.wouldDo("set the idle timeouts of " + id + " to TCP established " + TCP_ESTABLISHED
                    + " s, UDP stream " + UDP_STREAM + " s, UDP " + UDP + " s");
        }
        return set(id, TCP_ESTABLISHED, UDP_STREAM, UDP, "set to TCP established " + TCP_ESTABLISHED
                + " s, UDP stream " + UDP_STREAM + " s, UDP " + UDP + " s");
    }

    /** Puts back the timeouts recorded before containment ({@code tcp,udpStream,udp}). */
    StepOutcome restore(NetworkInterface eni, String recorded, boolean dryRun) {
        String id = eni.networkInterfaceId();
        if (recorded.isEmpty()) {
            return StepOutcome.skipped(id + ": EC2 reported no idle timeouts before containment, so the short ones "
                    + "stay; set them with: aws ec2 modify-network-interface-attribute --network-interface-id " + id
                    + " --connection-tracking-specification TcpEstablishedTimeout=SECONDS,UdpStreamTimeout=SECONDS,"
                    + "UdpTimeout=SECONDS");
        }
        if (describe(eni).equals(recorded)) {
            return StepOutcome.already(id + " has its original idle timeouts " + recorded);
        }
        if (dryRun) {
            return StepOutcome.wouldDo("restore the idle timeouts of " + id + " to " + recorded);
        }
        String[] parts = recorded.split(",", -1);
        return set(id, seconds(parts, 0), seconds(parts, 1), seconds(parts, 2), "restored to " + recorded);
    }

    /** A timeout EC2 did not report stays unset, so EC2 keeps its own value for it. */
    private static Integer seconds(String[] parts, int index) {
        return index < parts.length && parts[index].matches("[0-9]+") ? Integer.valueOf(parts[index]) : null;
    }

    private StepOutcome set(String id, Integer tcp, Integer udpStream, Integer udp, String what) {
        try {
            ec2.modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(id).connectionTrackingSpecification(
                    ConnectionTrackingSpecificationRequest.builder()
                            .tcpEstablishedTimeout(tcp).udpStreamTimeout(udpStream).udpTimeout(udp).build()));
        } catch (AwsServiceException e) {
            if (UNSUPPORTED.contains(AwsErrors.code(e))) {
                return StepOutcome.skipped(id + ": EC2 refused idle timeouts (" + AwsErrors.describe(e, "")
                        + "); the instance type probably is not Nitro-based. Containment goes on: phase 2 still "
                        + "drops every flow once it is untracked");
            }
            throw e;
        }
        return StepOutcome.done(id + ": idle timeouts " + what);
    }
}
