package io.entitylockdown.lambda.findings;

import java.util.ArrayList;
import java.util.List;

/**
 * The note written on a Security Hub finding after a custom action: what happened to each of its
 * resources, within Security Hub's 512-character limit for {@code Note.Text}.
 */
final class SecurityHubNote {
    static final int MAX_TEXT = 512;
    static final String UPDATED_BY = "entity-lockdown";
    private static final int MIN_ITEM = 60;

    private SecurityHubNote() {
    }

    /**
     * What happened to one resource.
     *
     * @param outcome e.g. "contained", "NOT contained (failed; Lambda retries)", "refused: a person must act"
     * @param target  what it was, e.g. "IAM user alice in 111122223333"
     */
    record ResourceOutcome(String outcome, String target) {
        String text() {
            return outcome + ": " + target;
        }
    }

    /**
     * The note: every resource's outcome, each shortened to a fair share when together they are too
     * long, and the request id under which the full reports are in the audit topic and the log.
     */
    static String text(List<ResourceOutcome> outcomes, String requestId) {
        String head = "Entity Lockdown: ";
        String tail = " (full reports: audit topic, request " + clean(requestId, 64) + ")";
        int budget = MAX_TEXT - head.length() - tail.length();
        List<String> items = outcomes.stream().map(o -> clean(o.text(), MAX_TEXT)).toList();
        String joined = String.join("; ", items);
        if (joined.length() > budget) {
            int share = Math.max(MIN_ITEM, budget / Math.max(1, items.size()) - 2);
            List<String> shortened = new ArrayList<>();
            int used = 0;
            for (int i = 0; i < items.size(); i++) {
                String item = items.get(i).length() <= share ? items.get(i) : items.get(i).substring(0, share - 3) + "...";
                String more = "; and " + (items.size() - i) + " more";
                if (used + item.length() + 2 + (i + 1 < items.size() ? more.length() : 0) > budget) {
                    shortened.add("and " + (items.size() - i) + " more");
                    break;
                }
                shortened.add(item);
                used += item.length() + 2;
            }
            joined = String.join("; ", shortened);
        }
        String text = head + joined + tail;
        return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT - 3) + "...";
    }

    /** Security Hub shows the note as plain text: no control characters, bounded length. */
    private static String clean(String text, int max) {
        StringBuilder clean = new StringBuilder();
        for (char c : text.toCharArray()) {
            clean.append(Character.isISOControl(c) ? ' ' : c);
        }
        String result = clean.toString().strip();
        return result.length() <= max ? result : result.substring(0, max);
    }
}
