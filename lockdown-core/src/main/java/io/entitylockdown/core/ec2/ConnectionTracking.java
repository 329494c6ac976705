package io.entitylockdown.core.ec2;

import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.StepOutcome;
import java.util.Set;
import java.util.function.Consumer;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ConnectionTrackingSpecificationRequest;
import software.amazon.awssdk.services.ec2.model.ConnectionTrackingSpecificationResponse;

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

    /** {@code tcp,udpStream,udp} as reported by EC2 (a missing value is empty), or empty when it reports none. */
    static String describe(ConnectionTrackingSpecificationResponse c) {
        if (c == null || c.tcpEstablishedTimeout() == null && c.udpStreamTimeout() == null && c.udpTimeout() == null) {
            return "";
        }
        return text(c.tcpEstablishedTimeout()) + "," + text(c.udpStreamTimeout()) + "," + text(c.udpTimeout());
    }

    private static String text(Integer value) {
        return value == null ? "" : value.toString();
    }

    /**
     * @param reported        what EC2 reports now ({@link #describe})
     * @param shortenedBefore the signed record says containment set them already; trusted only when EC2
     *                        reports no configuration at all
     */
    StepOutcome shorten(String interfaceId, String reported, boolean shortenedBefore, boolean dryRun,
            Consumer<AwsRequestOverrideConfiguration.Builder> override) {
        if (reported.equals(SHORTEST)) {
            return StepOutcome.already(interfaceId + " already has the shortest idle timeouts (TCP established "
                    + TCP_ESTABLISHED + " s, UDP stream " + UDP_STREAM + " s, UDP " + UDP + " s)");
        }
        if (reported.isEmpty() && shortenedBefore) {
            return StepOutcome.already(interfaceId + ": the shortest idle timeouts were set by this containment earlier "
                    + "(EC2 reports no configuration to compare with)");
        }
        if (dryRun) {
            return StepOutcome.wouldDo("set the idle timeouts of " + interfaceId + " to TCP established "
                    + TCP_ESTABLISHED + " s, UDP stream " + UDP_STREAM + " s, UDP " + UDP + " s");
        }
        return set(interfaceId, TCP_ESTABLISHED, UDP_STREAM, UDP, "set to TCP established " + TCP_ESTABLISHED
                + " s, UDP stream " + UDP_STREAM + " s, UDP " + UDP + " s", override);
    }

    /** Puts back the timeouts recorded before containment ({@code tcp,udpStream,udp}). */
    StepOutcome restore(String interfaceId, String reported, String recorded, boolean dryRun) {
        if (recorded.isEmpty()) {
            return StepOutcome.skipped(interfaceId + ": EC2 reported no idle timeouts before containment, so the short "
                    + "ones stay; set them with: aws ec2 modify-network-interface-attribute --network-interface-id "
                    + interfaceId + " --connection-tracking-specification TcpEstablishedTimeout=SECONDS,"
                    + "UdpStreamTimeout=SECONDS,UdpTimeout=SECONDS");
        }
        if (reported.equals(recorded)) {
            return StepOutcome.already(interfaceId + " has its original idle timeouts " + recorded);
        }
        if (dryRun) {
            return StepOutcome.wouldDo("restore the idle timeouts of " + interfaceId + " to " + recorded);
        }
        String[] parts = recorded.split(",", -1);
        return set(interfaceId, seconds(parts, 0), seconds(parts, 1), seconds(parts, 2), "restored to " + recorded,
                o -> { });
    }

    /** A timeout EC2 did not report stays unset, so EC2 keeps its own value for it. */
    private static Integer seconds(String[] parts, int index) {
        return index < parts.length && parts[index].matches("[0-9]+") ? Integer.valueOf(parts[index]) : null;
    }

    private StepOutcome set(String id, Integer tcp, Integer udpStream, Integer udp, String what,
            Consumer<AwsRequestOverrideConfiguration.Builder> override) {
        try {
            ec2.modifyNetworkInterfaceAttribute(b -> b.networkInterfaceId(id).connectionTrackingSpecification(
                    ConnectionTrackingSpecificationRequest.builder()
                            .tcpEstablishedTimeout(tcp).udpStreamTimeout(udpStream).udpTimeout(udp).build())
                    .overrideConfiguration(override));
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
