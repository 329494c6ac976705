package io.entitylockdown.testkit;

import java.util.TreeMap;

/**
 * What a containment may touch on a Lambda function, read back for comparison.
 *
 * @param reserved reserved concurrency, null when none
 * @param tags     every tag
 */
public record FunctionSnapshot(Integer reserved, TreeMap<String, String> tags) {
}
