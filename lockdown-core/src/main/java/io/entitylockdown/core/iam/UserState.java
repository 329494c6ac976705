package io.entitylockdown.core.iam;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a user's containment changed, as recorded on the user.
 *
 * @param deactivatedKeys the access keys that were active and that containment switched off
 * @param attachedDenyAll true when containment attached AWSDenyAll (the inline quota was full) and it was not attached before
 */
public record UserState(List<String> deactivatedKeys, boolean attachedDenyAll) {
    private static final Pattern KEY_ID = Pattern.compile("[A-Z0-9]{16,128}");

    public UserState {
        Objects.requireNonNull(deactivatedKeys, "deactivatedKeys");
        deactivatedKeys = List.copyOf(deactivatedKeys);
        for (String key : deactivatedKeys) {
            if (!KEY_ID.matcher(key).matches()) {
                throw new IllegalArgumentException("'" + key + "' is not an access key id");
            }
        }
    }
}
