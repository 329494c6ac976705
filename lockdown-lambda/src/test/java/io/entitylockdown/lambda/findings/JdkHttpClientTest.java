package io.entitylockdown.lambda.findings;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.entitylockdown.core.Json;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.securityhub.SecurityHubClient;
import software.amazon.awssdk.services.securityhub.model.BatchUpdateFindingsResponse;

/**
 * The PATCH that the SDK's url-connection client cannot send goes over the wire through
 * {@link JdkHttpClient} exactly as the SDK signed it: every signed header with its signed value, the
 * body byte for byte. A loopback JDK HTTP server plays Security Hub.
 */
class JdkHttpClientTest {
    private HttpServer server;
    private final List<Map<String, String>> headersOnTheWire = new CopyOnWriteArrayList<>();
    private final List<String> methods = new CopyOnWriteArrayList<>();
    private final List<byte[]> bodies = new CopyOnWriteArrayList<>();
    private volatile SdkHttpRequest signed;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, String.join(",", values)));
            headersOnTheWire.add(headers);
            methods.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            bodies.add(exchange.getRequestBody().readAllBytes());
            byte[] answer = "{\"ProcessedFindings\":[{\"Id\":\"f-1\",\"ProductArn\":\"p\"}],\"UnprocessedFindings\":[]}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void batchUpdateFindings_isSentAsThePatchTheSdkSigned() throws Exception {
        ExecutionInterceptor capture = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                signed = context.httpRequest();
            }
        };
        FindingRef finding = new FindingRef(FindingRef.FindingSource.SECURITY_HUB, "f-1", "p", "", "", "111111111111",
                "us-east-1", "");
        try (SecurityHubClient client = SecurityHubClient.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret")))
                .httpClient(new JdkHttpClient(Duration.ofSeconds(2), Duration.ofSeconds(5)))
                .overrideConfiguration(c -> c.addExecutionInterceptor(capture))
                .build()) {

            BatchUpdateFindingsResponse response = client.batchUpdateFindings(SecurityHubUpdate.request(finding, "a note"));

            assertThat(response.processedFindings()).singleElement().satisfies(f -> assertThat(f.id()).isEqualTo("f-1"));
        }
        assertThat(methods).containsExactly("PATCH /findings/batchupdate");
        Map<String, String> wire = headersOnTheWire.get(0);
        String authorization = wire.get("Authorization");
        assertThat(authorization).startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/").contains("/us-east-1/securityhub/");
        String signedHeaders = authorization.substring(authorization.indexOf("SignedHeaders=") + 14,
                authorization.indexOf(',', authorization.indexOf("SignedHeaders=")));
        assertThat(signedHeaders.split(";")).contains("host").allSatisfy(name ->
                assertThat(wire.get(name)).as("signed header %s on the wire", name)
                        .isEqualTo(String.join(",", signed.matchingHeaders(name))));
        JsonNode body = Json.mapper().readTree(bodies.get(0));
        assertThat(body.at("/FindingIdentifiers/0/Id").asText()).isEqualTo("f-1");
        assertThat(body.at("/Workflow/Status").asText()).isEqualTo("NOTIFIED");
        assertThat(body.at("/Note/UpdatedBy").asText()).isEqualTo("entity-lockdown");
        assertThat(wire.get("Content-Length")).isEqualTo(Integer.toString(bodies.get(0).length));
    }
}
