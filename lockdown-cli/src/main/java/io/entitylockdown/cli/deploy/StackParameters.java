package io.entitylockdown.cli.deploy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The parameters of {@code deploy/lockdown.yaml} and {@code deploy/lockdown-member-role.yaml}, checked
 * before anything is uploaded or created.
 */
public final class StackParameters {
    static final String EXTERNAL_ID = "ExternalId";
    private static final Pattern EXTERNAL_ID_CHARS = Pattern.compile("[\\w+=,.@:/-]{16,1224}");
    private static final Pattern PRINCIPAL = Pattern.compile("arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    private static final Pattern ROLE_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+");

    private StackParameters() {
    }

    /** Settings of the security-account stack, as the responder gave them. */
    public record Lockdown(List<String> publishers, String externalId, String auditEmail, String failureEmail,
            int windowSeconds, boolean snapshot, List<String> protectedPrincipals, List<String> allowedAccounts,
            String memberRoleName, String executionRoleName) {
    }

    /** The security-account stack's parameters; the Revision is a digest of the code and every parameter. */
    public static Map<String, String> lockdown(Lockdown s, String bucket, String key, String jarSha256) {
        requireExternalId(s.externalId());
        if (s.publishers().isEmpty()) {
            throw DeployException.badInput("Name at least one --publisher (the role of your SOAR or responders); "
                    + "nobody else can ask for a lockdown");
        }
        for (String publisher : s.publishers()) {
            if (!PRINCIPAL.matcher(publisher).matches()) {
                throw DeployException.badInput("--publisher '" + publisher + "' is not an IAM role, user or account root "
                        + "ARN like arn:aws:iam::111122223333:role/soar");
            }
        }
        for (String email : List.of(s.auditEmail(), s.failureEmail())) {
            if (email == null || !EMAIL.matcher(email).matches()) {
                throw DeployException.badInput("'" + email + "' is not an e-mail address; give --audit-email (and "
                        + "optionally --failure-email) for the people who must be told");
            }
        }
        if (s.windowSeconds() < 0 || s.windowSeconds() > 900) {
            throw DeployException.badInput("--window must be 0..900 seconds (SQS delays a message at most 900 s)");
        }
        for (String account : s.allowedAccounts()) {
            if (!ACCOUNT.matcher(account).matches()) {
                throw DeployException.badInput("--allowed-account '" + account + "' is not a twelve-digit account id");
            }
        }
        for (String principal : s.protectedPrincipals()) {
            if (!principal.startsWith("arn:")) {
                throw DeployException.badInput("--protect '" + principal + "' is not an ARN or ARN pattern");
            }
        }
        requireRoleName(s.memberRoleName(), "--member-role");
        requireRoleName(s.executionRoleName(), "--execution-role-name");
        if (bucket == null || bucket.isBlank()) {
            throw DeployException.badInput("Name the S3 bucket for the function jar with --bucket");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("PublisherPrincipals", String.join(",", s.publishers()));
        parameters.put(EXTERNAL_ID, s.externalId());
        parameters.put("AuditEmail", s.auditEmail());
        parameters.put("FailureEmail", s.failureEmail());
        parameters.put("ArtifactBucket", bucket);
        parameters.put("ArtifactKey", key);
        parameters.put("WindowSeconds", Integer.toString(s.windowSeconds()));
        parameters.put("Snapshot", Boolean.toString(s.snapshot()));
        parameters.put("ProtectedPrincipals", String.join(",", s.protectedPrincipals()));
        parameters.put("AllowedAccounts", String.join(",", s.allowedAccounts()));
        parameters.put("MemberRoleName", s.memberRoleName());
        parameters.put("ExecutionRoleName", s.executionRoleName());
        parameters.put("Revision", revision(jarSha256, parameters));
        return parameters;
    }

    /** The member-role stack's parameters. */
    public static Map<String, String> memberRole(String executionRoleArn, String externalId, String memberRoleName) {
        requireExternalId(externalId);
        if (executionRoleArn == null || !ROLE_ARN.matcher(executionRoleArn).matches()) {
            throw DeployException.badInput("--execution-role-arn must be the lockdown stack's ExecutionRoleArn output, "
                    + "like arn:aws:iam::999999999999:role/EntityLockdownExecutionRole");
        }
        requireRoleName(memberRoleName, "--member-role");
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("LockdownExecutionRoleArn", executionRoleArn);
        parameters.put(EXTERNAL_ID, externalId);
        parameters.put("MemberRoleName", memberRoleName);
        return parameters;
    }

    /**
     * Changes whenever the code or any parameter changes, so a new function version (and SnapStart
     * snapshot) is published exactly when needed, and an identical deploy changes nothing. The
     * ExternalId enters only through SHA-256 with everything else; the digest is cut to 16 hex digits.
     */
    static String revision(String jarSha256, Map<String, String> parameters) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(jarSha256.getBytes(StandardCharsets.UTF_8));
            new TreeMap<>(parameters).forEach((key, value) -> {
                digest.update((key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8));
            });
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    private static void requireExternalId(String externalId) {
        if (externalId == null || externalId.isBlank()) {
            throw DeployException.badInput("No ExternalId: set LOCKDOWN_EXTERNAL_ID (or pass --external-id) to the "
                    + "deployment's secret, at least 16 characters (openssl rand -hex 24)");
        }
        if (!EXTERNAL_ID_CHARS.matcher(externalId).matches()) {
            throw DeployException.badInput("The ExternalId must be 16-1224 characters of letters, digits and +=,.@:/-_ "
                    + "(it is not shown here)");
        }
    }

    private static void requireRoleName(String name, String option) {
        if (name == null || !ROLE_NAME.matcher(name).matches()) {
            throw DeployException.badInput(option + " '" + name + "' is not a valid IAM role name");
        }
    }
}
