package io.entitylockdown.core.ec2;

import io.entitylockdown.core.strategy.StateTags;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.Tag;

/** The containment marker and recorded state, as EC2 tags on the instance itself. */
final class InstanceMarker {
    private final Ec2Client ec2;

    InstanceMarker(Ec2Client ec2) {
        this.ec2 = ec2;
    }

    static Map<String, String> tags(Instance instance) {
        return instance.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> a));
    }

    static Optional<StateTags.Recorded> read(Instance instance) {
        return StateTags.decode(tags(instance));
    }

    /**
     * Writes the marker and state when they differ from what the instance carries.
     *
     * @return false when the instance already carried exactly this marker and state
     */
    boolean write(String instanceId, Map<String, String> current, Instant containedAt, InstanceRecord record) {
        Map<String, String> wanted = StateTags.encode(containedAt, record.json());
        List<Tag> changed = new ArrayList<>();
        wanted.forEach((key, value) -> {
            if (!value.equals(current.get(key))) {
                changed.add(Tag.builder().key(key).value(value).build());
            }
        });
        // A shorter state leaves fewer chunks: stale ones would corrupt the next decode.
        List<Tag> stale = StateTags.keys(current).stream()
                .filter(k -> k.startsWith(StateTags.STATE) && !wanted.containsKey(k))
                .map(k -> Tag.builder().key(k).build()).toList();
        if (changed.isEmpty() && stale.isEmpty()) {
            return false;
        }
        if (!stale.isEmpty()) {
            ec2.deleteTags(b -> b.resources(instanceId).tags(stale));
        }
        if (!changed.isEmpty()) {
            ec2.createTags(b -> b.resources(instanceId).tags(changed));
        }
        return true;
    }

    /** Removes every lockdown tag; returns the keys removed. */
    Set<String> remove(String instanceId, Map<String, String> current) {
        Set<String> keys = StateTags.keys(current);
        if (!keys.isEmpty()) {
            ec2.deleteTags(b -> b.resources(instanceId).tags(keys.stream().map(k -> Tag.builder().key(k).build()).toList()));
        }
        return keys;
    }
}
