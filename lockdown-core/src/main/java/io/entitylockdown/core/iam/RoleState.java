package io.entitylockdown.core.iam;

import java.util.List;
import java.util.Objects;

/**
 * What a role's containment changed, as recorded on the role.
 *
 * @param containedFor    why the role is denied: {@link #DIRECT} (the role itself was contained) and/or
 *                        the ARNs of contained Lambda functions that run as it; released only when none is left
 * @param attachedDenyAll true when containment attached AWSDenyAll (the inline quota was full) and it was not attached before
 */
public record RoleState(List<String> containedFor, boolean attachedDenyAll) {
    /** The reason recorded when the role itself was contained. */
    public static final String DIRECT = "direct";

    public RoleState {
        Objects.requireNonNull(containedFor, "containedFor");
        containedFor = List.copyOf(containedFor);
        for (String reason : containedFor) {
            if (!reason.equals(DIRECT) && !reason.matches("arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}")) {
                throw new IllegalArgumentException("'" + reason + "' is not a containment reason");
            }
        }
    }
}
