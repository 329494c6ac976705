package io.entitylockdown.lambda.findings;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which GuardDuty findings are contained without a person deciding (issue 11.2). Automatic response
 * is opt-in: with no types configured, every GuardDuty finding is only reported, as a dry run that
 * says exactly what containment would change, so a team can watch before switching it on.
 *
 * <ul>
 *   <li>{@code LOCKDOWN_GUARDDUTY_AUTO_CONTAIN_TYPES}: GuardDuty finding types, comma separated, in
 *       which {@code *} matches any run of characters and {@code ?} one character, compared without
 *       regard to case, e.g. {@code CryptoCurrency:EC2/*,Backdoor:Lambda/*}. Empty: nothing automatic.</li>
 *   <li>{@code LOCKDOWN_GUARDDUTY_MIN_SEVERITY}: the lowest severity contained automatically, a number
 *       from 0 to 10 or LOW (1), MEDIUM (4), HIGH (7), CRITICAL (9); default HIGH.</li>
 * </ul>
 *
 * <p>Security Hub custom actions are a person's decision and are never subject to this policy.
 */
public final class AutoContainPolicy {
    public static final String TYPES = "LOCKDOWN_GUARDDUTY_AUTO_CONTAIN_TYPES";
    public static final String MIN_SEVERITY = "LOCKDOWN_GUARDDUTY_MIN_SEVERITY";
    public static final double DEFAULT_MIN_SEVERITY = 7.0;

    private static final int MAX_PATTERN = 128;
    /** Characters of GuardDuty finding types ("Backdoor:EC2/C&CActivity.B!DNS") plus the two wildcards. */
    private static final Pattern PATTERN_CHARACTERS = Pattern.compile("[A-Za-z0-9:/._!&*?-]+");
    /** ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact */
    private static final Pattern FINDING_TYPE = Pattern.compile("[A-Za-z]+:[A-Za-z0-9]+/[A-Za-z0-9._!&-]+");

    private final List<String> patterns;
    private final List<Pattern> compiled;
    private final double minSeverity;

    private AutoContainPolicy(List<String> patterns, double minSeverity) {
        this.patterns = List.copyOf(patterns);
        this.compiled = patterns.stream().map(AutoContainPolicy::compile).toList();
        this.minSeverity = minSeverity;
    }

    /** Nothing is contained automatically. */
    public static AutoContainPolicy off() {
        return new AutoContainPolicy(List.of(), DEFAULT_MIN_SEVERITY);
    }

    /**
     * Reads and validates both variables.
     *
     * @throws IllegalArgumentException naming the variable and saying what a valid value looks like
     */
    public static AutoContainPolicy fromEnvironment(Map<String, String> env) {
        return new AutoContainPolicy(parsePatterns(env.getOrDefault(TYPES, "")),
                parseSeverity(env.getOrDefault(MIN_SEVERITY, "")));
    }

    public List<String> patterns() {
        return patterns;
    }

    public double minSeverity() {
        return minSeverity;
    }

    /**
     * Act or only report this GuardDuty finding.
     *
     * @param type     the finding type
     * @param severity the finding's severity, or null when the finding has none
     */
    public Decision decide(String type, Double severity) {
        if (patterns.isEmpty()) {
            return Decision.report("automatic containment is off (" + TYPES + " is empty); contain it yourself with "
                    + "the Security Hub action 'Contain entity' or 'lockdown contain'");
        }
        Optional<String> match = matching(type);
        if (match.isEmpty()) {
            return Decision.report("finding type " + type + " matches none of " + TYPES + " (" + String.join(", ", patterns)
                    + ")");
        }
        if (severity == null) {
            return Decision.report("the finding has no severity, so it cannot reach " + MIN_SEVERITY + " "
                    + format(minSeverity));
        }
        if (severity < minSeverity) {
            return Decision.report("severity " + format(severity) + " is below " + MIN_SEVERITY + " "
                    + format(minSeverity));
        }
        return Decision.act("GuardDuty finding type " + type + " matches '" + match.get() + "' in " + TYPES
                + " and severity " + format(severity) + " is at least " + format(minSeverity));
    }

    private Optional<String> matching(String type) {
        for (int i = 0; i < compiled.size(); i++) {
            if (compiled.get(i).matcher(type).matches()) {
                return Optional.of(patterns.get(i));
            }
        }
        return Optional.empty();
    }

    static String format(double severity) {
        return String.format(Locale.ROOT, "%.1f", severity);
    }

    private static List<String> parsePatterns(String value) {
        List<String> patterns = new ArrayList<>();
        for (String raw : value.split(",", -1)) {
            String pattern = raw.strip();
            if (pattern.isEmpty()) {
                if (!value.isBlank()) {
                    throw new IllegalArgumentException("Configuration error: " + TYPES + " has an empty entry (two "
                            + "commas in a row, or a comma at an end); list GuardDuty finding types separated by commas, "
                            + "e.g. CryptoCurrency:EC2/*,Backdoor:Lambda/*");
                }
                continue;
            }
            if (pattern.length() > MAX_PATTERN) {
                throw new IllegalArgumentException("Configuration error: the entry '" + pattern.substring(0, 40)
                        + "...' in " + TYPES + " is longer than " + MAX_PATTERN + " characters; GuardDuty finding types "
                        + "are at most 50");
            }
            if (!PATTERN_CHARACTERS.matcher(pattern).matches()) {
                throw new IllegalArgumentException("Configuration error: '" + pattern + "' in " + TYPES
                        + " is not a GuardDuty finding type pattern: use letters, digits and :/._!&- of the type, with * "
                        + "for any run of characters and ? for one (no spaces)");
            }
            boolean wildcard = pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0;
            if (!wildcard && !FINDING_TYPE.matcher(pattern).matches()) {
                throw new IllegalArgumentException("Configuration error: '" + pattern + "' in " + TYPES
                        + " would match no GuardDuty finding: a finding type looks like ThreatPurpose:ResourceType/"
                        + "ThreatFamily, e.g. CryptoCurrency:EC2/BitcoinTool.B!DNS; add * to match a family");
            }
            patterns.add(pattern);
        }
        return patterns;
    }

    private static double parseSeverity(String value) {
        String text = value.strip();
        if (text.isEmpty()) {
            return DEFAULT_MIN_SEVERITY;
        }
        switch (text.toUpperCase(Locale.ROOT)) {
            case "LOW":
                return 1.0;
            case "MEDIUM":
                return 4.0;
            case "HIGH":
                return 7.0;
            case "CRITICAL":
                return 9.0;
            default:
                break;
        }
        double severity;
        try {
            severity = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration error: " + MIN_SEVERITY + "='" + text + "' is neither a "
                    + "number from 0 to 10 nor LOW, MEDIUM, HIGH or CRITICAL", e);
        }
        if (Double.isNaN(severity) || severity < 0 || severity > 10) {
            throw new IllegalArgumentException("Configuration error: " + MIN_SEVERITY + "=" + text + " is outside 0 to "
                    + "10 (GuardDuty severities: LOW 1.0-3.9, MEDIUM 4.0-6.9, HIGH 7.0-8.9, CRITICAL 9.0-10.0)");
        }
        return severity;
    }

    private static Pattern compile(String glob) {
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
}
