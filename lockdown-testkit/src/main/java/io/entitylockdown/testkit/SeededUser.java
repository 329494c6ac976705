package io.entitylockdown.testkit;

import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * An IAM user the estate made.
 *
 * @param keys its access keys in the order they were made
 */
public record SeededUser(String name, String arn, List<Key> keys) {

    /** An access key as it was made, with its secret (for a test that signs with it). */
    public record Key(String id, String secret, boolean active) {
        public AwsCredentialsProvider credentials() {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret));
        }
    }

    /** The first key made active. */
    public Key activeKey() {
        return keys.stream().filter(Key::active).findFirst()
                .orElseThrow(() -> new IllegalStateException("user " + name + " was made without an active key"));
    }
}
