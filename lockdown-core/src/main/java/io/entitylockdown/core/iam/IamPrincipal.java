package io.entitylockdown.core.iam;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.EntityType;
import io.entitylockdown.core.record.TaggedEntity;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AttachedPolicy;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * An IAM user or role, seen through the calls containment needs. Users and roles have parallel APIs
 * (PutUserPolicy / PutRolePolicy ...); this keeps the containment logic written once.
 */
public final class IamPrincipal implements TaggedEntity {
    private final IamClient iam;
    private final boolean user;
    private final String name;
    private final String arn;

    /**
     * What IAM says about the principal now.
     *
     * @param arn  its ARN, with its real path
     * @param tags every tag (GetUser and GetRole return them)
     */
    public record Facts(String arn, Map<String, String> tags) {
    }

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

    /** The ARN as given (the guardrails judged this one). */
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

    /** The IAM action for a user/role operation: call("Put", "Policy") is iam:PutUserPolicy or iam:PutRolePolicy. */
    public String call(String verb, String suffix) {
        return "iam:" + verb + (user ? "User" : "Role") + suffix;
    }

    /** GetUser / GetRole: the real ARN and every tag. Throws NoSuchEntityException when missing. */
    public Facts lookup() {
        if (user) {
            var found = iam.getUser(b -> b.userName(name)).user();
            return new Facts(found.arn(), map(found.tags()));
        }
        var found = iam.getRole(b -> b.roleName(name)).role();
        return new Facts(found.arn(), map(found.tags()));
    }

    private static Map<String, String> map(List<Tag> tags) {
        Map<String, String> map = new LinkedHashMap<>();
        tags.forEach(t -> map.put(t.key(), t.value()));
        return map;
    }

    /** Every tag, read on its own (ListUserTags / ListRoleTags are not needed: lookup() returns tags). */
    @Override
    public Map<String, String> tags() {
        return lookup().tags();
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
            return Optional.of(ContainmentPolicy.decode(document));
        } catch (NoSuchEntityException e) {
            return Optional.empty();
        }
    }

    public void putInline(String policyName, String document) {
        putInline(policyName, document, o -> { });
    }

    /** Puts an inline policy; {@code override} may attach a send signal (the first write of a containment). */
    public void putInline(String policyName, String document, Consumer<AwsRequestOverrideConfiguration.Builder> override) {
        if (user) {
            iam.putUserPolicy(b -> b.userName(name).policyName(policyName).policyDocument(document)
                    .overrideConfiguration(override));
        } else {
            iam.putRolePolicy(b -> b.roleName(name).policyName(policyName).policyDocument(document)
                    .overrideConfiguration(override));
        }
    }

    public void deleteInline(String policyName) {
        try {
            if (user) {
                iam.deleteUserPolicy(b -> b.userName(name).policyName(policyName));
            } else {
                iam.deleteRolePolicy(b -> b.roleName(name).policyName(policyName));
            }
        } catch (NoSuchEntityException e) {
            // already gone: what deleting wanted
        }
    }
}
