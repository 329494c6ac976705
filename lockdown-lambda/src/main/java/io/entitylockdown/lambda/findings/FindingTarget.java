package io.entitylockdown.lambda.findings;

import java.util.Objects;

/**
 * What one resource of a finding asks Entity Lockdown to contain, or why it cannot.
 *
 * <p>{@link Entity} is a plain entity ARN. The four credential targets carry exactly what the finding
 * says, and the handler turns each into an entity: {@link IamUserByName} and {@link AccessKeyId} into the
 * user the engine looks up, {@link RoleSession} into that session, {@link InstanceCredentials} into the
 * session EC2 names after the instance (its credentials alone). {@link Refused} and {@link Unsupported}
 * are answers, not requests: they are audited and never retried.
 */
public sealed interface FindingTarget {

    /** One line for a person: what this target is. */
    String describe();

    /** The account the target lives in, or empty when the finding does not say. */
    String accountId();

    /**
     * An entity named by its ARN: EC2 instance, IAM user or role (path included), Lambda function.
     *
     * @param arn validated by {@link io.entitylockdown.core.EntityArn#parse(String)} when the target was made
     */
    record Entity(String arn, String accountId) implements FindingTarget {
        public Entity {
            Objects.requireNonNull(arn, "arn");
            Objects.requireNonNull(accountId, "accountId");
        }

        @Override
        public String describe() {
            return arn;
        }
    }

    /** An IAM user known only by name (GuardDuty does not give the path): the engine must look the path up. */
    record IamUserByName(String partition, String accountId, String userName) implements FindingTarget {
        public IamUserByName {
            Objects.requireNonNull(partition, "partition");
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(userName, "userName");
        }

        @Override
        public String describe() {
            return "IAM user named '" + userName + "' in " + accountId + " (path not given by the finding)";
        }
    }

    /** A long-term access key id ({@code AKIA...}): its owner is found with iam:GetAccessKeyLastUsed. */
    record AccessKeyId(String partition, String accountId, String accessKeyId) implements FindingTarget {
        public AccessKeyId {
            Objects.requireNonNull(partition, "partition");
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(accessKeyId, "accessKeyId");
        }

        @Override
        public String describe() {
            return "the IAM user owning access key " + accessKeyId + " in " + accountId;
        }
    }

    /** One session of a role: only this session is to be denied, other sessions of the role keep working. */
    record RoleSession(String partition, String accountId, String roleName, String sessionName)
            implements FindingTarget {
        public RoleSession {
            Objects.requireNonNull(partition, "partition");
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(roleName, "roleName");
            Objects.requireNonNull(sessionName, "sessionName");
        }

        /** The session's ARN, the form {@code lockdown contain} accepts for a session. */
        public String sessionArn() {
            return "arn:" + partition + ":sts::" + accountId + ":assumed-role/" + roleName + "/" + sessionName;
        }

        /** The role the session belongs to; containing it cuts every session of the role. */
        public String roleArnWithoutPath() {
            return "arn:" + partition + ":iam::" + accountId + ":role/" + roleName;
        }

        @Override
        public String describe() {
            return "session '" + sessionName + "' of IAM role " + roleName + " in " + accountId + " (" + sessionArn()
                    + ")";
        }
    }

    /**
     * The instance-profile credentials of one EC2 instance, used elsewhere: deny those credentials
     * (the instance-credentials deny on its role, conditioned on the instance's ARN) without cutting
     * the instance's network, which the finding does not implicate.
     */
    record InstanceCredentials(String partition, String accountId, String region, String instanceId, String roleName)
            implements FindingTarget {
        public InstanceCredentials {
            Objects.requireNonNull(partition, "partition");
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(instanceId, "instanceId");
            Objects.requireNonNull(roleName, "roleName");
        }

        public String instanceArn() {
            return "arn:" + partition + ":ec2:" + region + ":" + accountId + ":instance/" + instanceId;
        }

        @Override
        public String describe() {
            return "the instance-profile credentials of EC2 instance " + instanceId + " in " + accountId + "/" + region
                    + (roleName.isEmpty() ? "" : " (role " + roleName + ")");
        }
    }

    /**
     * Something Entity Lockdown must not contain by itself; a person has to act.
     *
     * @param named            what the finding named, e.g. "the root user of account 111122223333"
     * @param reason           why nothing is done automatically
     * @param whatAHumanMustDo the steps, in a responder's words
     */
    record Refused(String named, String accountId, String reason, String whatAHumanMustDo) implements FindingTarget {
        public Refused {
            Objects.requireNonNull(named, "named");
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(whatAHumanMustDo, "whatAHumanMustDo");
        }

        @Override
        public String describe() {
            return named;
        }
    }

    /**
     * A resource type or finding Entity Lockdown does not handle; audited once, never retried.
     *
     * @param named  what the finding named (its resource type and id, as far as known)
     * @param reason why, and what to do instead when there is something
     */
    record Unsupported(String named, String accountId, String reason) implements FindingTarget {
        public Unsupported {
            Objects.requireNonNull(named, "named");
            Objects.requireNonNull(accountId, "accountId");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String describe() {
            return named;
        }
    }
}
