package io.entitylockdown.core;

import java.util.regex.Pattern;

/**
 * Quotes words for the commands the lockdown suggests to a responder. Names read from an account
 * (an Auto Scaling group, a target group, a role) are chosen by whoever controls that account, which
 * may be the attacker: printed unquoted, {@code web asg;touch /tmp/x} would run a second command when
 * pasted. Every such word goes through {@link #quote}.
 */
public final class Shell {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    private Shell() {
    }

    /** The word as one POSIX shell word: unchanged when it is plainly safe, else single-quoted. */
    public static String quote(String word) {
        if (word == null || word.isEmpty()) {
            return "''";
        }
        if (SAFE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\"'\"'") + "'";
    }
}
