package io.entitylockdown.jarpruner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pruning on a small service laid out like the AWS SDK's ("demo", compiled here): what a used
 * operation, an exception or the application reaches is kept; other operations keep only their request
 * class; the asynchronous client goes.
 */
class FunctionJarPrunerTest {
    private static final String SERVICE = "software/amazon/awssdk/services/demo/";
    private static final Map<String, String> SOURCES = new LinkedHashMap<>();

    static {
        String pkg = "package software.amazon.awssdk.services.demo";
        String imports = "; import software.amazon.awssdk.services.demo.model.*;"
                + " import software.amazon.awssdk.services.demo.transform.*;";
        SOURCES.put(SERVICE + "DemoClient", pkg + imports + " public interface DemoClient {"
                + " GetThingResponse getThing(GetThingRequest r); ListThingsResponse listThings(ListThingsRequest r); }");
        SOURCES.put(SERVICE + "DefaultDemoClient", pkg + imports + " public class DefaultDemoClient implements DemoClient {"
                + " public GetThingResponse getThing(GetThingRequest r) { new GetThingRequestMarshaller(); return null; }"
                + " public ListThingsResponse listThings(ListThingsRequest r) {"
                + " new ListThingsRequestMarshaller(); return null; } }");
        SOURCES.put(SERVICE + "DemoAsyncClient", pkg + imports + " public interface DemoAsyncClient {"
                + " ListThingsResponse listThings(ListThingsRequest r); }");
        SOURCES.put(SERVICE + "endpoints/DemoEndpointParams", pkg + ".endpoints; public class DemoEndpointParams {"
                + " software.amazon.awssdk.services.demo.model.Region region; }");
        SOURCES.put(SERVICE + "model/DemoRequest", pkg + ".model; public abstract class DemoRequest { }");
        SOURCES.put(SERVICE + "model/Region", pkg + ".model; public class Region { }");
        SOURCES.put(SERVICE + "model/GetThingRequest", pkg + ".model; public class GetThingRequest extends DemoRequest {"
                + " Selector selector; public static class Builder { } }");
        SOURCES.put(SERVICE + "model/Selector", pkg + ".model; public class Selector { }");
        SOURCES.put(SERVICE + "model/GetThingResponse", pkg + ".model; public class GetThingResponse {"
                + " java.util.List<Thing> things; }");
        SOURCES.put(SERVICE + "model/Thing", pkg + ".model; public class Thing { Part part; }");
        SOURCES.put(SERVICE + "model/Part", pkg + ".model; public class Part { }");
        SOURCES.put(SERVICE + "model/ListThingsRequest", pkg + ".model; public class ListThingsRequest extends DemoRequest {"
                + " Filter filter; }");
        SOURCES.put(SERVICE + "model/Filter", pkg + ".model; public class Filter { }");
        SOURCES.put(SERVICE + "model/ListThingsResponse", pkg + ".model; public class ListThingsResponse { }");
        SOURCES.put(SERVICE + "model/NoSuchThingException", pkg + ".model; public class NoSuchThingException"
                + " extends RuntimeException { private static final long serialVersionUID = 1L; Reason reason; }");
        SOURCES.put(SERVICE + "model/Reason", pkg + ".model; public class Reason { }");
        SOURCES.put(SERVICE + "model/Label", pkg + ".model; public class Label { }");
        SOURCES.put(SERVICE + "model/Unused", pkg + ".model; public class Unused { }");
        SOURCES.put(SERVICE + "transform/GetThingRequestMarshaller", pkg + ".transform;"
                + " public class GetThingRequestMarshaller { String kind = \"software/amazon/awssdk/services/demo/model/Label\"; }");
        SOURCES.put(SERVICE + "transform/ListThingsRequestMarshaller", pkg + ".transform;"
                + " public class ListThingsRequestMarshaller { software.amazon.awssdk.services.demo.model.Filter f; }");
        SOURCES.put(SERVICE + "paginators/ListThingsIterable", pkg + ".paginators; public class ListThingsIterable {"
                + " software.amazon.awssdk.services.demo.model.ListThingsResponse page; }");
        SOURCES.put(SERVICE + "waiters/DemoWaiter", pkg + ".waiters; public class DemoWaiter {"
                + " software.amazon.awssdk.services.demo.model.ListThingsResponse last; }");
        SOURCES.put("io/example/App", "package io.example; public class App {"
                + " software.amazon.awssdk.services.demo.DemoClient client; }");
        SOURCES.put("io/example/Operations", "package io.example; public class Operations {"
                + " public static java.util.Set<String> iamActions() { return java.util.Set.of(\"demo:GetThing\"); } }");
    }

    @TempDir
    Path dir;
    private Path jar;

    @BeforeEach
    void buildJar() throws IOException {
        Path sources = Files.createDirectories(dir.resolve("src"));
        Path classes = Files.createDirectories(dir.resolve("classes"));
        List<String> arguments = new ArrayList<>(List.of("-d", classes.toString(), "-nowarn"));
        for (Map.Entry<String, String> source : SOURCES.entrySet()) {
            Path file = sources.resolve(source.getKey() + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            arguments.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream messages = new ByteArrayOutputStream();
        assertThat(javac.run(null, messages, messages, arguments.toArray(String[]::new)))
                .as("the demo service compiles:%n%s", messages.toString(StandardCharsets.UTF_8)).isZero();
        jar = dir.resolve("function.jar");
        try (OutputStream file = Files.newOutputStream(jar); ZipOutputStream out = new ZipOutputStream(file);
                Stream<Path> all = Files.walk(classes)) {
            for (Path path : all.sorted().toList()) {
                String name = classes.relativize(path).toString().replace('\\', '/');
                if (name.isEmpty()) {
                    continue;
                }
                out.putNextEntry(new ZipEntry(Files.isDirectory(path) ? name + "/" : name));
                if (Files.isRegularFile(path)) {
                    out.write(Files.readAllBytes(path));
                }
                out.closeEntry();
            }
        }
    }

    @Test
    void prune_keepsWhatTheUsedOperationsExceptionsAndCodeReach_andEveryRequestClass() throws Exception {
        Set<String> actions = FunctionJarPruner.declaredActions(jar, "io.example.Operations");

        FunctionJarPruner.Summary summary = FunctionJarPruner.prune(jar, actions);

        List<String> entries = entries();
        assertThat(actions).containsExactly("demo:GetThing");
        assertThat(entries).contains(
                "io/example/App.class", "io/example/Operations.class",
                SERVICE + "DemoClient.class", SERVICE + "DefaultDemoClient.class",
                SERVICE + "endpoints/DemoEndpointParams.class", SERVICE + "model/Region.class",
                SERVICE + "model/GetThingRequest.class", SERVICE + "model/GetThingRequest$Builder.class",
                SERVICE + "model/DemoRequest.class", SERVICE + "model/Selector.class",
                SERVICE + "model/GetThingResponse.class", SERVICE + "model/Thing.class", SERVICE + "model/Part.class",
                SERVICE + "transform/GetThingRequestMarshaller.class", SERVICE + "model/Label.class",
                SERVICE + "model/NoSuchThingException.class", SERVICE + "model/Reason.class",
                SERVICE + "model/ListThingsRequest.class");
        assertThat(entries).doesNotContain(
                SERVICE + "DemoAsyncClient.class", SERVICE + "model/Filter.class",
                SERVICE + "model/ListThingsResponse.class", SERVICE + "transform/ListThingsRequestMarshaller.class",
                SERVICE + "paginators/ListThingsIterable.class", SERVICE + "waiters/DemoWaiter.class",
                SERVICE + "model/Unused.class", SERVICE + "paginators/", SERVICE + "waiters/");
        assertThat(summary.perOperationKept()).isLessThan(summary.perOperationBefore());
        assertThat(summary.bytesAfter()).isLessThan(summary.bytesBefore());
    }

    @Test
    void prune_anActionNoSdkServiceHas_failsNamingIt_andLeavesTheJarAlone() throws IOException {
        List<String> before = entries();

        assertThatThrownBy(() -> FunctionJarPruner.prune(jar, Set.of("demo:GetThing", "demo:ExplodeThing")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'demo:ExplodeThing'").hasMessageContaining("ExplodeThingRequest");
        assertThatThrownBy(() -> FunctionJarPruner.prune(jar, Set.of("nosuchservice:GetThing")))
                .hasMessageContaining("no package named nosuchservice*");
        assertThat(entries()).isEqualTo(before);
    }

    @Test
    void operation_underAnIamPrefixThatIsNotThePackageName_isFound() {
        Set<String> classes = Set.of(SdkOperation.SERVICES + "elasticloadbalancingv2/model/DeregisterTargetsRequest",
                SdkOperation.SERVICES + "ec2/model/DescribeInstancesRequest");

        assertThat(SdkOperation.of("elasticloadbalancing:DeregisterTargets",
                List.of("ec2", "elasticloadbalancingv2"), classes::contains))
                .isEqualTo(new SdkOperation("elasticloadbalancingv2", "DeregisterTargets"));
        assertThat(SdkOperation.of("ec2:DescribeInstances", List.of("ec2", "elasticloadbalancingv2"), classes::contains))
                .isEqualTo(new SdkOperation("ec2", "DescribeInstances"));
    }

    private List<String> entries() throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().map(ZipEntry::getName).toList();
        }
    }
}
