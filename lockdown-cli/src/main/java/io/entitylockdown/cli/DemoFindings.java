package io.entitylockdown.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * The two findings of the demo, as EventBridge delivers them to the function: a GuardDuty finding
 * about a session of role {@code etl-runner} (the finding schema in camelCase), and a Security Hub
 * custom action on an imported finding (ASFF) that names {@code build-bot}'s leaked access key by its
 * id alone.
 */
final class DemoFindings {
    static final String GUARDDUTY_TYPE = "UnauthorizedAccess:IAMUser/MaliciousIPCaller";
    /** How the demo's function is told to contain GuardDuty findings on its own (its stack parameters). */
    static final String AUTO_CONTAIN_TYPES = "UnauthorizedAccess:IAMUser/*";
    static final String MIN_SEVERITY = "MEDIUM";

    private DemoFindings() {
    }

    /** GuardDuty: API calls from a known malicious IP address, signed with a session of etl-runner. */
    static ObjectNode guardDuty(DemoEstate estate) {
        String now = now();
        String findingId = UUID.randomUUID().toString().replace("-", "");
        ObjectNode event = envelope("GuardDuty Finding", "aws.guardduty", now);
        event.putArray("resources");
        ObjectNode detail = event.putObject("detail");
        detail.put("schemaVersion", "2.0");
        detail.put("accountId", DemoEstate.WORKLOAD_ACCOUNT);
        detail.put("region", DemoEstate.EAST);
        detail.put("partition", "aws");
        detail.put("id", findingId);
        detail.put("arn", "arn:aws:guardduty:" + DemoEstate.EAST + ":" + DemoEstate.WORKLOAD_ACCOUNT
                + ":detector/5ab5c5e1b2demo/finding/" + findingId);
        detail.put("type", GUARDDUTY_TYPE);
        ObjectNode resource = detail.putObject("resource");
        resource.put("resourceType", "AccessKey");
        ObjectNode key = resource.putObject("accessKeyDetails");
        key.put("accessKeyId", "ASIA" + findingId.substring(0, 16).toUpperCase(java.util.Locale.ROOT));
        key.put("principalId", estate.sessionRoleId + ":" + DemoEstate.SESSION_NAME);
        key.put("userName", DemoEstate.SESSION_ROLE);
        key.put("userType", "AssumedRole");
        ObjectNode service = detail.putObject("service");
        service.put("serviceName", "guardduty");
        service.put("detectorId", "5ab5c5e1b2demo");
        ObjectNode action = service.putObject("action");
        action.put("actionType", "AWS_API_CALL");
        ObjectNode call = action.putObject("awsApiCallAction");
        call.put("api", "ListBuckets");
        call.put("serviceName", "s3.amazonaws.com");
        call.put("callerType", "Remote IP");
        call.putObject("remoteIpDetails").put("ipAddressV4", "198.51.100.23");
        service.put("resourceRole", "TARGET");
        service.put("eventFirstSeen", now);
        service.put("eventLastSeen", now);
        service.put("archived", false);
        service.put("count", 3);
        detail.put("severity", 5);
        detail.put("createdAt", now);
        detail.put("updatedAt", now);
        detail.put("title", "API ListBuckets was invoked from a known malicious IP address.");
        detail.put("description", "API ListBuckets was invoked from the IP address 198.51.100.23, which is on a threat "
                + "list, with a session of role " + DemoEstate.SESSION_ROLE + ".");
        return event;
    }

    /** Security Hub: a person chose the custom action "Contain entity" on a leaked-key finding. */
    static ObjectNode securityHub(DemoEstate estate) {
        String now = now();
        ObjectNode event = envelope("Security Hub Findings - Custom Action", "aws.securityhub", now);
        event.putArray("resources").add("arn:aws:securityhub:" + DemoEstate.EAST + ":" + DemoEstate.SECURITY_ACCOUNT
                + ":action/custom/ContainEntity");
        ObjectNode detail = event.putObject("detail");
        detail.put("actionName", "ContainEntity");
        detail.put("actionDescription", "Contain the entity with Entity Lockdown");
        ObjectNode finding = detail.putArray("findings").addObject();
        finding.put("SchemaVersion", "2018-10-08");
        finding.put("Id", "leak-scanner/finding/4711");
        finding.put("ProductArn", "arn:aws:securityhub:" + DemoEstate.EAST + ":" + DemoEstate.WORKLOAD_ACCOUNT
                + ":product/" + DemoEstate.WORKLOAD_ACCOUNT + "/default");
        finding.put("GeneratorId", "leak-scanner");
        finding.put("AwsAccountId", DemoEstate.WORKLOAD_ACCOUNT);
        finding.put("Region", DemoEstate.EAST);
        finding.putArray("Types").add("Sensitive Data Identifications/Security/AWS Access Key");
        finding.put("CreatedAt", now);
        finding.put("UpdatedAt", now);
        finding.putObject("Severity").put("Label", "CRITICAL").put("Normalized", 90);
        finding.put("Title", "An AWS access key was published in a public repository");
        finding.put("Description", "Access key " + estate.leakedKeyId + " was found in a public commit.");
        ObjectNode resource = finding.putArray("Resources").addObject();
        resource.put("Type", "AwsIamAccessKey");
        resource.put("Id", "AWS::IAM::AccessKey:" + estate.leakedKeyId);
        resource.put("Partition", "aws");
        resource.put("Region", DemoEstate.EAST);
        finding.putObject("Workflow").put("Status", "NEW");
        finding.put("RecordState", "ACTIVE");
        return event;
    }

    private static ObjectNode envelope(String detailType, String source, String time) {
        ObjectNode event = Json.mapper().createObjectNode();
        event.put("version", "0");
        event.put("id", UUID.randomUUID().toString());
        event.put("detail-type", detailType);
        event.put("source", source);
        event.put("account", DemoEstate.SECURITY_ACCOUNT);
        event.put("time", time);
        event.put("region", DemoEstate.EAST);
        return event;
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /**
     * Records securityhub:BatchUpdateFindings as the function's SDK put it on the wire. moto 5.2.1 has no
     * such operation, so the demo shows the request instead of a finding that changed.
     */
    static final class BatchUpdateRecorder implements ExecutionInterceptor {
        /** One request: method, path and JSON body. */
        record Sent(String method, String path, JsonNode body) {
        }

        private final List<Sent> sent = new CopyOnWriteArrayList<>();

        List<Sent> sent() {
            return List.copyOf(sent);
        }

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (!"BatchUpdateFindings".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))
                    || context.requestBody().isEmpty()) {
                return;
            }
            try (InputStream in = context.requestBody().get().contentStreamProvider().newStream()) {
                sent.add(new Sent(context.httpRequest().method().name(), context.httpRequest().encodedPath(),
                        Json.mapper().readTree(in)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
