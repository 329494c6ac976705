package io.entitylockdown.core.aws;

import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * A credentials provider that clients keep for their whole life while the provider behind it can be
 * thrown away and built again ({@link #forget()}): after a SnapStart restore every copy of the
 * function must get credentials of its own instead of the ones cached in the snapshot, without
 * rebuilding its clients. Nothing is resolved until the first {@link #resolveCredentials()}.
 */
final class RenewableCredentials implements AwsCredentialsProvider, AutoCloseable {
    private final Supplier<AwsCredentialsProvider> factory;
    private final String description;
    private volatile AwsCredentialsProvider current;

    RenewableCredentials(Supplier<AwsCredentialsProvider> factory, String description) {
        this.factory = factory;
        this.description = description;
    }

    @Override
    public AwsCredentials resolveCredentials() {
        return provider().resolveCredentials();
    }

    private AwsCredentialsProvider provider() {
        AwsCredentialsProvider provider = current;
        if (provider == null) {
            synchronized (this) {
                provider = current;
                if (provider == null) {
                    provider = factory.get();
                    current = provider;
                }
            }
        }
        return provider;
    }

    /** Drops the provider and whatever it cached; the next resolve builds a new one. */
    void forget() {
        AwsCredentialsProvider old;
        synchronized (this) {
            old = current;
            current = null;
        }
        closeQuietly(old);
    }

    @Override
    public void close() {
        forget();
    }

    private static void closeQuietly(AwsCredentialsProvider provider) {
        if (provider instanceof SdkAutoCloseable closeable) {
            closeable.close();
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
