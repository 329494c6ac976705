package io.entitylockdown.core.aws;

import java.util.Objects;
import java.util.regex.Pattern;

/** How the engine reaches an entity's account. */
public sealed interface Access {

    /** Act with the caller's own credentials in whatever account they belong to (CLI, no assume). */
    static Access callerCredentials() {
        return CallerCredentials.INSTANCE;
    }

    /** Assume {@code arn:<partition>:iam::<account>:role/<roleName>} with the deployment's ExternalId. */
    static Access memberRole(String roleName, String externalId) {
        return new MemberRole(roleName, externalId);
    }

    /** The caller's own credentials. */
    final class CallerCredentials implements Access {
        static final CallerCredentials INSTANCE = new CallerCredentials();

        private CallerCredentials() {
        }

        @Override
        public String toString() {
            return "caller credentials";
        }
    }

    /** The member role in the entity's account. The ExternalId never appears in {@link #toString()}. */
    final class MemberRole implements Access {
        public static final String DEFAULT_NAME = "EntityLockdownMemberRole";
        private static final Pattern ROLE_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
        private static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]{2,1224}");

        private final String roleName;
        private final String externalId;

        MemberRole(String roleName, String externalId) {
            Objects.requireNonNull(roleName, "roleName");
            if (!ROLE_NAME.matcher(roleName).matches()) {
                throw new IllegalArgumentException("Member role name '" + roleName
                        + "' is not a valid IAM role name (1-64 characters of letters, digits and +=,.@_-)");
            }
            if (externalId != null && !EXTERNAL_ID.matcher(externalId).matches()) {
                throw new IllegalArgumentException("The ExternalId is not valid for STS "
                        + "(2-1224 characters of letters, digits and +=,.@:/-); it is not shown here");
            }
            this.roleName = roleName;
            this.externalId = externalId;
        }

        public String roleName() {
            return roleName;
        }

        /** May be null: then AssumeRole is called without an ExternalId. Never log this. */
        public String externalId() {
            return externalId;
        }

        public String roleArn(String partition, String accountId) {
            return "arn:" + partition + ":iam::" + accountId + ":role/" + roleName;
        }

        @Override
        public String toString() {
            return "member role " + roleName + (externalId == null ? " (no ExternalId)" : " (with ExternalId)");
        }
    }
}
