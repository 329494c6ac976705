package io.entitylockdown.lambda.findings;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * An SDK HTTP client on the JDK's {@code java.net.http}, for Security Hub only. BatchUpdateFindings
 * is an HTTP PATCH, which the SDK's url-connection client cannot send ({@code HttpURLConnection}
 * rejects the method: "Invalid HTTP method: PATCH"), and the function carries no Apache or Netty
 * client. Everything else (signing, retries, timeouts, interceptors) is the SDK's, as for every other
 * client; this class only moves the signed request and its answer.
 */
final class JdkHttpClient implements SdkHttpClient {
    /** Headers java.net.http sets itself and refuses from callers; it sends the same values the SDK signed. */
    private static final Set<String> SET_BY_THE_JDK = Set.of("host", "content-length", "connection", "expect", "upgrade");

    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private HttpClient client;

    JdkHttpClient(Duration connectTimeout, Duration requestTimeout) {
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Built on first use, not with the function: a java.net.http client starts a thread, and nothing with
     * threads or connections should go into a SnapStart snapshot.
     */
    private synchronized HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(connectTimeout)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
        }
        return client;
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new Exchange(request);
    }

    @Override
    public String clientName() {
        return "JdkHttp";
    }

    @Override
    public void close() {
        // java.net.http.HttpClient has no close() before Java 21; its threads end when it is unreachable.
    }

    private final class Exchange implements ExecutableHttpRequest {
        private final HttpExecuteRequest request;
        private volatile CompletableFuture<HttpResponse<InputStream>> pending;

        Exchange(HttpExecuteRequest request) {
            this.request = request;
        }

        @Override
        public HttpExecuteResponse call() throws IOException {
            SdkHttpRequest http = request.httpRequest();
            HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
            if (request.contentStreamProvider().isPresent()) {
                try (InputStream in = request.contentStreamProvider().get().newStream()) {
                    body = HttpRequest.BodyPublishers.ofByteArray(in.readAllBytes());
                }
            }
            HttpRequest.Builder builder = HttpRequest.newBuilder(http.getUri()).timeout(requestTimeout)
                    .method(http.method().name(), body);
            http.forEachHeader((name, values) -> {
                if (!SET_BY_THE_JDK.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(value -> builder.header(name, value));
                }
            });
            pending = client().sendAsync(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
            HttpResponse<InputStream> response;
            try {
                response = pending.get();
            } catch (InterruptedException e) {
                pending.cancel(true);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("The request to " + http.host() + " was interrupted");
            } catch (CancellationException e) {
                throw new IOException("The request to " + http.host() + " was aborted", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
            SdkHttpResponse.Builder answer = SdkHttpResponse.builder().statusCode(response.statusCode());
            response.headers().map().forEach(answer::putHeader);
            return HttpExecuteResponse.builder().response(answer.build())
                    .responseBody(AbortableInputStream.create(response.body(), this::abort)).build();
        }

        @Override
        public void abort() {
            CompletableFuture<HttpResponse<InputStream>> request = pending;
            if (request != null) {
                request.cancel(true);
            }
        }
    }
}
