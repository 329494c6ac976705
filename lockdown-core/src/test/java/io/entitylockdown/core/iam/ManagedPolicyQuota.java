package io.entitylockdown.core.iam;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachRolePolicyRequest;
import software.amazon.awssdk.services.iam.model.AttachUserPolicyRequest;
import software.amazon.awssdk.services.iam.model.IamException;

/**
 * IAM's quota of managed policies per user and per role, which moto does not enforce: an AttachUserPolicy
 * (AttachRolePolicy) on a user (role) that already has {@code quota} attached fails, before reaching moto, with the error IAM returns
 * (HTTP 409, code LimitExceeded, "Cannot exceed quota for PoliciesPerUser: 10").
 */
final class ManagedPolicyQuota implements ExecutionInterceptor {
    private final IamClient readBack;
    private final int quota;

    ManagedPolicyQuota(IamClient readBack, int quota) {
        this.readBack = readBack;
        this.quota = quota;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (context.request() instanceof AttachUserPolicyRequest attach
                && readBack.listAttachedUserPolicies(b -> b.userName(attach.userName())).attachedPolicies().size() >= quota) {
            throw limitExceeded("PoliciesPerUser");
        }
        if (context.request() instanceof AttachRolePolicyRequest attach
                && readBack.listAttachedRolePolicies(b -> b.roleName(attach.roleName())).attachedPolicies().size() >= quota) {
            throw limitExceeded("PoliciesPerRole");
        }
    }

    private IamException limitExceeded(String what) {
        String message = "Cannot exceed quota for " + what + ": " + quota;
        return (IamException) IamException.builder().statusCode(409)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("LimitExceeded").serviceName("Iam")
                        .errorMessage(message).build())
                .message(message).build();
    }
}
