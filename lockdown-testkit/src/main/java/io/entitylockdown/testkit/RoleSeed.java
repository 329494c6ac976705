package io.entitylockdown.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.CreateRoleRequest;
import software.amazon.awssdk.services.iam.model.Tag;

/** An IAM role to create, with what it should carry; no request but those its options ask for. */
public final class RoleSeed {
    private final IamClient iam;
    private final String name;
    private String path = "/";
    private String trust;
    private final Map<String, String> tags = new LinkedHashMap<>();
    private final List<String> managed = new ArrayList<>();
    private final Map<String, String> inline = new LinkedHashMap<>();
    private boolean instanceProfile;
    private String profileName;

    RoleSeed(IamClient iam, String name) {
        this.iam = iam;
        this.name = name;
    }

    /** The trust policy of a role an AWS service assumes ({@code lambda.amazonaws.com} unless told). */
    public static String trustService(String service) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\""
                + service + "\"},\"Action\":\"sts:AssumeRole\"}]}";
    }

    public RoleSeed path(String value) {
        this.path = value;
        return this;
    }

    /** Trusted by this AWS service (default: Lambda; an instance profile's role: EC2). */
    public RoleSeed trustedBy(String service) {
        this.trust = trustService(service);
        return this;
    }

    public RoleSeed trustPolicy(String document) {
        this.trust = document;
        return this;
    }

    public RoleSeed tag(String key, String value) {
        tags.put(key, value);
        return this;
    }

    public RoleSeed managedPolicy(String arn) {
        managed.add(arn);
        return this;
    }

    public RoleSeed inlinePolicy(String policyName, String document) {
        inline.put(policyName, document);
        return this;
    }

    /** Also an instance profile of the same name holding the role, as EC2 delivers it to instances. */
    public RoleSeed instanceProfile() {
        return instanceProfile(name);
    }

    /** Also an instance profile holding the role, under a name of its own (as the console's profiles often are). */
    public RoleSeed instanceProfile(String profile) {
        this.instanceProfile = true;
        this.profileName = profile;
        return this;
    }

    /** A tag ({@code owner=platform}) and ReadOnlyAccess attached: what a role's containment must leave as it was. */
    public RoleSeed typical() {
        return tag("owner", "platform").managedPolicy(UserSeed.READ_ONLY);
    }

    /** Creates the role (and its instance profile); returns the role's ARN. */
    public String create() {
        String document = trust != null ? trust : trustService(instanceProfile ? "ec2.amazonaws.com" : "lambda.amazonaws.com");
        CreateRoleRequest.Builder request = CreateRoleRequest.builder().path(path).roleName(name)
                .assumeRolePolicyDocument(document);
        if (!tags.isEmpty()) {
            request.tags(tags.entrySet().stream().map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build())
                    .toList());
        }
        String arn = iam.createRole(request.build()).role().arn();
        managed.forEach(policy -> iam.attachRolePolicy(b -> b.roleName(name).policyArn(policy)));
        inline.forEach((policyName, policy) -> iam.putRolePolicy(b -> b.roleName(name).policyName(policyName)
                .policyDocument(policy)));
        if (instanceProfile) {
            iam.createInstanceProfile(b -> b.instanceProfileName(profileName));
            iam.addRoleToInstanceProfile(b -> b.instanceProfileName(profileName).roleName(name));
        }
        return arn;
    }
}
