package io.entitylockdown.core.aws;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Tells a waiting thread that a request is on its way to AWS. The first containing write of a
 * containment is sent before anything else; the reads that run alongside it start the moment it is
 * being transmitted, not a round trip later, and never before it.
 *
 * <p>Attach a signal to a request with {@link #attach}; every client the engine builds carries the
 * {@link #INTERCEPTOR} that fires it just before transmission. {@link #release()} must also be called
 * when the call ends, so that a call that failed before transmission does not leave waiters hanging.
 */
public final class SendSignal {
    static final ExecutionAttribute<Runnable> ON_TRANSMIT = new ExecutionAttribute<>("EntityLockdown.onTransmit");

    /** Fires the signal of a request, if it has one, just before each transmission attempt. */
    public static final ExecutionInterceptor INTERCEPTOR = new ExecutionInterceptor() {
        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            Runnable signal = attributes.getAttribute(ON_TRANSMIT);
            if (signal != null) {
                signal.run();
            }
        }
    };

    /** Waiting longer than this means something is badly wrong; the reads then go ahead anyway. */
    private static final long MAX_WAIT_SECONDS = 30;

    private final CountDownLatch sent = new CountDownLatch(1);

    /** For {@code request.overrideConfiguration(signal::attach)}. */
    public void attach(AwsRequestOverrideConfiguration.Builder override) {
        override.putExecutionAttribute(ON_TRANSMIT, sent::countDown);
    }

    /** The call ended (sent or not): nobody needs to wait any more. */
    public void release() {
        sent.countDown();
    }

    /** Waits until the request is being transmitted or its call ended. */
    public void awaitSent() {
        try {
            sent.await(MAX_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
