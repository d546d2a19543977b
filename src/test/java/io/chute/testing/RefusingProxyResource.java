package io.chute.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * A real S3Mock process behind a WireMock proxy on loopback that forwards everything except scripted faults:
 * any PutObject of a key containing {@value #REFUSED} is answered 400 InvalidArgument, and any HeadObject of a key
 * containing {@value #UNVERIFIABLE} 500. The application talks to the proxy; tests inspect S3Mock directly
 * through {@link InjectS3Server}; a {@code WireMockServer} field with the same annotation gets the proxy, whose
 * request journal counts what the application sent.
 */
public class RefusingProxyResource implements QuarkusTestResourceLifecycleManager {

    public static final String REFUSED = "refused";
    public static final String UNVERIFIABLE = "unverifiable";

    private final S3TestResource s3 = new S3TestResource();
    private WireMockServer proxy;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(s3.start());
        proxy = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        proxy.start();
        proxy.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(config.get("chute.s3.endpoint"))));
        proxy.stubFor(put(urlPathMatching(".*" + REFUSED + ".*")).atPriority(1).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/xml")
                .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InvalidArgument</Code>"
                        + "<Message>refused by the test proxy</Message></Error>")));
        proxy.stubFor(head(urlPathMatching(".*" + UNVERIFIABLE + ".*")).atPriority(1)
                .willReturn(aResponse().withStatus(500)));
        config.put("chute.s3.endpoint", "http://127.0.0.1:" + proxy.port());
        return config;
    }

    @Override
    public void inject(TestInjector testInjector) {
        s3.inject(testInjector);
        if (proxy != null) {
            testInjector.injectIntoFields(proxy,
                    new TestInjector.AnnotatedAndMatchesType(InjectS3Server.class, WireMockServer.class));
        }
    }

    @Override
    public void stop() {
        if (proxy != null) {
            proxy.stop();
        }
        s3.stop();
    }
}
