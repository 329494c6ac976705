package io.entitylockdown.testkit;

import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything about an IAM user or role that a containment may touch, read back for comparison.
 *
 * @param attached managed policy ARNs
 * @param inline   inline policy name to its decoded document
 * @param keys     access key id to status (users only)
 * @param tags     every tag
 */
public record IamSnapshot(TreeSet<String> attached, TreeMap<String, String> inline, TreeMap<String, String> keys,
        TreeMap<String, String> tags) {

    /** This snapshot without the inline policy of that name, to compare around a policy the lockdown keeps. */
    public IamSnapshot withoutInline(String name) {
        TreeMap<String, String> copy = new TreeMap<>(inline);
        copy.remove(name);
        return new IamSnapshot(attached, copy, keys, tags);
    }

    /** The id of the first active access key. */
    public String activeKey() {
        return keys.entrySet().stream().filter(e -> e.getValue().equals("Active")).findFirst()
                .orElseThrow(() -> new AssertionError("no active key among " + keys)).getKey();
    }

    /** The id of the first inactive access key. */
    public String inactiveKey() {
        return keys.entrySet().stream().filter(e -> e.getValue().equals("Inactive")).findFirst()
                .orElseThrow(() -> new AssertionError("no inactive key among " + keys)).getKey();
    }
}
