package io.entitylockdown.core.aws;

/**
 * The size of the JDK's keep-alive pool, which the SDK's URL-connection HTTP client uses. The JDK keeps
 * at most {@code http.maxConnections} idle connections per host (5 unless set); with more workers than
 * that calling one endpoint (IAM is one host for every account), every answer beyond the fifth closes
 * its connection and the next request opens a new one, with a new TLS handshake on AWS.
 *
 * <p>The JDK reads the property once, when it first returns a connection to the pool, so this must run
 * before any HTTP request of the process; {@link ClientFactory} calls it when it is loaded. A value
 * the user set on the command line ({@code -Dhttp.maxConnections=N}) is kept.
 */
public final class HttpConnectionPool {
    /** Idle connections kept per host: above the CLI's largest {@code --parallel} (32), with room for STS and SNS. */
    public static final int PER_HOST = 64;
    private static final String PROPERTY = "http.maxConnections";

    private HttpConnectionPool() {
    }

    /** Sets {@code http.maxConnections} to {@link #PER_HOST} unless it is already set. Idempotent. */
    public static void configure() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, Integer.toString(PER_HOST));
        }
    }
}
