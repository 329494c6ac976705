package io.entitylockdown.core.iam;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachUserPolicyRequest;
import software.amazon.awssdk.services.iam.model.IamException;

/**
 * IAM's quota of managed policies per user, which moto does not enforce: an AttachUserPolicy on a user
 * that already has {@code quota} attached fails, before reaching moto, with the error IAM returns
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
        if (context.request() instanceof AttachUserPolicyRequest attach) {
            int attached = readBack.listAttachedUserPolicies(b -> b.userName(attach.userName())).attachedPolicies().size();
            if (attached >= quota) {
                throw IamException.builder().statusCode(409)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("LimitExceeded").serviceName("Iam")
                                .errorMessage("Cannot exceed quota for PoliciesPerUser: " + quota).build())
                        .message("Cannot exceed quota for PoliciesPerUser: " + quota).build();
            }
        }
    }
}
