package io.entitylockdown.lambda.findings;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.Json;
import io.entitylockdown.core.aws.Partitions;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * A GuardDuty finding as EventBridge delivers it ({@code detail} of a "GuardDuty Finding" event, the
 * finding schema in camelCase), mapped to what to contain:
 *
 * <ul>
 *   <li>{@code Instance}: the instance {@code resource.instanceDetails.instanceId};</li>
 *   <li>{@code AccessKey}: by {@code resource.accessKeyDetails.userType}: {@code IAMUser} the user
 *       {@code userName}; {@code AssumedRole} the session ({@code principalId} "AROA...:session"), or for
 *       {@code ...InstanceCredentialExfiltration...} types the credentials of the instance the session
 *       belongs to; {@code Root} and {@code FederatedUser} refused with what a person must do;</li>
 *   <li>{@code Lambda}: the function {@code resource.lambdaDetails.functionArn};</li>
 *   <li>anything else: not supported.</li>
 * </ul>
 *
 * <p>Sample findings (GuardDuty's "generate sample findings") name made-up resources and are never acted on.
 */
final class GuardDutyFindings {
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2,4}(-[a-z]{2,10}){1,3}-[0-9]{1,2}");
    private static final Pattern INSTANCE_ID = Pattern.compile("i-([0-9a-f]{8}|[0-9a-f]{17})");

    private GuardDutyFindings() {
    }

    static FindingRequest parse(JsonNode detail, AutoContainPolicy policy) throws RejectedEvent {
        if (!detail.isObject()) {
            throw new RejectedEvent("The GuardDuty event has no finding (detail is not an object)");
        }
        String id = text(detail, "id");
        String account = text(detail, "accountId");
        String region = text(detail, "region");
        String type = text(detail, "type");
        if (id.isEmpty()) {
            throw new RejectedEvent("The GuardDuty finding has no id");
        }
        if (!ACCOUNT.matcher(account).matches()) {
            throw new RejectedEvent("The GuardDuty finding " + CredentialTargets.shown(id) + " has no valid accountId ('"
                    + CredentialTargets.shown(account) + "')");
        }
        if (!REGION.matcher(region).matches()) {
            throw new RejectedEvent("The GuardDuty finding " + CredentialTargets.shown(id) + " has no valid region ('"
                    + CredentialTargets.shown(region) + "')");
        }
        String partition = Partitions.partitionOf(region);
        String declared = text(detail, "partition");
        if (!declared.isEmpty() && !declared.equals(partition)) {
            throw new RejectedEvent("The GuardDuty finding " + CredentialTargets.shown(id) + " says partition '"
                    + CredentialTargets.shown(declared) + "' but region " + region + " is in '" + partition + "'");
        }
        Double severity = severity(detail.path("severity"));
        FindingRef finding = new FindingRef(FindingRef.FindingSource.GUARDDUTY, id, "", type,
                severity == null ? "" : AutoContainPolicy.format(severity), account, region, text(detail, "title"));
        CredentialTargets.Where where = new CredentialTargets.Where(partition, account, region);
        FindingTarget target = target(detail.path("resource"), where, type);
        if (isSample(detail.path("service"))) {
            target = new FindingTarget.Unsupported(target.describe(), account, "this is a GuardDuty sample finding "
                    + "(service.additionalInfo.sample is true): it names made-up resources, and Entity Lockdown never "
                    + "acts on it. A real finding like it would be handled as: " + target.describe());
        }
        return new FindingRequest(finding, target, policy.decide(type, severity));
    }

    private static FindingTarget target(JsonNode resource, CredentialTargets.Where where, String type) {
        String account = where.accountId();
        String resourceType = text(resource, "resourceType");
        switch (resourceType) {
            case "Instance": {
                String instanceId = text(resource.path("instanceDetails"), "instanceId");
                if (!INSTANCE_ID.matcher(instanceId).matches()) {
                    return new FindingTarget.Unsupported("EC2 instance '" + CredentialTargets.shown(instanceId) + "' in "
                            + account, account, "the finding does not give a valid instance id");
                }
                return entity("arn:" + where.partition() + ":ec2:" + where.region() + ":" + account + ":instance/"
                        + instanceId, account, EntityType.EC2_INSTANCE);
            }
            case "AccessKey": {
                JsonNode key = resource.path("accessKeyDetails");
                return CredentialTargets.of(where, type, text(key, "userType"), text(key, "userName"),
                        text(key, "principalId"), text(key, "accessKeyId"),
                        text(resource.path("instanceDetails"), "instanceId"));
            }
            case "Lambda":
                return entity(text(resource.path("lambdaDetails"), "functionArn"), account, EntityType.LAMBDA_FUNCTION);
            default:
                return new FindingTarget.Unsupported("GuardDuty resource of type '"
                        + CredentialTargets.shown(resourceType) + "' in " + account, account,
                        "Entity Lockdown contains EC2 instances, IAM users, role sessions and Lambda functions; respond to "
                                + "this finding by hand (GuardDuty's remediation guidance for its type)");
        }
    }

    /**
     * An entity ARN the finding gives, validated: of the expected type and in the finding's own account
     * (a finding is about its own account; anything else is not acted on).
     */
    static FindingTarget entity(String arn, String account, EntityType expected) {
        EntityArn parsed;
        try {
            parsed = EntityArn.parse(arn);
        } catch (InvalidArnException e) {
            return new FindingTarget.Unsupported(expected.displayName() + " '" + CredentialTargets.shown(arn) + "'",
                    account, e.getMessage());
        }
        if (parsed.type() != expected) {
            return new FindingTarget.Unsupported(CredentialTargets.shown(arn), account, "where the finding should name a "
                    + expected.displayName() + ", its ARN names another kind of entity (" + parsed.type().displayName()
                    + ")");
        }
        if (!account.isEmpty() && !parsed.accountId().equals(account)) {
            return new FindingTarget.Refused(parsed.arn(), parsed.accountId(), "the finding belongs to account " + account
                    + " but names a resource in account " + parsed.accountId() + "; Entity Lockdown contains only "
                    + "resources in a finding's own account, because any account can import findings into Security Hub",
                    "If " + parsed.arn() + " really must be contained, contain it directly: lockdown contain "
                            + parsed.arn());
        }
        return new FindingTarget.Entity(parsed.arn(), parsed.accountId());
    }

    private static Double severity(JsonNode node) {
        if (node.isNumber()) {
            return node.asDouble();
        }
        if (node.isTextual()) {
            try {
                return Double.parseDouble(node.asText().strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** GuardDuty marks sample findings in service.additionalInfo, either as a field or inside its JSON "value". */
    private static boolean isSample(JsonNode service) {
        JsonNode info = service.path("additionalInfo");
        if (info.path("sample").asBoolean(false)) {
            return true;
        }
        String value = info.path("value").asText("");
        if (value.isEmpty()) {
            return false;
        }
        try {
            return Json.mapper().readTree(value).path("sample").asBoolean(false);
        } catch (IOException e) {
            return false;
        }
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isValueNode() && !value.isNull() ? value.asText().strip() : "";
    }
}
