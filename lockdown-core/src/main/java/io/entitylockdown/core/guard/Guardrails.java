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
 * e.g. {@code arn:aws:iam::*:role/BreakGlass*}.
 */
public final class Guardrails {
    private final List<Pattern> protectedPatterns;
    private final List<String> protectedTexts;
    private final List<Pattern> ownPrincipals;
    private final Set<String> allowedAccounts;
    private final String memberRoleName;

    private Guardrails(Collection<String> protectedArns, Collection<String> allowedAccounts,
            Collection<String> ownPrincipalArns, String memberRoleName) {
        this.protectedTexts = List.copyOf(protectedArns);
        this.protectedPatterns = compileAll(protectedArns, "protected principal");
        this.ownPrincipals = compileAll(ownPrincipalArns, "lockdown principal");
        TreeSet<String> accounts = new TreeSet<>();
        for (String account : allowedAccounts) {
            String trimmed = account.strip();
            if (!trimmed.matches("[0-9]{12}")) {
                throw new IllegalArgumentException("Allowed account '" + trimmed + "' is not a twelve-digit account id");
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
        if (entity.isServiceLinkedRole()) {
            return Optional.of("'" + entity.name() + "' is a service-linked role: AWS owns it and IAM refuses "
                    + "policy changes to it. Contain the service's resources instead, or delete the role through the "
                    + "service that created it");
        }
        if (!allowedAccounts.isEmpty() && !allowedAccounts.contains(entity.accountId())) {
            return Optional.of("account " + entity.accountId() + " is not in the allowed accounts list "
                    + allowedAccounts + " (setting LOCKDOWN_ALLOWED_ACCOUNTS)");
        }
        if (entity.type() == EntityType.IAM_ROLE && memberRoleName != null && entity.name().equals(memberRoleName)) {
            return Optional.of("'" + entity.name() + "' is the Entity Lockdown member role; containing it would "
                    + "disable the lockdown itself");
        }
        for (Pattern own : ownPrincipals) {
            if (matches(own, entity)) {
                return Optional.of(entity.arn() + " is one of Entity Lockdown's own principals; containing it would "
                        + "disable the lockdown itself");
            }
        }
        for (int i = 0; i < protectedPatterns.size(); i++) {
            if (matches(protectedPatterns.get(i), entity)) {
                return Optional.of(entity.arn() + " is protected (matches '" + protectedTexts.get(i)
                        + "' in LOCKDOWN_PROTECTED_PRINCIPALS); remove it from that list to contain it");
            }
        }
        return Optional.empty();
    }

    private static boolean matches(Pattern pattern, EntityArn entity) {
        return pattern.matcher(entity.arn()).matches() || pattern.matcher(entity.unqualifiedArn()).matches();
    }

    private static List<Pattern> compileAll(Collection<String> globs, String what) {
        List<Pattern> patterns = new ArrayList<>();
        for (String glob : globs) {
            if (!glob.startsWith("arn:")) {
                throw new IllegalArgumentException("The " + what + " '" + glob + "' is not an ARN or ARN pattern "
                        + "(it must start with 'arn:'; * and ? are wildcards)");
            }
            patterns.add(compile(glob));
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
        return Pattern.compile(regex.toString());
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
