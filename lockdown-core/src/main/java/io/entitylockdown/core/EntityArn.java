package io.entitylockdown.core;

import io.entitylockdown.core.aws.Partitions;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The validated ARN of an entity Entity Lockdown can contain.
 *
 * <p>Parsing is strict on purpose: a responder who pastes the wrong thing at night must get a
 * clear refusal, never a containment of something else. Nothing here talks to AWS.
 *
 * @param arn       the ARN as given (surrounding whitespace removed)
 * @param partition aws, aws-cn, aws-us-gov, ...
 * @param region    the entity's region; empty for IAM, which is global
 * @param accountId twelve digits
 * @param type      what kind of entity this is
 * @param path      IAM path ({@code /} when none, {@code /service-role/} ...); empty for other types, and for
 *                  a role session (its ARN does not carry the role's path)
 * @param name      user, role or function name, the EC2 instance id, or for a role session the role's name
 * @param qualifier Lambda version or alias, or for a role session the session name; empty when none
 */
public record EntityArn(
        String arn,
        String partition,
        String region,
        String accountId,
        EntityType type,
        String path,
        String name,
        String qualifier) {

    static final int MAX_LENGTH = 2048;
    private static final Pattern REGION = Pattern.compile("[a-z]{2,4}(-[a-z]{2,10}){1,3}-[0-9]{1,2}");
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    private static final Pattern IAM_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
    private static final Pattern IAM_PATH_SEGMENT = Pattern.compile("[\\x21-\\x2E\\x30-\\x7E]+");
    private static final Pattern FUNCTION_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern QUALIFIER = Pattern.compile("\\$LATEST|[0-9]{1,10}|[A-Za-z0-9_-]{1,128}");
    private static final Pattern INSTANCE_ID = Pattern.compile("i-([0-9a-f]{8}|[0-9a-f]{17})");
    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    /** Every service-linked role's name starts with this; a session ARN does not carry the path that says so. */
    private static final String SERVICE_LINKED_PREFIX = "AWSServiceRoleFor";
    private static final String IDENTITY_CENTER_PREFIX = "AWSReservedSSO_";

    public EntityArn {
        Objects.requireNonNull(arn, "arn");
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(qualifier, "qualifier");
    }

    /**
     * Parses and validates an entity ARN.
     *
     * @throws InvalidArnException when the text is not the ARN of a supported entity; the message
     *     says what is wrong and what is supported
     */
    public static EntityArn parse(String input) {
        if (input == null || input.isBlank()) {
            throw new InvalidArnException("No ARN given (the input is empty)");
        }
        String text = input.strip();
        if (text.length() > MAX_LENGTH) {
            throw new InvalidArnException("The ARN is " + text.length() + " characters long; ARNs are at most " + MAX_LENGTH);
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                throw new InvalidArnException("The ARN contains a space, control or non-ASCII character at position " + (i + 1));
            }
        }
        if (!text.startsWith("arn:")) {
            throw new InvalidArnException("'" + shorten(text) + "' is not an ARN (an ARN starts with 'arn:')");
        }
        String[] parts = text.split(":", 6);
        if (parts.length < 6) {
            throw new InvalidArnException("'" + shorten(text) + "' has " + parts.length
                    + " colon-separated parts; an ARN has arn:partition:service:region:account:resource");
        }
        String partition = parts[1];
        String service = parts[2];
        String region = parts[3];
        String account = parts[4];
        String resource = parts[5];
        if (!Partitions.isKnown(partition)) {
            throw new InvalidArnException("Unknown partition '" + shorten(partition) + "' (expected one of "
                    + String.join(", ", Partitions.KNOWN) + ")");
        }
        // The service decides what the rest means, so it is checked first: an S3 bucket ARN has no
        // account, and "not twelve digits" would send the responder looking in the wrong place.
        switch (service) {
            case "iam", "lambda", "ec2", "sts" -> { }
            case "" -> throw new InvalidArnException("The ARN has no service");
            default -> throw new InvalidArnException("Entities of service '" + shorten(service)
                    + "' are not supported (only iam users and roles, lambda functions and ec2 instances)");
        }
        if ("iam".equals(service) && "aws".equals(account) && resource.startsWith("policy/")) {
            throw new InvalidArnException("'" + shorten(text) + "' is an AWS managed policy, not an entity");
        }
        if (!ACCOUNT.matcher(account).matches()) {
            throw new InvalidArnException("The account id '" + shorten(account) + "' is not twelve digits");
        }
        return switch (service) {
            case "iam" -> parseIam(text, partition, region, account, resource);
            case "lambda" -> parseLambda(text, partition, region, account, resource);
            case "ec2" -> parseEc2(text, partition, region, account, resource);
            default -> parseSts(text, partition, region, account, resource);
        };
    }

    private static EntityArn parseIam(String text, String partition, String region, String account, String resource) {
        if (!region.isEmpty()) {
            throw new InvalidArnException("IAM ARNs have no region, but this one names '" + shorten(region) + "'");
        }
        if (resource.equals("root")) {
            throw new InvalidArnException("The account root user cannot be contained (it is not an IAM user); "
                    + "secure the root credentials and use an SCP instead");
        }
        int slash = resource.indexOf('/');
        String kind = slash < 0 ? resource : resource.substring(0, slash);
        EntityType type = switch (kind) {
            case "user" -> EntityType.IAM_USER;
            case "role" -> EntityType.IAM_ROLE;
            default -> throw new InvalidArnException("IAM resource type '" + shorten(kind)
                    + "' is not supported (only user and role)");
        };
        if (slash < 0 || slash == resource.length() - 1) {
            throw new InvalidArnException("The IAM " + kind + " ARN has no name");
        }
        String rest = resource.substring(slash + 1);
        int last = rest.lastIndexOf('/');
        String name = rest.substring(last + 1);
        String path = last < 0 ? "/" : "/" + rest.substring(0, last + 1);
        if (!IAM_NAME.matcher(name).matches()) {
            throw new InvalidArnException("'" + shorten(name) + "' is not a valid IAM " + kind
                    + " name (1-64 characters of letters, digits and +=,.@_-)");
        }
        if (path.length() > 512) {
            throw new InvalidArnException("The IAM path is longer than 512 characters");
        }
        if (!path.equals("/")) {
            for (String segment : path.substring(1, path.length() - 1).split("/", -1)) {
                if (!IAM_PATH_SEGMENT.matcher(segment).matches()) {
                    throw new InvalidArnException("The IAM path '" + shorten(path) + "' is not valid (empty segment or bad character)");
                }
            }
        }
        return new EntityArn(text, partition, "", account, type, path, name, "");
    }

    private static EntityArn parseLambda(String text, String partition, String region, String account, String resource) {
        requireRegion(partition, region, "Lambda");
        String[] pieces = resource.split(":", -1);
        if (!pieces[0].equals("function")) {
            throw new InvalidArnException("Lambda resource '" + shorten(pieces[0]) + "' is not supported (only function)");
        }
        if (pieces.length < 2 || pieces.length > 3) {
            throw new InvalidArnException("A Lambda function ARN ends in function:<name> or function:<name>:<version or alias>");
        }
        String name = pieces[1];
        if (!FUNCTION_NAME.matcher(name).matches()) {
            throw new InvalidArnException("'" + shorten(name) + "' is not a valid Lambda function name (1-64 letters, digits, - and _)");
        }
        String qualifier = pieces.length == 3 ? pieces[2] : "";
        if (pieces.length == 3 && !QUALIFIER.matcher(qualifier).matches()) {
            throw new InvalidArnException("'" + shorten(qualifier) + "' is not a valid Lambda version or alias");
        }
        return new EntityArn(text, partition, region, account, EntityType.LAMBDA_FUNCTION, "", name, qualifier);
    }

    private static EntityArn parseEc2(String text, String partition, String region, String account, String resource) {
        requireRegion(partition, region, "EC2");
        int slash = resource.indexOf('/');
        String kind = slash < 0 ? resource : resource.substring(0, slash);
        if (!kind.equals("instance")) {
            throw new InvalidArnException("EC2 resource type '" + shorten(kind) + "' is not supported (only instance)");
        }
        String id = resource.substring(slash + 1);
        if (!INSTANCE_ID.matcher(id).matches()) {
            throw new InvalidArnException("'" + shorten(id) + "' is not an EC2 instance id (i- followed by 8 or 17 hex digits)");
        }
        return new EntityArn(text, partition, region, account, EntityType.EC2_INSTANCE, "", id, "");
    }

    private static void requireRegion(String partition, String region, String service) {
        if (region.isEmpty()) {
            throw new InvalidArnException(service + " ARNs must name a region; none was given");
        }
        if (!REGION.matcher(region).matches()) {
            throw new InvalidArnException("'" + shorten(region) + "' is not an AWS region name");
        }
        String regionPartition = Partitions.partitionOf(region);
        if (!regionPartition.equals(partition)) {
            throw new InvalidArnException("Region '" + region + "' is in partition '" + regionPartition
                    + "', not in '" + partition + "'");
        }
    }

    /**
     * A role session, {@code assumed-role/ROLE/SESSION}: contained as that session only. Other STS ARNs
     * name no entity of their own and are refused with what to contain instead.
     */
    private static EntityArn parseSts(String text, String partition, String region, String account, String resource) {
        if (resource.startsWith("federated-user/")) {
            throw new InvalidArnException("'" + shorten(text) + "' is a federated user session (GetFederationToken), "
                    + "which can do no more than the IAM user that issued it; find that user in CloudTrail (the "
                    + "GetFederationToken event) and contain it, which cuts this session off too");
        }
        if (!resource.startsWith("assumed-role/")) {
            throw new InvalidArnException("STS ARNs name sessions, not entities; contain the IAM user or role behind "
                    + "them, or a role session as arn:" + partition + ":sts::" + account + ":assumed-role/ROLE/SESSION");
        }
        if (!region.isEmpty()) {
            throw new InvalidArnException("Role session ARNs have no region, but this one names '" + shorten(region) + "'");
        }
        String[] pieces = resource.split("/", -1);
        if (pieces.length != 3) {
            throw new InvalidArnException("A role session ARN ends in assumed-role/<role name>/<session name> (the "
                    + "role's path is not part of it)");
        }
        String role = pieces[1];
        String session = pieces[2];
        if (!IAM_NAME.matcher(role).matches()) {
            throw new InvalidArnException("'" + shorten(role) + "' is not a valid IAM role name (1-64 characters of "
                    + "letters, digits and +=,.@_-)");
        }
        if (!SESSION_NAME.matcher(session).matches()) {
            throw new InvalidArnException("'" + shorten(session) + "' is not a valid role session name (2-64 characters "
                    + "of letters, digits and +=,.@_-)");
        }
        return new EntityArn(text, partition, "", account, EntityType.ROLE_SESSION, "", role, session);
    }

    private static String shorten(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    /** Region where the entity's API lives; for IAM entities, empty. */
    public boolean isGlobal() {
        return type.isGlobal();
    }

    /** The function ARN without version or alias; concurrency is a property of the function. Other types: the ARN. */
    public String unqualifiedArn() {
        if (qualifier.isEmpty() || type != EntityType.LAMBDA_FUNCTION) {
            return arn;
        }
        return arn.substring(0, arn.length() - qualifier.length() - 1);
    }

    /** A short, human label: "IAM role ops/deployer in 111122223333", "IAM role session deployer/build-7 in ...". */
    public String label() {
        String shown = path.length() > 1 ? path.substring(1) + name : name;
        String where = region.isEmpty() ? accountId : accountId + "/" + region;
        String separator = type == EntityType.ROLE_SESSION ? "/" : ":";
        return type.displayName() + " " + shown + (qualifier.isEmpty() ? "" : separator + qualifier) + " in " + where;
    }

    /**
     * True for roles that AWS services own; IAM refuses changes to them. A role session's ARN has no
     * path, so for a session the role's name decides (every service-linked role is named AWSServiceRoleFor...).
     */
    public boolean isServiceLinkedRole() {
        return switch (type) {
            case IAM_ROLE -> path.toLowerCase(Locale.ROOT).startsWith("/aws-service-role/");
            case ROLE_SESSION -> name.regionMatches(true, 0, SERVICE_LINKED_PREFIX, 0, SERVICE_LINKED_PREFIX.length());
            default -> false;
        };
    }

    /**
     * An IAM Identity Center role ({@code AWSReservedSSO_*} under {@code /aws-reserved/sso.amazonaws.com/}, or a
     * session of one): IAM answers {@code UnmodifiableEntity} to any policy change on it, so only Identity
     * Center can cut it off.
     */
    public boolean isIdentityCenterRole() {
        return switch (type) {
            case IAM_ROLE -> path.toLowerCase(Locale.ROOT).startsWith("/aws-reserved/sso.amazonaws.com/")
                    || name.regionMatches(true, 0, IDENTITY_CENTER_PREFIX, 0, IDENTITY_CENTER_PREFIX.length());
            case ROLE_SESSION -> name.regionMatches(true, 0, IDENTITY_CENTER_PREFIX, 0, IDENTITY_CENTER_PREFIX.length());
            default -> false;
        };
    }

    /** For a role session: the session name; empty for every other type. */
    public String sessionName() {
        return type == EntityType.ROLE_SESSION ? qualifier : "";
    }

    /**
     * For a role session: its role, as far as the session ARN tells (no path: IAM finds roles by name,
     * and the real ARN with its path comes from iam:GetRole).
     *
     * @throws IllegalStateException for any other type
     */
    public EntityArn sessionRole() {
        if (type != EntityType.ROLE_SESSION) {
            throw new IllegalStateException(label() + " is not a role session");
        }
        return new EntityArn("arn:" + partition + ":iam::" + accountId + ":role/" + name, partition, "", accountId,
                EntityType.IAM_ROLE, "/", name, "");
    }

    @Override
    public String toString() {
        return arn;
    }
}
