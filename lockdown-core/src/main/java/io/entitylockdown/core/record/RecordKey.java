package io.entitylockdown.core.record;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that authenticates the records Entity Lockdown writes on entities. It is derived from the
 * deployment secret (the ExternalId) with HMAC-SHA256 and a fixed context, so the function and a
 * responder's CLI holding the same secret derive the same key, while the key itself is never the
 * secret and never authenticates anything else (phase-2 messages use another context).
 *
 * <p>Whoever can write tags on an entity cannot make a record this key accepts without the secret.
 */
public final class RecordKey {
    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] CONTEXT = "entity-lockdown record v2".getBytes(StandardCharsets.UTF_8);

    private final SecretKeySpec key;

    private RecordKey(byte[] derived) {
        this.key = new SecretKeySpec(derived, ALGORITHM);
    }

    /** The record key of the deployment whose secret this is. */
    public static RecordKey fromSecret(String secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.isBlank()) {
            throw new IllegalArgumentException("The deployment secret is empty; records cannot be authenticated");
        }
        return new RecordKey(hmac(new SecretKeySpec(secret.strip().getBytes(StandardCharsets.UTF_8), ALGORITHM), CONTEXT));
    }

    /** base64url (no padding) of HMAC-SHA256 over the UTF-8 bytes of {@code text}. */
    public String sign(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(key, text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Constant-time check of a signature made by {@link #sign(String)}. */
    public boolean verify(String text, String signature) {
        if (text == null || signature == null) {
            return false;
        }
        return MessageDigest.isEqual(sign(text).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "RecordKey(hidden)";
    }
}
