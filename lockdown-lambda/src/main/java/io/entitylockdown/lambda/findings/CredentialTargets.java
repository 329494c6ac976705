package io.entitylockdown.lambda.findings;

import java.util.regex.Pattern;

/**
 * What to contain when a finding names credentials rather than an entity: the same rules for
 * GuardDuty's {@code accessKeyDetails} and ASFF's {@code AwsIamAccessKey}, so both sources map a
 * principal type the same way.
 */
final class CredentialTargets {
    static final String EXFILTRATION = "InstanceCredentialExfiltration";
    private static final Pattern IAM_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    private static final Pattern INSTANCE_ID = Pattern.compile("i-([0-9a-f]{8}|[0-9a-f]{17})");
    private static final Pattern ACCESS_KEY_ID = Pattern.compile("[A-Z0-9]{16,128}");

    private CredentialTargets() {
    }

    /**
     * @param where         partition, account and region of the finding
     * @param findingType   GuardDuty type or ASFF type; decides whether a role session is an instance's
     * @param principalType IAMUser, AssumedRole, Root, FederatedUser ..., or empty when the finding omits it
     * @param principalName user name, or for AssumedRole the role name
     * @param principalId   for AssumedRole "AROA...:session-name"
     * @param accessKeyId   the key the activity used, or empty
     * @param instanceId    an instance id the finding names elsewhere (instance details), or empty
     */
    static FindingTarget of(Where where, String findingType, String principalType, String principalName,
            String principalId, String accessKeyId, String instanceId) {
        String account = where.accountId();
        switch (principalType) {
            case "IAMUser":
                if (!IAM_NAME.matcher(principalName).matches()) {
                    return new FindingTarget.Unsupported("IAM user '" + shown(principalName) + "' in " + account,
                            account, "the finding does not name the IAM user with a valid user name");
                }
                return new FindingTarget.IamUserByName(where.partition(), account, principalName);
            case "AssumedRole":
                return assumedRole(where, findingType, principalName, principalId, accessKeyId, instanceId);
            case "Root":
                return root(account);
            case "FederatedUser":
                return federatedUser(account, principalName, accessKeyId);
            case "":
                return byKeyOnly(where, principalName, accessKeyId);
            default:
                return new FindingTarget.Unsupported("credentials of a principal of type '" + shown(principalType)
                        + "' in " + account, account, "Entity Lockdown contains IAM users, role sessions and instance "
                        + "credentials; a principal of type '" + shown(principalType) + "' is none of these. Find "
                        + "the principal in CloudTrail (access key " + shown(accessKeyId) + ") and contain what issued it");
        }
    }

    private static FindingTarget assumedRole(Where where, String findingType, String roleName, String principalId,
            String accessKeyId, String instanceHint) {
        String account = where.accountId();
        if (!IAM_NAME.matcher(roleName).matches()) {
            return new FindingTarget.Unsupported("a role session in " + account, account,
                    "the finding does not name the role with a valid role name ('" + shown(roleName) + "')");
        }
        int colon = principalId.indexOf(':');
        String session = colon < 0 ? "" : principalId.substring(colon + 1);
        if (findingType.contains(EXFILTRATION)) {
            String instanceId = INSTANCE_ID.matcher(session).matches() ? session
                    : INSTANCE_ID.matcher(instanceHint).matches() ? instanceHint : "";
            if (!instanceId.isEmpty()) {
                return new FindingTarget.InstanceCredentials(where.partition(), account, where.region(), instanceId,
                        roleName);
            }
        }
        if (!SESSION_NAME.matcher(session).matches()) {
            return new FindingTarget.Refused("IAM role " + roleName + " in " + account, account,
                    "the finding names the role but not the session that was used, and containing the whole role would "
                            + "also cut off every other session of it",
                    "Find the session in CloudTrail (userIdentity.accessKeyId = " + shown(accessKeyId) + ") and contain "
                            + "it with 'lockdown contain arn:" + where.partition() + ":sts::" + account + ":assumed-role/"
                            + roleName + "/SESSION'; or, when every session must go, contain the role itself with "
                            + "'lockdown contain' and its ARN (arn:" + where.partition() + ":iam::" + account + ":role/"
                            + roleName + ", with its path if it has one)");
        }
        return new FindingTarget.RoleSession(where.partition(), account, roleName, session);
    }

    static FindingTarget.Refused root(String account) {
        return new FindingTarget.Refused("the root user of account " + account, account,
                "the finding is about the account's root user, which no IAM policy in its own account can contain",
                "Secure the root user of account " + account + " now: change its password, delete any root access keys, "
                        + "require MFA (replace the MFA device if it may be compromised) and check the account's contact "
                        + "details; review CloudTrail for what was done with root credentials; in an AWS Organizations "
                        + "member account, attach an SCP that denies actions to the root user (SCPs apply to it there), "
                        + "or use centralized root access from the management account to remove the root credentials.");
    }

    static FindingTarget.Refused federatedUser(String account, String name, String accessKeyId) {
        return new FindingTarget.Refused("federated user '" + shown(name) + "' in " + account, account,
                "the finding is about a federated user session (sts:GetFederationToken), which is not an entity "
                        + "of its own: it can do no more than the IAM user that issued it",
                "Find the issuer in CloudTrail: the GetFederationToken call that created federated user '" + shown(name)
                        + "' (access key " + shown(accessKeyId) + ") names the IAM user that called it; contain that IAM "
                        + "user with 'lockdown contain', which also cuts off the federated session. If the person came "
                        + "through your identity provider or a federation broker, disable them there and revoke their "
                        + "sessions; if the federation goes through a role, contain that role's session or the role.");
    }

    /** ASFF findings from some products give only the key: a long-term key leads to its user, a temporary one does not. */
    private static FindingTarget byKeyOnly(Where where, String name, String accessKeyId) {
        String account = where.accountId();
        if (ACCESS_KEY_ID.matcher(accessKeyId).matches() && accessKeyId.startsWith("AKIA")) {
            return new FindingTarget.AccessKeyId(where.partition(), account, accessKeyId);
        }
        if (ACCESS_KEY_ID.matcher(accessKeyId).matches() && accessKeyId.startsWith("ASIA")) {
            return new FindingTarget.Refused("temporary access key " + accessKeyId + " in " + account, account,
                    "an ASIA key is temporary (an STS session); the finding does not say whose session it is, and "
                            + "guessing could contain the wrong principal",
                    "Find the session in CloudTrail: events with userIdentity.accessKeyId = " + accessKeyId + " name the "
                            + "role and session (userIdentity.arn); contain that session with 'lockdown contain "
                            + "arn:" + where.partition() + ":sts::" + account + ":assumed-role/ROLE/SESSION', or the role.");
        }
        return new FindingTarget.Unsupported("access key " + shown(accessKeyId) + (name.isEmpty() ? "" : " of '"
                + shown(name) + "'") + " in " + account, account, "the finding gives neither the principal type nor a "
                + "long-term access key id (AKIA...), so the credentials cannot be traced to an entity");
    }

    /** Text from a finding, shown to people: bounded, no control characters. */
    static String shown(String text) {
        if (text == null || text.isEmpty()) {
            return "(none)";
        }
        StringBuilder clean = new StringBuilder();
        text.codePoints().limit(128).forEach(c -> clean.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return text.codePointCount(0, text.length()) > 128 ? clean + "..." : clean.toString();
    }

    /** Partition, account and region a finding is about. */
    record Where(String partition, String accountId, String region) {
    }
}
