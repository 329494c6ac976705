package io.entitylockdown.core.aws;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every AWS operation made through the clients it is installed on, as IAM actions
 * ({@code iam:AttachUserPolicy}). The least-privilege test compares these with the member-role template.
 */
public final class CallRecorder implements ExecutionInterceptor {
    private static final Map<String, String> PREFIXES = Map.of(
            "ElasticLoadBalancingV2", "elasticloadbalancing",
            "AutoScaling", "autoscaling",
            "CloudFormation", "cloudformation");

    private final Set<String> actions = ConcurrentHashMap.newKeySet();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        if (service != null && operation != null) {
            actions.add(iamAction(service, operation));
        }
    }

    /** The IAM action for an SDK service and operation name: ("Iam", "TagRole") is "iam:TagRole". */
    public static String iamAction(String sdkServiceName, String operation) {
        String prefix = PREFIXES.getOrDefault(sdkServiceName, sdkServiceName.toLowerCase(java.util.Locale.ROOT));
        return prefix + ":" + operation;
    }

    /** Every action seen so far, sorted. */
    public Set<String> actions() {
        return Collections.unmodifiableSet(new TreeSet<>(actions));
    }

    public void clear() {
        actions.clear();
    }
}
