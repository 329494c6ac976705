package io.entitylockdown.cli;

import io.entitylockdown.core.iam.ContainmentPolicy;
import java.util.Optional;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;

/** What the lockdown's own inline policy says on a user or role, read directly from IAM. */
final class Denial {
    private Denial() {
    }

    /** The user's containment policy, when it is exactly the lockdown's document. */
    static Optional<ContainmentPolicy.Form> ofUser(IamClient iam, String name) {
        try {
            String arn = iam.getUser(b -> b.userName(name)).user().arn();
            return ContainmentPolicy.parse(iam.getUserPolicy(b -> b.userName(name).policyName(ContainmentPolicy.NAME))
                    .policyDocument(), arn);
        } catch (NoSuchEntityException e) {
            return Optional.empty();
        }
    }

    /** The role's containment policy, when it is exactly the lockdown's document. */
    static Optional<ContainmentPolicy.Form> ofRole(IamClient iam, String name) {
        try {
            String arn = iam.getRole(b -> b.roleName(name)).role().arn();
            return ContainmentPolicy.parse(iam.getRolePolicy(b -> b.roleName(name).policyName(ContainmentPolicy.NAME))
                    .policyDocument(), arn);
        } catch (NoSuchEntityException e) {
            return Optional.empty();
        }
    }

    static boolean userDenied(IamClient iam, String name) {
        return ofUser(iam, name).map(ContainmentPolicy.Form::denyAll).orElse(false);
    }

    static boolean roleDenied(IamClient iam, String name) {
        return ofRole(iam, name).map(ContainmentPolicy.Form::denyAll).orElse(false);
    }
}
