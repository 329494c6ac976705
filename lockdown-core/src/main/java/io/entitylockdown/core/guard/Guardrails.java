package io.entitylockdown.core.guard;

import io.entitylockdown.core.EntityArn;
import io.entitylockdown.core.EntityType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks made before anything is changed: the lockdown never contains its own principals, principals
 * on the protected list, or entities in accounts outside the allowlist (when one is set).
 *
 * <p>Patterns are ARNs in which {@code *} matches any run of characters and {@code ?} one character,
 * e.g. {@code arn:aws:iam::*:role/BreakGlass*}, compared without regard to case (as IAM compares names).
 * An IAM user or role matches with or without its path: {@code arn:aws:iam::*:role/BreakGlass} protects
 * {@code role/admin/BreakGlass}, because IAM names are unique in an account whatever the path, and a
 * pattern that names one exactly ({@code role/admin/BreakGlass}) protects that name given without its
 * path too. A Lambda function matches with any version or alias.
 */
public final class Guardrails {
    private final List<Glob> protectedPatterns;
    private final List<Glob> ownPrincipals;
    private final Set<String> allowedAccounts;
    private final String memberRoleName;

    private Guardrails(Collection<String> protectedArns, Collection<String> allowedAccounts,
            Collection<String> ownPrincipalArns, String memberRoleName) {
        this.protectedPatterns = compileAll(protectedArns, "protected principal", "LOCKDOWN_PROTECTED_PRINCIPALS");
        this.ownPrincipals = compileAll(ownPrincipalArns, "lockdown principal", "LOCKDOWN_EXECUTION_ROLE_ARN");
        TreeSet<String> accounts = new TreeSet<>();
        for (String account : allowedAccounts) {
            String trimmed = account.strip();
            if (!trimmed.matches("[0-9]{12}")) {
                throw new IllegalArgumentException("Allowed account '" + trimmed + "' in LOCKDOWN_ALLOWED_ACCOUNTS "
                        + "is not a twelve-digit account id");
            }
            accounts.add(trimmed);
        }
        this.allowedAccounts = Set.copyOf(accounts);
        this.memberRoleName = memberRoleName;
    }

    /**
     * @param protectedArns    ARNs or ARN patterns that must never be contained
     * @param allowedAccounts  when not empty, the only accounts in which anything may be contained
     * @param ownPrincipalArns the lockdown's own principals (its execution role ...), ARNs or patterns
     * @param memberRoleName   the member role's name; a role of that name is never contained, in any account
     */
    public static Guardrails of(Collection<String> protectedArns, Collection<String> allowedAccounts,
            Collection<String> ownPrincipalArns, String memberRoleName) {
        return new Guardrails(clean(protectedArns), clean(allowedAccounts), clean(ownPrincipalArns), memberRoleName);
    }

    /** No protected list and no allowlist; the member role is still protected. */
    public static Guardrails minimal(String memberRoleName) {
        return of(List.of(), List.of(), List.of(), memberRoleName);
    }

    /** Why this entity must not be contained, or empty when it may be. */
    public Optional<String> refusal(EntityArn entity) {
        if (entity.type() == EntityType.ROLE_SESSION) {
            return sessionRefusal(entity);
        }
        if (entity.isServiceLinkedRole()) {
            return Optional.of("'" + entity.name() + "' is a service-linked role: AWS owns it and IAM refuses "
                    + "policy changes to it. Contain the service's resources instead, or delete the role through the "
                    + "service that created it");
        }
        if (entity.isIdentityCenterRole()) {
            return Optional.of(identityCenter(entity.name()));
        }
        if (!allowedAccounts.isEmpty() && !allowedAccounts.contains(entity.accountId())) {
            return Optional.of("account " + entity.accountId() + " is not in the allowed accounts list "
                    + allowedAccounts + " (setting LOCKDOWN_ALLOWED_ACCOUNTS)");
        }
        // IAM does not distinguish names by case, so "entitylockdownmemberrole" is the member role too.
        if (entity.type() == EntityType.IAM_ROLE && memberRoleName != null
                && entity.name().equalsIgnoreCase(memberRoleName)) {
            return Optional.of("'" + entity.name() + "' is the Entity Lockdown member role; containing it would "
                    + "disable the lockdown itself");
        }
        for (Glob own : ownPrincipals) {
            if (own.matches(entity)) {
                return Optional.of(entity.arn() + " is one of Entity Lockdown's own principals; containing it would "
                        + "disable the lockdown itself");
            }
        }
        for (Glob protectedGlob : protectedPatterns) {
            if (protectedGlob.matches(entity)) {
                return Optional.of(entity.arn() + " is protected (matches '" + protectedGlob.text()
                        + "' in LOCKDOWN_PROTECTED_PRINCIPALS); remove it from that list to contain it");
            }
        }
        return Optional.empty();
    }

    /** What a human must do instead for an IAM Identity Center role, which IAM will not let anyone change. */
    private static String identityCenter(String role) {
        return "'" + role + "' is an IAM Identity Center role: IAM refuses every policy change to it "
                + "(UnmodifiableEntity). In IAM Identity Center, disable the user or remove their assignment to the "
                + "permission set, and add to the permission set an inline policy that denies everything for "
                + "aws:userid '<role id>:<user's session name>'; sessions already issued last until the permission "
                + "set's session duration ends";
    }

    /**
     * A session is judged on its role (whose path the session ARN does not give: the strategy checks
     * the role's real ARN again before it changes anything), and on patterns that name sessions.
     */
    private Optional<String> sessionRefusal(EntityArn session) {
        String prefix = "This is a session of role " + session.name() + ", which is refused: ";
        if (session.isServiceLinkedRole()) {
            return Optional.of(prefix + "'" + session.name() + "' is a service-linked role: AWS owns it and IAM refuses "
                    + "policy changes to it");
        }
        if (session.isIdentityCenterRole()) {
            return Optional.of(prefix + identityCenter(session.name()));
        }
        Optional<String> role = refusal(session.sessionRole());
        if (role.isPresent()) {
            return Optional.of(prefix + role.get());
        }
        for (Glob glob : ownPrincipals) {
            if (glob.matches(session)) {
                return Optional.of(session.arn() + " is a session of one of Entity Lockdown's own principals; containing "
                        + "it would disable the lockdown itself");
            }
        }
        for (Glob glob : protectedPatterns) {
            if (glob.matches(session)) {
                return Optional.of(session.arn() + " is protected (matches '" + glob.text()
                        + "' in LOCKDOWN_PROTECTED_PRINCIPALS); remove it from that list to contain it");
            }
        }
        return Optional.empty();
    }

    /**
     * A configured ARN pattern, matched regardless of case: IAM names are unique regardless of case,
     * so "role/BREAKGLASS" can only be the role "BreakGlass" and must not slip past. For the other
     * types this may refuse more than asked, which is the safe direction for a guardrail.
     */
    private record Glob(String text, Pattern pattern, Pattern byName) {
        boolean matches(EntityArn entity) {
            if (pattern.matcher(entity.arn()).matches() || pattern.matcher(entity.unqualifiedArn()).matches()) {
                return true;
            }
            String withoutPath = withoutPath(entity);
            if (withoutPath == null) {
                return false;
            }
            return pattern.matcher(withoutPath).matches() || byName != null && byName.matcher(withoutPath).matches();
        }
    }

    /** {@code arn:P:iam::A:role/NAME} for an IAM user or role, whatever its path; null for anything else. */
    private static String withoutPath(EntityArn entity) {
        if (!entity.type().isGlobal()) {
            return null;
        }
        String kind = entity.type() == EntityType.IAM_USER ? "user" : "role";
        return "arn:" + entity.partition() + ":iam::" + entity.accountId() + ":" + kind + "/" + entity.name();
    }

    /**
     * For an IAM pattern that names a user or role exactly under a path ({@code role/admin/BreakGlass}, or
     * {@code role/*}{@code /BreakGlass}), the pattern of that name without its path; else null. A name with a
     * wildcard ({@code role/admin/Break*}) is not widened: it would reach roles of other paths.
     */
    private static Pattern byName(String glob) {
        String[] parts = glob.split(":", 6);
        if (parts.length < 6 || !parts[2].equals("iam")) {
            return null;
        }
        String resource = parts[5];
        int kindEnd = resource.indexOf('/');
        int last = resource.lastIndexOf('/');
        if (kindEnd < 0 || last == kindEnd) {
            return null;
        }
        String kind = resource.substring(0, kindEnd);
        String name = resource.substring(last + 1);
        if (!(kind.equals("role") || kind.equals("user")) || name.isEmpty() || name.contains("*") || name.contains("?")) {
            return null;
        }
        return compile(String.join(":", parts[0], parts[1], parts[2], parts[3], parts[4], kind + "/" + name));
    }

    private static List<Glob> compileAll(Collection<String> globs, String what, String variable) {
        List<Glob> patterns = new ArrayList<>();
        for (String glob : globs) {
            if (!glob.startsWith("arn:")) {
                throw new IllegalArgumentException("The " + what + " '" + glob + "' in " + variable
                        + " is not an ARN or ARN pattern (it must start with 'arn:'; * and ? are wildcards)");
            }
            patterns.add(new Glob(glob, compile(glob), byName(glob)));
        }
        return List.copyOf(patterns);
    }

    static Pattern compile(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE);
    }

    private static List<String> clean(Collection<String> values) {
        if (values == null) {
            return List.of();
        }
        return values.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Parses a comma- or whitespace-separated list, as used in environment variables. */
    public static List<String> splitList(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return List.of(value.strip().split("[,\\s]+"));
    }
}
