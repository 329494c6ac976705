package io.entitylockdown.jarpruner;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One operation of an AWS SDK v2 service client, found from the IAM action that authorises it.
 *
 * @param service the SDK package of the service, e.g. {@code elasticloadbalancingv2}
 * @param name    the operation, e.g. {@code DescribeTargetHealth}
 */
record SdkOperation(String service, String name) {
    static final String SERVICES = "software/amazon/awssdk/services/";

    /**
     * The operation an IAM action names. IAM actions are the API's operation names under the service's IAM
     * prefix; the SDK package is the prefix itself or, when no package has that name, the one package that
     * starts with it and has the operation ({@code elasticloadbalancing} is the prefix of
     * {@code elasticloadbalancingv2}).
     *
     * @param packages the service packages in the jar
     * @param hasClass whether the jar holds a class, by internal name
     * @throws IllegalArgumentException naming the action when no SDK operation in the jar matches it
     */
    static SdkOperation of(String action, Collection<String> packages, Predicate<String> hasClass) {
        int colon = action.indexOf(':');
        if (colon <= 0 || colon == action.length() - 1) {
            throw new IllegalArgumentException("'" + action + "' is not an IAM action like ec2:DescribeInstances");
        }
        String prefix = action.substring(0, colon);
        String name = action.substring(colon + 1);
        List<String> candidates = packages.contains(prefix) ? List.of(prefix)
                : packages.stream().filter(p -> p.startsWith(prefix)).sorted().toList();
        List<String> matching = candidates.stream()
                .filter(p -> hasClass.test(SERVICES + p + "/model/" + name + "Request")).toList();
        if (matching.size() != 1) {
            throw new IllegalArgumentException("The function declares '" + action + "', but " + (matching.isEmpty()
                    ? "no AWS SDK service in the jar has that operation (looked for " + name + "Request in "
                            + (candidates.isEmpty() ? "no package named " + prefix + "*" : candidates) + ")"
                    : "several SDK services have it: " + matching)
                    + ". Fix the declared permission, or add the SDK module of that service to lockdown-lambda.");
        }
        return new SdkOperation(matching.get(0), name);
    }

    /** The classes a call of this operation needs, which the pruning starts from (nested classes follow). */
    Set<String> roots() {
        String base = SERVICES + service + "/";
        return Set.of(base + "model/" + name + "Request", base + "model/" + name + "Response",
                base + "transform/" + name + "RequestMarshaller", base + "paginators/" + name + "Iterable");
    }
}
