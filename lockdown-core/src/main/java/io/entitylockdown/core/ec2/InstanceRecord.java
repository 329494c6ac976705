package io.entitylockdown.core.ec2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.entitylockdown.core.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What containment recorded about an instance before changing it, as kept in its state tags: each
 * interface's original security groups and connection-tracking timeouts, the protection settings,
 * the roles whose deny policy lists it, its Auto Scaling group and its target-group registrations.
 *
 * <p>Values recorded first are never overwritten: a second containment sees the contained instance,
 * not the original one. Group lists are kept as one comma-separated string so that merging two
 * records can never unite two different lists.
 */
final class InstanceRecord {
    private ObjectNode state;

    private InstanceRecord(ObjectNode state) {
        this.state = state;
    }

    static InstanceRecord empty() {
        return new InstanceRecord(Json.mapper().createObjectNode());
    }

    static InstanceRecord of(ObjectNode state) {
        return new InstanceRecord(state.deepCopy());
    }

    /**
     * Takes in what another containment of the same instance recorded meanwhile: theirs wins where
     * both recorded a value (they may have seen the instance before any change), lists are united.
     */
    void absorb(ObjectNode recordedMeanwhile) {
        state = io.entitylockdown.core.strategy.StateTags.merge(recordedMeanwhile, state);
    }

    ObjectNode json() {
        return state.deepCopy();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> asMap() {
        return Json.mapper().convertValue(state, LinkedHashMap.class);
    }

    /** An interface's original groups and timeouts ({@code tcp,udpStream,udp}, empty when AWS reported none). */
    record InterfaceRecord(String interfaceId, List<String> groups, String tracking) {
    }

    boolean hasInterface(String interfaceId) {
        return state.path("interfaces").has(interfaceId);
    }

    void recordInterface(String interfaceId, List<String> groups, String tracking) {
        ObjectNode interfaces = state.has("interfaces") ? (ObjectNode) state.get("interfaces") : state.putObject("interfaces");
        if (!interfaces.has(interfaceId)) {
            ObjectNode entry = interfaces.putObject(interfaceId);
            entry.put("groups", String.join(",", groups));
            entry.put("tracking", tracking == null ? "" : tracking);
        }
    }

    /**
     * Notes that containment set the short timeouts on this interface, for where EC2 does not report
     * them back (then a second run cannot tell otherwise and would set them again).
     */
    void recordShortened(String interfaceId) {
        JsonNode entry = state.path("interfaces").get(interfaceId);
        if (entry instanceof ObjectNode object) {
            object.put("shortened", true);
        }
    }

    boolean shortened(String interfaceId) {
        return state.path("interfaces").path(interfaceId).path("shortened").asBoolean(false);
    }

    List<InterfaceRecord> interfaces() {
        List<InterfaceRecord> list = new ArrayList<>();
        state.path("interfaces").properties().forEach(e -> {
            String groups = e.getValue().path("groups").asText("");
            list.add(new InterfaceRecord(e.getKey(),
                    groups.isEmpty() ? List.of() : Arrays.asList(groups.split(",")),
                    e.getValue().path("tracking").asText("")));
        });
        return list;
    }

    /** The protection settings before containment. */
    record Protection(boolean termination, boolean stop) {
    }

    void recordProtection(Protection protection) {
        if (!state.has("protection")) {
            ObjectNode node = state.putObject("protection");
            node.put("termination", protection.termination());
            node.put("stop", protection.stop());
        }
    }

    Optional<Protection> protection() {
        JsonNode node = state.get("protection");
        if (node == null) {
            return Optional.empty();
        }
        return Optional.of(new Protection(node.path("termination").asBoolean(), node.path("stop").asBoolean()));
    }

    void recordRole(String roleName) {
        addToArray("roles", roleName);
    }

    Set<String> roles() {
        Set<String> roles = new TreeSet<>();
        state.path("roles").forEach(n -> roles.add(n.asText()));
        return roles;
    }

    void recordAutoScalingGroup(String name) {
        if (!state.has("autoScalingGroup")) {
            state.put("autoScalingGroup", name);
        }
    }

    Optional<String> autoScalingGroup() {
        return Optional.ofNullable(state.get("autoScalingGroup")).map(JsonNode::asText);
    }

    void recordTarget(FleetMembership.Target target) {
        ArrayNode targets = state.has("targetGroups") ? (ArrayNode) state.get("targetGroups") : state.putArray("targetGroups");
        for (JsonNode existing : targets) {
            if (existing.path("arn").asText().equals(target.targetGroupArn())
                    && existing.path("id").asText().equals(target.id())
                    && existing.path("port").asInt(-1) == (target.port() == null ? -1 : target.port())) {
                return;
            }
        }
        ObjectNode entry = targets.addObject();
        entry.put("arn", target.targetGroupArn());
        entry.put("id", target.id());
        if (target.port() != null) {
            entry.put("port", target.port());
        }
        if (target.availabilityZone() != null) {
            entry.put("az", target.availabilityZone());
        }
    }

    List<FleetMembership.Target> targets() {
        List<FleetMembership.Target> list = new ArrayList<>();
        state.path("targetGroups").forEach(n -> list.add(new FleetMembership.Target(n.path("arn").asText(),
                n.path("id").asText(), n.has("port") ? n.get("port").asInt() : null,
                n.has("az") ? n.get("az").asText() : null)));
        return list;
    }

    private void addToArray(String field, String value) {
        ArrayNode array = state.has(field) ? (ArrayNode) state.get(field) : state.putArray(field);
        for (JsonNode existing : array) {
            if (existing.asText().equals(value)) {
                return;
            }
        }
        array.add(value);
    }
}
