package io.entitylockdown.lambda.findings;

import static io.entitylockdown.lambda.findings.GuardDutyFindings.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.aws.Partitions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The findings of a Security Hub custom action (ASFF, {@code detail.findings[]}): every resource of
 * every finding, mapped by its {@code Type}:
 *
 * <ul>
 *   <li>{@code AwsEc2Instance}, {@code AwsIamUser}, {@code AwsIamRole}, {@code AwsLambdaFunction}: the
 *       entity, by the ARN in {@code Id} (or built from the details when a product gives no ARN);</li>
 *   <li>{@code AwsIamAccessKey}: the credentials, by {@code Details.AwsIamAccessKey.PrincipalType} (the same
 *       rules as GuardDuty's access key findings), or by the key id alone when a product gives no principal;</li>
 *   <li>anything else: not supported.</li>
 * </ul>
 *
 * <p>A resource in another account than the finding's {@code AwsAccountId} is refused: any account can
 * import findings into Security Hub, so a finding may only lead to its own account's resources.
 */
final class SecurityHubFindings {
    static final String ACCESS_KEY_ID_PREFIX = "AWS::IAM::AccessKey:";
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2,4}(-[a-z]{2,10}){1,3}-[0-9]{1,2}");
    private static final Pattern INSTANCE_ID = Pattern.compile("i-([0-9a-f]{8}|[0-9a-f]{17})");

    private SecurityHubFindings() {
    }

    /**
     * @param finding     one ASFF finding
     * @param eventRegion the region of the event (the aggregation region), used when the finding names none
     * @param decision    always "act": a person chose the custom action
     */
    static List<FindingRequest> parse(JsonNode finding, String eventRegion, Decision decision) throws RejectedEvent {
        if (!finding.isObject()) {
            throw new RejectedEvent("A finding of the Security Hub event is not an object");
        }
        String id = text(finding, "Id");
        String productArn = text(finding, "ProductArn");
        if (id.isEmpty() || productArn.isEmpty()) {
            throw new RejectedEvent("A Security Hub finding has no Id or no ProductArn, so it is not in the AWS "
                    + "Security Finding Format");
        }
        String account = text(finding, "AwsAccountId");
        String findingRegion = firstValid(text(finding, "Region"), eventRegion);
        String type = finding.path("Types").path(0).asText("");
        FindingRef ref = new FindingRef(FindingRef.FindingSource.SECURITY_HUB, id, productArn, type,
                text(finding.path("Severity"), "Label"), account, findingRegion, text(finding, "Title"));
        JsonNode resources = finding.path("Resources");
        List<FindingRequest> requests = new ArrayList<>();
        if (!resources.isArray() || resources.isEmpty()) {
            requests.add(new FindingRequest(ref, new FindingTarget.Unsupported("finding " + CredentialTargets.shown(id),
                    account, "the finding names no resources"), decision));
            return requests;
        }
        for (JsonNode resource : resources) {
            requests.add(new FindingRequest(ref, target(resource, finding, account, findingRegion), decision));
        }
        return requests;
    }

    private static FindingTarget target(JsonNode resource, JsonNode finding, String account, String findingRegion) {
        String resourceType = text(resource, "Type");
        String id = text(resource, "Id");
        String region = firstValid(text(resource, "Region"), findingRegion);
        String partition = text(resource, "Partition");
        if (!Partitions.isKnown(partition)) {
            partition = region.isEmpty() ? "aws" : Partitions.partitionOf(region);
        }
        JsonNode details = resource.path("Details");
        switch (resourceType) {
            case "AwsEc2Instance":
                if (INSTANCE_ID.matcher(id).matches()) {
                    if (!ACCOUNT.matcher(account).matches() || region.isEmpty()) {
                        return unsupported(resourceType, id, account, "the resource gives an instance id without the "
                                + "account and region needed to build its ARN");
                    }
                    id = "arn:" + partition + ":ec2:" + region + ":" + account + ":instance/" + id;
                }
                return GuardDutyFindings.entity(id, account, EntityType.EC2_INSTANCE);
            case "AwsIamUser":
                return iamEntity(id, details.path("AwsIamUser"), "UserName", "user", partition, account,
                        EntityType.IAM_USER);
            case "AwsIamRole":
                return iamEntity(id, details.path("AwsIamRole"), "RoleName", "role", partition, account,
                        EntityType.IAM_ROLE);
            case "AwsLambdaFunction":
                if (!id.startsWith("arn:")) {
                    String name = text(details.path("AwsLambdaFunction"), "FunctionName");
                    if (name.isEmpty() || !ACCOUNT.matcher(account).matches() || region.isEmpty()) {
                        return unsupported(resourceType, id, account, "the resource gives neither the function's ARN "
                                + "nor its name, account and region");
                    }
                    id = "arn:" + partition + ":lambda:" + region + ":" + account + ":function:" + name;
                }
                return GuardDutyFindings.entity(id, account, EntityType.LAMBDA_FUNCTION);
            case "AwsIamAccessKey":
                return accessKey(resource, finding, partition, account, region);
            default:
                return unsupported(resourceType, id, account, "Entity Lockdown contains EC2 instances, IAM users and "
                        + "roles, Lambda functions and IAM access keys (AwsEc2Instance, AwsIamUser, AwsIamRole, "
                        + "AwsLambdaFunction, AwsIamAccessKey); respond to this resource by hand");
        }
    }

    /** A user or role: its ARN, or the ARN built from name and path when the product gives no ARN. */
    private static FindingTarget iamEntity(String id, JsonNode details, String nameField, String kind,
            String partition, String account, EntityType type) {
        if (id.startsWith("arn:")) {
            return GuardDutyFindings.entity(id, account, type);
        }
        String name = text(details, nameField);
        String path = text(details, "Path");
        if (name.isEmpty() || !ACCOUNT.matcher(account).matches()) {
            return unsupported(type == EntityType.IAM_USER ? "AwsIamUser" : "AwsIamRole", id, account,
                    "the resource gives neither an ARN nor a name in a known account");
        }
        if (path.isEmpty()) {
            if (type == EntityType.IAM_USER) {
                return new FindingTarget.IamUserByName(partition, account, name);
            }
            return unsupported("AwsIamRole", id.isEmpty() ? name : id, account, "the resource names the role without "
                    + "its ARN or path; contain it with 'lockdown contain' and its ARN");
        }
        String normalized = path.endsWith("/") ? path : path + "/";
        return GuardDutyFindings.entity("arn:" + partition + ":iam::" + account + ":" + kind
                + (normalized.startsWith("/") ? normalized : "/" + normalized) + name, account, type);
    }

    private static FindingTarget accessKey(JsonNode resource, JsonNode finding, String partition, String account,
            String region) {
        JsonNode key = resource.path("Details").path("AwsIamAccessKey");
        String id = text(resource, "Id");
        String keyId = text(key, "AccessKeyId");
        if (keyId.isEmpty()) {
            keyId = id.startsWith(ACCESS_KEY_ID_PREFIX) ? id.substring(ACCESS_KEY_ID_PREFIX.length()) : id;
        }
        String keyAccount = text(key, "AccountId");
        if (!keyAccount.isEmpty() && !keyAccount.equals(account)) {
            return new FindingTarget.Refused("access key " + CredentialTargets.shown(keyId) + " in " + keyAccount,
                    keyAccount, "the finding belongs to account " + account + " but names a key of account " + keyAccount
                            + "; Entity Lockdown contains only resources in a finding's own account",
                    "If that key's owner must be contained, find it and run 'lockdown contain' with its ARN");
        }
        String name = text(key, "PrincipalName");
        if (name.isEmpty()) {
            name = text(key, "UserName");
        }
        if (name.isEmpty()) {
            name = text(key.path("SessionContext").path("SessionIssuer"), "UserName");
        }
        String type = "";
        for (JsonNode findingType : finding.path("Types")) {
            if (findingType.asText("").contains(CredentialTargets.EXFILTRATION)) {
                type = findingType.asText();
            }
        }
        if (!ACCOUNT.matcher(account).matches()) {
            return unsupported("AwsIamAccessKey", id, account, "the finding has no valid AwsAccountId");
        }
        return CredentialTargets.of(new CredentialTargets.Where(partition, account, region), type,
                text(key, "PrincipalType"), name, text(key, "PrincipalId"), keyId, "");
    }

    private static FindingTarget unsupported(String resourceType, String id, String account, String reason) {
        return new FindingTarget.Unsupported(CredentialTargets.shown(resourceType) + " "
                + CredentialTargets.shown(id), account, reason);
    }

    private static String firstValid(String region, String fallback) {
        return REGION.matcher(region).matches() ? region : REGION.matcher(fallback).matches() ? fallback : "";
    }
}
