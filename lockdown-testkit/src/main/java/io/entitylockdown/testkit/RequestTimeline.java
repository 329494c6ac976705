package io.entitylockdown.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a {@link FaultProxy} request log as round trips: which requests had to wait for which, and
 * how many waits came before the first containing write. Used by the benchmarks; works on any slice
 * of the log (one containment's requests).
 *
 * <p><b>Round trip depth.</b> A request's depth is 1 plus the largest depth among the requests whose
 * answer was sent before it arrived (1 when there is none). Requests that overlap share a depth; a
 * request sent after another's answer is one deeper. The depth of the last request is the number of
 * round trips on the critical path, whatever ran in parallel beside it.
 *
 * <p><b>Round trips before the first containing write</b> is that write's depth minus 1: the number
 * of request waves that completed, one after another, before the write was sent. With a cached
 * member-role session and the write sent first, it is 0; after one {@code sts:AssumeRole}, 1.
 */
public final class RequestTimeline {
    /**
     * The writes that cut an attacker off, as the proxy names them: a deny attached or put on a user
     * or role (the instance-credential deny of an EC2 instance is a {@code PutRolePolicy}), an access key
     * switched off, a function's concurrency set, an interface's security groups or connection
     * tracking changed. Not counted: tags, snapshots, protections ({@code ModifyInstanceAttribute} in
     * this project sets termination and stop protection) or creating a group, which change nothing for
     * the attacker by themselves.
     */
    public static final Set<String> CONTAINING_WRITES = Set.of(
            "iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:PutUserPolicy", "iam:PutRolePolicy",
            "iam:UpdateAccessKey", "lambda:PutFunctionConcurrency", "ec2:ModifyNetworkInterfaceAttribute");

    private final List<FaultProxy.Exchange> exchanges;
    private final int[] depth;

    private RequestTimeline(List<FaultProxy.Exchange> exchanges) {
        this.exchanges = exchanges;
        this.depth = new int[exchanges.size()];
        for (int i = 0; i < exchanges.size(); i++) {
            int deepest = 0;
            for (int j = 0; j < i; j++) {
                if (exchanges.get(j).answeredBefore(exchanges.get(i))) {
                    deepest = Math.max(deepest, depth[j]);
                }
            }
            depth[i] = deepest + 1;
        }
    }

    /** The timeline of these requests (sorted by arrival). */
    public static RequestTimeline of(List<FaultProxy.Exchange> exchanges) {
        List<FaultProxy.Exchange> sorted = new ArrayList<>(exchanges);
        sorted.sort(Comparator.comparingLong(FaultProxy.Exchange::arrivedNanos));
        return new RequestTimeline(List.copyOf(sorted));
    }

    public List<FaultProxy.Exchange> exchanges() {
        return exchanges;
    }

    /** Requests sent, retries included. */
    public int requests() {
        return exchanges.size();
    }

    /** When the first request arrived. */
    public long startNanos() {
        if (exchanges.isEmpty()) {
            throw new IllegalStateException("No request was logged");
        }
        return exchanges.get(0).arrivedNanos();
    }

    /** The first containing write whose answer was a success (a throttled try does not count). */
    public Optional<FaultProxy.Exchange> firstContainingWrite() {
        return exchanges.stream()
                .filter(e -> CONTAINING_WRITES.contains(e.action()) && e.status() >= 200 && e.status() < 300)
                .findFirst();
    }

    /** The round-trip depth of one of this timeline's requests (see the class comment). */
    public int depth(FaultProxy.Exchange exchange) {
        int index = exchanges.indexOf(exchange);
        if (index < 0) {
            throw new IllegalArgumentException("Not in this timeline: " + exchange);
        }
        return depth[index];
    }

    /** Waves of requests completed one after another before {@code exchange} was sent. */
    public int roundTripsBefore(FaultProxy.Exchange exchange) {
        return depth(exchange) - 1;
    }

    /** Round trips on the critical path of the whole timeline. */
    public int roundTrips() {
        int deepest = 0;
        for (int d : depth) {
            deepest = Math.max(deepest, d);
        }
        return deepest;
    }

    /** From the first request's arrival to {@code nanos}. */
    public Duration since(long nanos) {
        return Duration.ofNanos(nanos - startNanos());
    }

    /** Requests per action, sorted. */
    public Map<String, Integer> countsByAction() {
        Map<String, Integer> counts = new TreeMap<>();
        exchanges.forEach(e -> counts.merge(e.action(), 1, Integer::sum));
        return counts;
    }

    /**
     * The requests wave by wave, e.g. {@code 1: sts:AssumeRole | 2: iam:AttachUserPolicy, sns:Publish}:
     * where the round trips go. Service prefixes are kept; a faulted try is marked with its status.
     */
    public String waves() {
        Map<Integer, List<String>> byDepth = new TreeMap<>();
        for (int i = 0; i < exchanges.size(); i++) {
            FaultProxy.Exchange e = exchanges.get(i);
            String label = e.action() + (e.status() >= 400 || e.status() == 0 ? " (" + e.status() + ")" : "");
            byDepth.computeIfAbsent(depth[i], k -> new ArrayList<>()).add(label);
        }
        StringBuilder out = new StringBuilder();
        byDepth.forEach((d, actions) -> {
            if (out.length() > 0) {
                out.append(" | ");
            }
            out.append(d).append(": ").append(String.join(", ", actions));
        });
        return out.toString();
    }
}
