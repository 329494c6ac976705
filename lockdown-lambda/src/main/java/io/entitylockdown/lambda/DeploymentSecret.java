package io.entitylockdown.lambda;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The deployment's ExternalId: it authenticates lockdown messages and signs phase-2 messages.
 *
 * <p>It is compared in constant time, so the time a rejection takes says nothing about how much of
 * a guess was right, and it never appears in {@link #toString()}, logs or audit messages.
 */
public final class DeploymentSecret {
    /** Domain separation: a phase-2 signature can never be mistaken for any other use of the key. */
    private static final byte[] PHASE2_CONTEXT = "entity-lockdown phase-2 v1".getBytes(StandardCharsets.UTF_8);

    private final byte[] secret;
    private final SecretKeySpec signingKey;

    private DeploymentSecret(String value) {
        this.secret = value.getBytes(StandardCharsets.UTF_8);
        this.signingKey = new SecretKeySpec(deriveKey(secret), "HmacSHA256");
    }

    /** Null when the value is missing or blank: then every message is rejected. */
    static DeploymentSecret ofNullable(String value) {
        return value == null || value.isBlank() ? null : new DeploymentSecret(value.strip());
    }

    /** The raw value, for the member role's sts:ExternalId only. */
    String value() {
        return new String(secret, StandardCharsets.UTF_8);
    }

    /** Constant-time comparison with what a message presented. */
    boolean matches(String presented) {
        if (presented == null) {
            return false;
        }
        return MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
    }

    /** HMAC-SHA256 of the text, base64url, with a key derived from the ExternalId (never the secret itself). */
    String sign(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(signingKey);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    /** Constant-time check of a signature made by {@link #sign(String)}. */
    boolean verify(String text, String signature) {
        if (signature == null) {
            return false;
        }
        return MessageDigest.isEqual(sign(text).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] deriveKey(byte[] secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(PHASE2_CONTEXT);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "ExternalId(hidden)";
    }
}
