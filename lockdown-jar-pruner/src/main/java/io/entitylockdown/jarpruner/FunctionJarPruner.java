package io.entitylockdown.jarpruner;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Cuts the shaded function jar down to the AWS SDK classes the function can reach. Each SDK service module
 * carries classes for every operation of its API (EC2: some 10,800 model classes, 815 marshallers, 1,000
 * paginators, and an asynchronous client), while the function calls a few dozen operations.
 *
 * <p>What is used comes from the function itself, not from a list kept here: a class in the jar (argument
 * 2) answers {@code public static Collection<String> iamActions()}, the IAM actions of every operation the
 * function calls; IAM actions are the API's operation names. Then, in each service package's
 * {@code model}, {@code transform}, {@code paginators} and {@code waiters} folders, the jar keeps:
 * <ul>
 *   <li>the classes reachable (through every name in their constant pools) from the used operations'
 *       request, response, marshaller and paginator, from every modeled exception (errors are unmarshalled
 *       into them), and from every class outside those folders except the service clients, which name every
 *       operation;</li>
 *   <li>every top-level {@code *Request} class, alone: the JVM's verifier loads each request type the
 *       synchronous client passes on as an {@code SdkRequest} when it links that client.</li>
 * </ul>
 * The asynchronous clients go; everything else (SDK core, endpoints, auth, Jackson, the function's code)
 * stays as it is. {@code FunctionJarIT} in lockdown-lambda proves the result by running the handler from the
 * pruned jar in an isolated class loader against moto for every entity type.
 *
 * <p>Usage: {@code java -cp lockdown-jar-pruner.jar io.entitylockdown.jarpruner.FunctionJarPruner JAR CLASS}.
 * Rewrites JAR in place (atomically) and prints one line with the sizes.
 */
public final class FunctionJarPruner {
    private static final Pattern PER_OPERATION = Pattern.compile(
            "software/amazon/awssdk/services/[a-z0-9]+/(model|transform|paginators|waiters)/.+");
    private static final Pattern CLIENT = Pattern.compile(
            "software/amazon/awssdk/services/[a-z0-9]+/(Default)?\\w+Client(\\$[\\w$]*)?\\.class");
    private static final Pattern ASYNC = Pattern.compile(
            "software/amazon/awssdk/services/[a-z0-9]+/\\w*Async\\w*(\\$[\\w$]*)?\\.class");
    private static final Pattern TOP_LEVEL_REQUEST = Pattern.compile(
            "software/amazon/awssdk/services/[a-z0-9]+/model/\\w+Request\\.class");
    private static final Pattern MODELED_EXCEPTION = Pattern.compile(
            "software/amazon/awssdk/services/[a-z0-9]+/model/\\w+Exception\\.class");

    private FunctionJarPruner() {
    }

    public static void main(String[] args) throws IOException, ReflectiveOperationException {
        if (args.length != 2) {
            System.err.println("usage: FunctionJarPruner JAR CLASS   (CLASS in JAR has static iamActions())");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Summary summary = prune(jar, declaredActions(jar, args[1]));
        System.out.println(summary);
    }

    /** Calls {@code className.iamActions()} in a class loader over the jar alone. */
    static Set<String> declaredActions(Path jar, String className) throws IOException, ReflectiveOperationException {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Object actions;
            try {
                actions = loader.loadClass(className).getMethod("iamActions").invoke(null);
            } catch (InvocationTargetException e) {
                throw new IllegalStateException(className + ".iamActions() failed: " + e.getCause(), e.getCause());
            }
            Set<String> result = new TreeSet<>();
            for (Object action : (Collection<?>) actions) {
                result.add((String) action);
            }
            return result;
        }
    }

    /** What a pruning did, for the build log. */
    record Summary(long bytesBefore, long bytesAfter, int perOperationBefore, int perOperationKept, int operations) {
        @Override
        public String toString() {
            return String.format("Function jar pruned to the SDK classes of %d operations: %.1f MB -> %.1f MB "
                    + "(%d of %d per-operation SDK classes kept)", operations, bytesBefore / 1e6, bytesAfter / 1e6,
                    perOperationKept, perOperationBefore);
        }
    }

    /** Rewrites {@code jar} with only the SDK classes the operations named by {@code actions} can reach. */
    static Summary prune(Path jar, Set<String> actions) throws IOException {
        Map<String, byte[]> entries = read(jar);
        Set<String> classes = new HashSet<>();
        Set<String> packages = new TreeSet<>();
        for (String name : entries.keySet()) {
            if (name.endsWith(".class")) {
                classes.add(name.substring(0, name.length() - ".class".length()));
            }
            if (name.startsWith(SdkOperation.SERVICES)) {
                String rest = name.substring(SdkOperation.SERVICES.length());
                if (rest.indexOf('/') > 0) {
                    packages.add(rest.substring(0, rest.indexOf('/')));
                }
            }
        }

        Deque<String> pending = new ArrayDeque<>();
        for (String action : actions) {
            pending.addAll(SdkOperation.of(action, packages, classes::contains).roots());
        }
        for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
            String name = entry.getKey();
            if (!name.endsWith(".class")) {
                continue;
            }
            if (MODELED_EXCEPTION.matcher(name).matches()) {
                pending.add(internalName(name));
            } else if (!PER_OPERATION.matcher(name).matches() && !CLIENT.matcher(name).matches()
                    && !ASYNC.matcher(name).matches()) {
                pending.addAll(ClassReferences.of(entry.getValue()));
            }
        }
        Set<String> reachable = new HashSet<>();
        while (!pending.isEmpty()) {
            String name = pending.pop();
            if (PER_OPERATION.matcher(name).matches() && classes.contains(name) && reachable.add(name)) {
                pending.addAll(ClassReferences.of(entries.get(name + ".class")));
            }
        }

        Map<String, byte[]> kept = new LinkedHashMap<>();
        int perOperation = 0;
        for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
            String name = entry.getKey();
            boolean keep;
            if (name.endsWith("/")) {
                keep = true;
            } else if (ASYNC.matcher(name).matches()) {
                keep = false;
            } else if (PER_OPERATION.matcher(name).matches() && name.endsWith(".class")) {
                perOperation++;
                keep = reachable.contains(internalName(name)) || TOP_LEVEL_REQUEST.matcher(name).matches();
            } else {
                keep = true;
            }
            if (keep) {
                kept.put(name, entry.getValue());
            }
        }
        kept.keySet().removeIf(name -> name.endsWith("/") && kept.keySet().stream()
                .noneMatch(other -> !other.endsWith("/") && other.startsWith(name)));
        int keptPerOperation = (int) kept.keySet().stream()
                .filter(n -> n.endsWith(".class") && PER_OPERATION.matcher(n).matches()).count();

        long before = Files.size(jar);
        write(jar, entries.keySet(), kept);
        return new Summary(before, Files.size(jar), perOperation, keptPerOperation, actions.size());
    }

    private static String internalName(String entryName) {
        return entryName.substring(0, entryName.length() - ".class".length());
    }

    private static Map<String, byte[]> read(Path jar) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            Enumeration<? extends ZipEntry> all = zip.entries();
            while (all.hasMoreElements()) {
                ZipEntry entry = all.nextElement();
                try (InputStream in = zip.getInputStream(entry)) {
                    entries.put(entry.getName(), in.readAllBytes());
                }
            }
        }
        return entries;
    }

    /** Writes the kept entries in their original order next to the jar, then moves the result over it. */
    private static void write(Path jar, Collection<String> order, Map<String, byte[]> kept) throws IOException {
        Map<String, Long> times = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (String name : order) {
                times.put(name, zip.getEntry(name).getTime());
            }
        }
        Path pruned = jar.resolveSibling(jar.getFileName() + ".pruned");
        try (OutputStream file = Files.newOutputStream(pruned); ZipOutputStream out = new ZipOutputStream(file)) {
            out.setLevel(9);
            for (String name : order) {
                byte[] content = kept.get(name);
                if (content == null) {
                    continue;
                }
                ZipEntry entry = new ZipEntry(name);
                entry.setTime(times.get(name));
                out.putNextEntry(entry);
                out.write(content);
                out.closeEntry();
            }
        }
        Files.move(pruned, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
