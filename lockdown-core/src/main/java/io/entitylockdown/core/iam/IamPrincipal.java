package io.entitylockdown.core.iam;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.EntityMismatchException;
import io.entitylockdown.core.EntityType;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * An IAM user or role, seen through the calls containment needs. Users and roles have parallel APIs
 * (AttachUserPolicy / AttachRolePolicy ...); this keeps the containment logic written once.
 */
public final class IamPrincipal implements TaggedEntity {
    private final IamClient iam;
    private final boolean user;
    private final String name;
    private final String arn;

    private IamPrincipal(IamClient iam, boolean user, String name, String arn) {
        this.iam = iam;
        this.user = user;
        this.name = name;
        this.arn = arn;
    }

    /** The user or role an ARN names, reached through this client. */
    public static IamPrincipal of(EntityArn entity, IamClient iam) {
        if (entity.type() != EntityType.IAM_USER && entity.type() != EntityType.IAM_ROLE) {
            throw new IllegalArgumentException(entity.label() + " is not an IAM user or role");
        }
        return new IamPrincipal(iam, entity.type() == EntityType.IAM_USER, entity.name(), entity.arn());
    }

    public String name() {
        return name;
    }

    public String arn() {
        return arn;
    }

    public boolean isUser() {
        return user;
    }

    /** "user alice" / "role deployer", for report details. */
    public String describe() {
        return (user ? "user " : "role ") + name;
    }

    /** The IAM action for a user/role operation: call("Attach", "Policy") is iam:AttachUserPolicy or iam:AttachRolePolicy. */
    public String call(String verb, String suffix) {
        return "iam:" + verb + (user ? "User" : "Role") + suffix;
    }

    /**
     * Throws {@link NoSuchEntityException} when the principal does not exist, and
     * {@link EntityMismatchException} when it exists under another ARN (IAM finds users and roles by
     * name alone, whatever path the ARN gives; the guardrails judged the ARN as given).
     */
    public void requireExists() {
        String actual = user ? iam.getUser(b -> b.userName(name)).user().arn()
                : iam.getRole(b -> b.roleName(name)).role().arn();
        if (!arn.equals(actual)) {
            throw new EntityMismatchException(arn, actual);
        }
    }

    @Override
    public Map<String, String> tags() {
        List<Tag> tags = user
                ? iam.listUserTagsPaginator(b -> b.userName(name)).tags().stream().toList()
                : iam.listRoleTagsPaginator(b -> b.roleName(name)).tags().stream().toList();
        Map<String, String> map = new LinkedHashMap<>();
        tags.forEach(t -> map.put(t.key(), t.value()));
        return map;
    }

    @Override
    public void tag(Map<String, String> tags) {
        List<Tag> list = tags.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
                .toList();
        if (user) {
            iam.tagUser(b -> b.userName(name).tags(list));
        } else {
            iam.tagRole(b -> b.roleName(name).tags(list));
        }
    }

    @Override
    public void untag(Collection<String> keys) {
        if (user) {
            iam.untagUser(b -> b.userName(name).tagKeys(keys));
        } else {
            iam.untagRole(b -> b.roleName(name).tagKeys(keys));
        }
    }

    @Override
    public String tagCall() {
        return call("Tag", "");
    }

    @Override
    public String untagCall() {
        return call("Untag", "");
    }

    /** ARNs of the managed policies attached now. */
    public Set<String> attachedPolicies() {
        List<AttachedPolicy> attached = user
                ? iam.listAttachedUserPoliciesPaginator(b -> b.userName(name)).attachedPolicies().stream().toList()
                : iam.listAttachedRolePoliciesPaginator(b -> b.roleName(name)).attachedPolicies().stream().toList();
        Set<String> arns = new TreeSet<>();
        attached.forEach(p -> arns.add(p.policyArn()));
        return arns;
    }

    public void attach(String policyArn) {
        if (user) {
            iam.attachUserPolicy(b -> b.userName(name).policyArn(policyArn));
        } else {
            iam.attachRolePolicy(b -> b.roleName(name).policyArn(policyArn));
        }
    }

    public void detach(String policyArn) {
        if (user) {
            iam.detachUserPolicy(b -> b.userName(name).policyArn(policyArn));
        } else {
            iam.detachRolePolicy(b -> b.roleName(name).policyArn(policyArn));
        }
    }

    /** The decoded document of an inline policy, or empty when there is none of that name. */
    public Optional<String> inlinePolicy(String policyName) {
        try {
            String document = user
                    ? iam.getUserPolicy(b -> b.userName(name).policyName(policyName)).policyDocument()
                    : iam.getRolePolicy(b -> b.roleName(name).policyName(policyName)).policyDocument();
            return Optional.of(DenyPolicies.decode(document));
        } catch (NoSuchEntityException e) {
            return Optional.empty();
        }
    }

    public void putInline(String policyName, String document) {
        if (user) {
            iam.putUserPolicy(b -> b.userName(name).policyName(policyName).policyDocument(document));
        } else {
            iam.putRolePolicy(b -> b.roleName(name).policyName(policyName).policyDocument(document));
        }
    }

    public void deleteInline(String policyName) {
        if (user) {
            iam.deleteUserPolicy(b -> b.userName(name).policyName(policyName));
        } else {
            iam.deleteRolePolicy(b -> b.roleName(name).policyName(policyName));
        }
    }
}
