package io.entitylockdown.core.record;

import java.util.Collection;
import java.util.Map;

/** An entity that carries the lockdown's record in its own tags. */
public interface TaggedEntity {

    /** Every tag on the entity now. */
    Map<String, String> tags();

    void tag(Map<String, String> tags);

    void untag(Collection<String> keys);

    /** The IAM action behind {@link #tag}, for the report. */
    String tagCall();

    /** The IAM action behind {@link #untag}, for the report. */
    String untagCall();
}
