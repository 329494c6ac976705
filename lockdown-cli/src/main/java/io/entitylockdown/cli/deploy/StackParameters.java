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
    private static final Pattern SECRET_ARN =
            Pattern.compile("arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[\\w/+=.@-]+");
    private static final Pattern ORGANIZATION = Pattern.compile("o-[a-z0-9]{10,32}");
    private static final Pattern ORGANIZATIONAL_UNIT = Pattern.compile("r-[a-z0-9]{4,32}|ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}");
    private static final Pattern TOPIC = Pattern.compile("arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[\\w-]{1,256}");
    private static final Pattern RESPONDER = Pattern.compile("arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[\\w+=.@/-]+");

    private StackParameters() {
    }

    /**
     * Settings of the security-account stack, as the responder gave them.
     *
     * @param externalId          the ExternalId, which the stack stores in a new secret; null with a secret ARN
     * @param externalIdSecretArn an existing secret that holds the ExternalId; null with an ExternalId
     * @param organizationId      when not null, member roles are assumed only inside this organization
     * @param responders          IAM roles or users that may assume this account's member role from a terminal
     * @param requireResponderMfa responders need an MFA session
     */
    public record Lockdown(List<String> publishers, String externalId, String externalIdSecretArn, String auditEmail,
            String failureEmail, int windowSeconds, boolean snapshot, List<String> protectedPrincipals,
            List<String> allowedAccounts, String memberRoleName, String executionRoleName, String organizationId,
            List<String> responders, boolean requireResponderMfa) {
    }

    /**
     * Settings of a member-role stack.
     *
     * @param executionRoleArn    the lockdown stack's ExecutionRoleArn output
     * @param externalId          the deployment's ExternalId (the trust policy's sts:ExternalId)
     * @param responders          IAM roles or users that may assume the member role from a terminal
     * @param requireResponderMfa responders need an MFA session
     * @param protectedPrincipals ARNs or patterns the member role is denied every change to
     * @param alertTopicArn       an SNS topic of the account told of unexpected policy writes, or null (one is created)
     * @param alertEmail          subscribed to the created alert topic, or null
     */
    public record MemberRole(String executionRoleArn, String externalId, String memberRoleName, List<String> responders,
            boolean requireResponderMfa, List<String> protectedPrincipals, String alertTopicArn, String alertEmail) {
    }

    /**
     * The security-account stack's parameters; the Revision is a digest of the code and every parameter but
     * the ExternalId.
     */
    public static Map<String, String> lockdown(Lockdown s, String bucket, String key, String jarSha256) {
        boolean secretGiven = s.externalIdSecretArn() != null && !s.externalIdSecretArn().isBlank();
        if (secretGiven && s.externalId() != null && !s.externalId().isBlank()) {
            throw DeployException.badInput("Give the ExternalId (LOCKDOWN_EXTERNAL_ID or --external-id) or "
                    + "--external-id-secret-arn, not both: the stack either stores the value in a new secret or uses yours");
        }
        if (secretGiven) {
            if (!SECRET_ARN.matcher(s.externalIdSecretArn()).matches()) {
                throw DeployException.badInput("--external-id-secret-arn '" + s.externalIdSecretArn() + "' is not a full "
                        + "Secrets Manager secret ARN like arn:aws:secretsmanager:us-east-1:999999999999:secret:lockdown-AbCdEf");
            }
        } else {
            requireExternalId(s.externalId());
        }
        if (s.organizationId() != null && !ORGANIZATION.matcher(s.organizationId()).matches()) {
            throw DeployException.badInput("--organization-id '" + s.organizationId() + "' is not an organization id "
                    + "like o-a1b2c3d4e5");
        }
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
        requireProtected(s.protectedPrincipals());
        requireRoleName(s.memberRoleName(), "--member-role");
        requireRoleName(s.executionRoleName(), "--execution-role-name");
        requireResponders(s.responders());
        if (bucket == null || bucket.isBlank()) {
            throw DeployException.badInput("Name the S3 bucket for the function jar with --bucket");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("PublisherPrincipals", String.join(",", s.publishers()));
        parameters.put(EXTERNAL_ID, secretGiven ? "" : s.externalId());
        parameters.put("ExternalIdSecretArn", secretGiven ? s.externalIdSecretArn() : "");
        parameters.put("OrganizationId", s.organizationId() == null ? "" : s.organizationId());
        parameters.put("AuditEmail", s.auditEmail());
        parameters.put("FailureEmail", s.failureEmail());
        parameters.put("ArtifactBucket", bucket);
        parameters.put("ArtifactKey", key);
        parameters.put("WindowSeconds", Integer.toString(s.windowSeconds()));
        parameters.put("Snapshot", Boolean.toString(s.snapshot()));
        parameters.put("ProtectedPrincipals", String.join(",", withAnyPath(s.protectedPrincipals())));
        parameters.put("AllowedAccounts", String.join(",", s.allowedAccounts()));
        parameters.put("MemberRoleName", s.memberRoleName());
        parameters.put("ExecutionRoleName", s.executionRoleName());
        parameters.put("ResponderPrincipals", String.join(",", s.responders()));
        parameters.put("RequireResponderMfa", Boolean.toString(s.requireResponderMfa()));
        parameters.put("Revision", revision(jarSha256, parameters));
        return parameters;
    }

    /** The member-role stack's parameters. */
    public static Map<String, String> memberRole(MemberRole s) {
        requireExternalId(s.externalId());
        if (s.executionRoleArn() == null || !ROLE_ARN.matcher(s.executionRoleArn()).matches()) {
            throw DeployException.badInput("--execution-role-arn must be the lockdown stack's ExecutionRoleArn output, "
                    + "like arn:aws:iam::999999999999:role/EntityLockdownExecutionRole");
        }
        requireRoleName(s.memberRoleName(), "--member-role");
        requireResponders(s.responders());
        requireProtected(s.protectedPrincipals());
        if (s.alertTopicArn() != null && !TOPIC.matcher(s.alertTopicArn()).matches()) {
            throw DeployException.badInput("--alert-topic-arn '" + s.alertTopicArn() + "' is not an SNS topic ARN");
        }
        if (s.alertEmail() != null && !EMAIL.matcher(s.alertEmail()).matches()) {
            throw DeployException.badInput("--alert-email '" + s.alertEmail() + "' is not an e-mail address");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("LockdownExecutionRoleArn", s.executionRoleArn());
        parameters.put(EXTERNAL_ID, s.externalId());
        parameters.put("MemberRoleName", s.memberRoleName());
        parameters.put("ResponderPrincipals", String.join(",", s.responders()));
        parameters.put("RequireResponderMfa", Boolean.toString(s.requireResponderMfa()));
        parameters.put("ProtectedPrincipals", String.join(",", withAnyPath(s.protectedPrincipals())));
        parameters.put("AlertTopicArn", s.alertTopicArn() == null ? "" : s.alertTopicArn());
        parameters.put("AlertEmail", s.alertEmail() == null ? "" : s.alertEmail());
        return parameters;
    }

    /** The organisational units of a member-role stack set: at least one, each r-... or ou-.... */
    public static List<String> organizationalUnits(List<String> units) {
        if (units.isEmpty()) {
            throw DeployException.badInput("Name where the member role goes with --organizational-unit: the root "
                    + "(r-..., aws organizations list-roots) for the whole organisation, or ou-... units");
        }
        for (String unit : units) {
            if (!ORGANIZATIONAL_UNIT.matcher(unit).matches()) {
                throw DeployException.badInput("--organizational-unit '" + unit + "' is neither a root (r-ab12) nor an "
                        + "organisational unit (ou-ab12-cdefgh34)");
            }
        }
        return List.copyOf(units);
    }

    /** Twelve-digit account ids. */
    public static List<String> accounts(List<String> accounts, String option) {
        for (String account : accounts) {
            if (!ACCOUNT.matcher(account).matches()) {
                throw DeployException.badInput(option + " '" + account + "' is not a twelve-digit account id");
            }
        }
        return List.copyOf(accounts);
    }

    /**
     * The protected patterns, each IAM user or role pattern without a path followed by its any-path form
     * ({@code role/BreakGlass} and {@code role/*}{@code /BreakGlass}): the member role's IAM deny matches ARNs
     * with their path, as IAM does, while the lockdown's own guardrails ignore the path. Duplicates removed.
     */
    public static List<String> withAnyPath(List<String> patterns) {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        for (String pattern : patterns) {
            all.add(pattern);
            String[] parts = pattern.split(":", 6);
            if (parts.length == 6 && parts[2].equals("iam")) {
                String resource = parts[5];
                int slash = resource.indexOf('/');
                String kind = slash < 0 ? "" : resource.substring(0, slash);
                String rest = slash < 0 ? "" : resource.substring(slash + 1);
                if ((kind.equals("role") || kind.equals("user")) && !rest.isEmpty() && !rest.contains("/")) {
                    all.add(String.join(":", parts[0], parts[1], parts[2], parts[3], parts[4], kind + "/*/" + rest));
                }
            }
        }
        return List.copyOf(all);
    }

    private static void requireProtected(List<String> patterns) {
        for (String principal : patterns) {
            if (!principal.startsWith("arn:") || principal.contains(",") || principal.chars().anyMatch(Character::isWhitespace)) {
                throw DeployException.badInput("--protect '" + principal + "' is not an ARN or ARN pattern");
            }
        }
    }

    private static void requireResponders(List<String> responders) {
        for (String responder : responders) {
            if (!RESPONDER.matcher(responder).matches()) {
                throw DeployException.badInput("--responder '" + responder + "' is not an IAM role or user ARN like "
                        + "arn:aws:iam::999999999999:role/incident-responder (an account root or * would let every "
                        + "principal of that account in)");
            }
        }
    }

    /**
     * Changes whenever the code or a parameter the function's version depends on changes, so a new function
     * version (and SnapStart snapshot) is published exactly when needed, and an identical deploy changes
     * nothing. The ExternalId is left out: the Revision is visible in the version's description, and a digest
     * over known parameters and the secret would let anyone who reads it test guesses of the secret offline.
     * It need not be in: the function reads the secret at run time, not from its version.
     */
    static String revision(String jarSha256, Map<String, String> parameters) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(jarSha256.getBytes(StandardCharsets.UTF_8));
            new TreeMap<>(parameters).forEach((key, value) -> {
                if (!key.equals(EXTERNAL_ID)) {
                    digest.update((key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8));
                }
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
