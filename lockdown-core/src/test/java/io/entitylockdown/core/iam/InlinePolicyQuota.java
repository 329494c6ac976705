package io.entitylockdown.core.iam;

import io.entitylockdown.core.ec2.CredentialDenyPolicy;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.IamException;
import software.amazon.awssdk.services.iam.model.PutRolePolicyRequest;
import software.amazon.awssdk.services.iam.model.PutUserPolicyRequest;

/**
 * IAM's aggregate size quota for inline policies, which moto does not enforce: the inline policies of
 * one user together may hold {@code userLimit} characters (2,048 on AWS), of one role {@code roleLimit}
 * (10,240), white space not counted. A PutUserPolicy / PutRolePolicy that would exceed it fails, before
 * reaching moto, with IAM's answer (HTTP 409, LimitExceeded, "Maximum policy size of ... bytes exceeded").
 */
public final class InlinePolicyQuota implements ExecutionInterceptor {
    private final IamClient readBack;
    private final int userLimit;
    private final int roleLimit;

    public InlinePolicyQuota(IamClient readBack, int userLimit, int roleLimit) {
        this.readBack = readBack;
        this.userLimit = userLimit;
        this.roleLimit = roleLimit;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof PutUserPolicyRequest put) {
            int total = CredentialDenyPolicy.quotaSize(put.policyDocument());
            for (String name : readBack.listUserPoliciesPaginator(b -> b.userName(put.userName())).policyNames()) {
                if (!name.equals(put.policyName())) {
                    total += CredentialDenyPolicy.quotaSize(ContainmentPolicy.decode(readBack.getUserPolicy(
                            b -> b.userName(put.userName()).policyName(name)).policyDocument()));
                }
            }
            if (total > userLimit) {
                throw limitExceeded(userLimit, "user " + put.userName());
            }
        }
        if (context.request() instanceof PutRolePolicyRequest put) {
            int total = CredentialDenyPolicy.quotaSize(put.policyDocument());
            for (String name : readBack.listRolePoliciesPaginator(b -> b.roleName(put.roleName())).policyNames()) {
                if (!name.equals(put.policyName())) {
                    total += CredentialDenyPolicy.quotaSize(ContainmentPolicy.decode(readBack.getRolePolicy(
                            b -> b.roleName(put.roleName()).policyName(name)).policyDocument()));
                }
            }
            if (total > roleLimit) {
                throw limitExceeded(roleLimit, "role " + put.roleName());
            }
        }
    }

    private static IamException limitExceeded(int limit, String who) {
        String message = "Maximum policy size of " + limit + " bytes exceeded for " + who;
        return (IamException) IamException.builder().statusCode(409)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("LimitExceeded").serviceName("Iam")
                        .errorMessage(message).build())
                .message(message).build();
    }
}
