package io.entitylockdown.core.iam;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.InvalidArnException;
import io.entitylockdown.core.LockdownException;
import io.entitylockdown.core.UnknownEntityException;
import io.entitylockdown.core.report.AwsErrors;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.User;

/**
 * Finds the IAM user behind what a leak report or a finding gives: a long-term access key id, or a
 * user name without its path. The answer is the user's ARN with its real path, ready to be contained.
 * Read-only: nothing is changed here.
 */
public final class UserLookup {
    /** The calls of the lookups; iam:GetUser and iam:ListAccessKeys are the user strategy's too. */
    public static final Set<String> PERMISSIONS = Set.of("iam:GetAccessKeyLastUsed", "iam:GetUser", "iam:ListAccessKeys");
    /** Long-term keys of IAM users start with AKIA; temporary (STS) keys with ASIA. */
    public static final Pattern LONG_TERM_KEY = Pattern.compile("AKIA[A-Z0-9]{12,124}");
    public static final Pattern TEMPORARY_KEY = Pattern.compile("ASIA[A-Z0-9]{12,124}");
    private static final Pattern USER_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");

    private final IamClient iam;
    private final String accountId;

    /** @param iam a client acting in {@code accountId} (the member role there, or the caller's own credentials) */
    public UserLookup(IamClient iam, String accountId) {
        this.iam = iam;
        this.accountId = accountId;
    }

    /**
     * The user that owns a long-term access key: iam:GetAccessKeyLastUsed names the user, then
     * iam:GetUser (the ARN with its path) and iam:ListAccessKeys (the key is really one of this
     * user's, in this account) go out together.
     *
     * @throws UnknownEntityException when the account has no such key, or it is not an IAM user's
     * @throws LockdownException      when AWS cannot answer (access denied, throttled ...)
     */
    public EntityArn byAccessKey(String accessKeyId) {
        requireLongTermKey(accessKeyId);
        String userName;
        try {
            userName = iam.getAccessKeyLastUsed(b -> b.accessKeyId(accessKeyId)).userName();
        } catch (RuntimeException e) {
            if (AwsErrors.isNotFound(e)) {
                throw new UnknownEntityException("Access key " + accessKeyId + " is not a key of account " + accountId
                        + " (iam:GetAccessKeyLastUsed: " + AwsErrors.code(e) + "); check the key id and the account "
                        + "(--account), or leave --account out to ask STS whose key it is");
            }
            throw new LockdownException("The owner of access key " + accessKeyId + " could not be looked up in account "
                    + accountId + ": " + AwsErrors.describe(e, "iam:GetAccessKeyLastUsed") + ". Nothing was changed", e);
        }
        if (userName == null || userName.isBlank()) {
            throw new UnknownEntityException("Access key " + accessKeyId + " in account " + accountId + " belongs to no "
                    + "IAM user (the account's root user, or a key AWS does not tie to a user); secure the root user's "
                    + "credentials by hand, there is no IAM user to contain");
        }
        CompletableFuture<Boolean> owns = CompletableFuture.supplyAsync(() -> iam.listAccessKeysPaginator(
                b -> b.userName(userName)).accessKeyMetadata().stream().anyMatch(k -> accessKeyId.equals(k.accessKeyId())));
        EntityArn user;
        try {
            user = byName(userName);
        } catch (UnknownEntityException e) {
            throw notOneOf(accessKeyId, userName);
        }
        boolean owned;
        try {
            owned = owns.join();
        } catch (CompletionException e) {
            if (AwsErrors.isNotFound(e.getCause())) {
                throw notOneOf(accessKeyId, userName);
            }
            throw new LockdownException("The access keys of IAM user " + userName + " in account " + accountId
                    + " could not be listed to confirm that " + accessKeyId + " is one of them: "
                    + AwsErrors.describe(e.getCause(), "iam:ListAccessKeys") + ". Nothing was changed", e.getCause());
        }
        if (!owned) {
            throw notOneOf(accessKeyId, userName);
        }
        return user;
    }

    private UnknownEntityException notOneOf(String accessKeyId, String userName) {
        return new UnknownEntityException("Access key " + accessKeyId + " is not one of the keys of an IAM user "
                + userName + " in account " + accountId + " (IAM named that user, but the key is not among its keys "
                + "in this account: it may belong to another account, or was deleted); check the account (--account)");
    }

    /**
     * The ARN, with its path, of the user of this name.
     *
     * @throws UnknownEntityException when the account has no such user
     * @throws LockdownException      when AWS cannot answer
     */
    public EntityArn byName(String userName) {
        if (userName == null || !USER_NAME.matcher(userName).matches()) {
            throw new UnknownEntityException("'" + userName + "' is not a valid IAM user name (1-64 characters of "
                    + "letters, digits and +=,.@_-)");
        }
        User user;
        try {
            user = iam.getUser(b -> b.userName(userName)).user();
        } catch (RuntimeException e) {
            if (AwsErrors.isNotFound(e)) {
                throw new UnknownEntityException("There is no IAM user named " + userName + " in account " + accountId);
            }
            throw new LockdownException("IAM user " + userName + " could not be looked up in account " + accountId + ": "
                    + AwsErrors.describe(e, "iam:GetUser") + ". Nothing was changed", e);
        }
        try {
            EntityArn arn = EntityArn.parse(user.arn());
            if (!arn.accountId().equals(accountId)) {
                throw new UnknownEntityException("IAM answered with user " + user.arn() + ", which is not in account "
                        + accountId + "; nothing is contained on that answer");
            }
            return arn;
        } catch (InvalidArnException e) {
            throw new LockdownException("IAM answered with an ARN Entity Lockdown cannot use for user " + userName + ": "
                    + e.reason(), e);
        }
    }

    /**
     * Refuses what is not a long-term key, before any request: a temporary key (ASIA...) has no user behind
     * it to find with IAM, and anything else is not an access key id.
     *
     * @throws UnknownEntityException with what to do instead
     */
    public static void requireLongTermKey(String accessKeyId) {
        if (accessKeyId != null && TEMPORARY_KEY.matcher(accessKeyId).matches()) {
            throw new UnknownEntityException(temporaryKeyExplanation(accessKeyId));
        }
        if (accessKeyId == null || !LONG_TERM_KEY.matcher(accessKeyId).matches()) {
            throw new UnknownEntityException("'" + accessKeyId + "' is not a long-term access key id (AKIA followed by "
                    + "at least 12 upper-case letters and digits)");
        }
    }

    /** What to do with a temporary key: find its session in CloudTrail and contain that session. */
    public static String temporaryKeyExplanation(String accessKeyId) {
        return accessKeyId + " is a temporary access key (ASIA...): it belongs to an STS session, not to an IAM user, "
                + "and IAM cannot tell whose it is. Find the session in CloudTrail: the AssumeRole event whose "
                + "responseElements.credentials.accessKeyId is " + accessKeyId + " names the role and the session "
                + "(or search events with userIdentity.accessKeyId = " + accessKeyId + " and read userIdentity.arn); "
                + "then contain that session: lockdown contain arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION "
                + "(or the whole role, or for GetSessionToken keys the IAM user who called it)";
    }
}
