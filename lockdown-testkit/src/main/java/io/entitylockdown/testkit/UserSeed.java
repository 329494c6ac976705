package io.entitylockdown.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;
import software.amazon.awssdk.services.iam.model.CreateUserRequest;
import software.amazon.awssdk.services.iam.model.StatusType;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * An IAM user to create, with what it should carry. Makes only the requests its options ask for: one for
 * the user with its tags, one per policy, one per active key and two per inactive key (created, then
 * switched off); tests on a moto that enforces IAM after a counted number of requests rely on it.
 */
public final class UserSeed {
    static final String READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    static final String OWN_INLINE = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
            + "\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}";

    private final IamClient iam;
    private final String name;
    private String path = "/";
    private final Map<String, String> tags = new LinkedHashMap<>();
    private final List<String> managed = new ArrayList<>();
    private final Map<String, String> inline = new LinkedHashMap<>();
    private final List<Boolean> keys = new ArrayList<>();

    UserSeed(IamClient iam, String name) {
        this.iam = iam;
        this.name = name;
    }

    public UserSeed path(String value) {
        this.path = value;
        return this;
    }

    public UserSeed tag(String key, String value) {
        tags.put(key, value);
        return this;
    }

    public UserSeed managedPolicy(String arn) {
        managed.add(arn);
        return this;
    }

    public UserSeed inlinePolicy(String policyName, String document) {
        inline.put(policyName, document);
        return this;
    }

    public UserSeed activeKey() {
        keys.add(true);
        return this;
    }

    public UserSeed inactiveKey() {
        keys.add(false);
        return this;
    }

    /**
     * Every kind of state a user's containment touches or must leave alone: a tag ({@code team=payments}),
     * ReadOnlyAccess attached, an inline policy of its own ({@code own-inline}), one active and one
     * inactive access key.
     */
    public UserSeed typical() {
        return tag("team", "payments").managedPolicy(READ_ONLY).inlinePolicy("own-inline", OWN_INLINE).activeKey()
                .inactiveKey();
    }

    public SeededUser create() {
        CreateUserRequest.Builder request = CreateUserRequest.builder().path(path).userName(name);
        if (!tags.isEmpty()) {
            request.tags(tags.entrySet().stream().map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build())
                    .toList());
        }
        String arn = iam.createUser(request.build()).user().arn();
        managed.forEach(policy -> iam.attachUserPolicy(b -> b.userName(name).policyArn(policy)));
        inline.forEach((policyName, document) -> iam.putUserPolicy(b -> b.userName(name).policyName(policyName)
                .policyDocument(document)));
        List<SeededUser.Key> made = new ArrayList<>();
        for (boolean active : keys) {
            AccessKey key = iam.createAccessKey(b -> b.userName(name)).accessKey();
            if (!active) {
                iam.updateAccessKey(b -> b.userName(name).accessKeyId(key.accessKeyId()).status(StatusType.INACTIVE));
            }
            made.add(new SeededUser.Key(key.accessKeyId(), key.secretAccessKey(), active));
        }
        return new SeededUser(name, arn, List.copyOf(made));
    }
}
