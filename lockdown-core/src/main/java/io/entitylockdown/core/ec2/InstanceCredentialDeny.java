package io.entitylockdown.core.ec2;

import io.entitylockdown.core.LockdownException;
import io.entitylockdown.core.report.AwsErrors;
import io.entitylockdown.core.report.StepOutcome;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.Role;

/**
 * Kills the instance-profile credentials of contained instances, and only theirs: one inline policy
 * per role ({@value CredentialDenyPolicy#POLICY_NAME}) lists every contained instance of that role.
 *
 * <p>Two containments of instances sharing a role may update the policy at the same moment, and the
 * later write would drop the earlier one's instance. Each update is therefore read back, and written
 * again until it holds this instance (other writers do the same for theirs).
 */
final class InstanceCredentialDeny {
    private static final int ATTEMPTS = 5;

    private final IamClient iam;

    InstanceCredentialDeny(IamClient iam) {
        this.iam = iam;
    }

    /** The roles of an instance profile, from its ARN ({@code ...:instance-profile/path/name}). */
    List<Role> roles(String instanceProfileArn) {
        String name = instanceProfileArn.substring(instanceProfileArn.lastIndexOf('/') + 1);
        return iam.getInstanceProfile(b -> b.instanceProfileName(name)).instanceProfile().roles();
    }

    /** The instance ARNs the role's lockdown policy lists now; empty when it has none. */
    Set<String> listed(String roleName) {
        try {
            String document = iam.getRolePolicy(b -> b.roleName(roleName).policyName(CredentialDenyPolicy.POLICY_NAME))
                    .policyDocument();
            return CredentialDenyPolicy.instanceArns(document);
        } catch (AwsServiceException e) {
            if (AwsErrors.code(e).equals("NoSuchEntity")) {
                return Set.of();
            }
            throw e;
        }
    }

    StepOutcome deny(String roleName, String instanceArn, boolean dryRun) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Set<String> arns = new TreeSet<>(listed(roleName));
            if (arns.contains(instanceArn)) {
                return attempt == 1
                        ? StepOutcome.already(CredentialDenyPolicy.POLICY_NAME + " on role " + roleName
                                + " already denies this instance's credentials")
                        : StepOutcome.done(CredentialDenyPolicy.POLICY_NAME + " on role " + roleName
                                + " denies this instance's credentials (" + arns.size() + " contained instance(s) listed)");
            }
            if (dryRun) {
                return StepOutcome.wouldDo("add this instance to " + CredentialDenyPolicy.POLICY_NAME + " on role "
                        + roleName + " (deny everything where ec2:SourceInstanceARN is this instance)");
            }
            arns.add(instanceArn);
            String document = CredentialDenyPolicy.document(arns);
            checkQuota(roleName, document, arns.size());
            iam.putRolePolicy(b -> b.roleName(roleName).policyName(CredentialDenyPolicy.POLICY_NAME)
                    .policyDocument(document));
        }
        throw new LockdownException("The policy " + CredentialDenyPolicy.POLICY_NAME + " on role " + roleName
                + " kept changing under concurrent containments; run the containment again");
    }

    StepOutcome allow(String roleName, String instanceArn, boolean dryRun) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Set<String> arns = new TreeSet<>(listed(roleName));
            if (!arns.contains(instanceArn)) {
                return attempt == 1
                        ? StepOutcome.already("role " + roleName + "'s " + CredentialDenyPolicy.POLICY_NAME
                                + " does not list this instance")
                        : StepOutcome.done(removedDetail(roleName, arns));
            }
            arns.remove(instanceArn);
            if (dryRun) {
                return StepOutcome.wouldDo(arns.isEmpty()
                        ? "delete " + CredentialDenyPolicy.POLICY_NAME + " from role " + roleName
                        : "remove this instance from " + CredentialDenyPolicy.POLICY_NAME + " on role " + roleName);
            }
            if (arns.isEmpty()) {
                try {
                    iam.deleteRolePolicy(b -> b.roleName(roleName).policyName(CredentialDenyPolicy.POLICY_NAME));
                } catch (AwsServiceException e) {
                    if (!AwsErrors.code(e).equals("NoSuchEntity")) {
                        throw e;
                    }
                }
            } else {
                String document = CredentialDenyPolicy.document(arns);
                iam.putRolePolicy(b -> b.roleName(roleName).policyName(CredentialDenyPolicy.POLICY_NAME)
                        .policyDocument(document));
            }
        }
        throw new LockdownException("The policy " + CredentialDenyPolicy.POLICY_NAME + " on role " + roleName
                + " kept changing under concurrent releases; run the release again");
    }

    private static String removedDetail(String roleName, Set<String> left) {
        return left.isEmpty()
                ? "deleted " + CredentialDenyPolicy.POLICY_NAME + " from role " + roleName + " (no contained instance left)"
                : "removed this instance from " + CredentialDenyPolicy.POLICY_NAME + " on role " + roleName + " ("
                        + left.size() + " contained instance(s) still listed)";
    }

    /** IAM would refuse the write with LimitExceeded; say why and what to do before sending it. */
    private void checkQuota(String roleName, String document, int instances) {
        int total = CredentialDenyPolicy.quotaSize(document);
        for (String name : iam.listRolePoliciesPaginator(b -> b.roleName(roleName)).policyNames()) {
            if (!name.equals(CredentialDenyPolicy.POLICY_NAME)) {
                total += CredentialDenyPolicy.quotaSize(java.net.URLDecoder.decode(
                        iam.getRolePolicy(b -> b.roleName(roleName).policyName(name)).policyDocument(),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        if (total > CredentialDenyPolicy.ROLE_INLINE_LIMIT) {
            throw new LockdownException("Role " + roleName + " has reached IAM's inline policy size limit: with this "
                    + "instance its inline policies would total " + total + " characters (limit "
                    + CredentialDenyPolicy.ROLE_INLINE_LIMIT + ", " + instances + " contained instances listed). "
                    + "This instance's credentials are NOT denied. Release contained instances that are no longer "
                    + "needed, or remove the instance profile from this instance "
                    + "(aws ec2 disassociate-iam-instance-profile) and deny the role as a whole if it can go");
        }
    }
}
