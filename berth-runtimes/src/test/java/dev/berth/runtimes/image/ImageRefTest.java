package dev.berth.runtimes.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.runtimes.image.ImageException.Kind;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageRefTest {
    private static final String HEX = "ab".repeat(32);

    @Test
    void registryReferencesWithHostPortTagAndDigest() throws Exception {
        assertThat(ImageRef.parse("127.0.0.1:5000/team/agent:v1.2"))
                .isEqualTo(new ImageRef.Registry("127.0.0.1:5000", "team/agent", "v1.2", null));
        assertThat(ImageRef.parse("localhost/agent"))
                .isEqualTo(new ImageRef.Registry("localhost", "agent", "latest", null));
        assertThat(ImageRef.parse("registry.example.com/a/b/c@sha256:" + HEX))
                .isEqualTo(new ImageRef.Registry("registry.example.com", "a/b/c", "latest", new Digest(HEX)));
        ImageRef.Registry both = (ImageRef.Registry) ImageRef.parse("[::1]:5000/agent:v1@sha256:" + HEX);
        assertThat(both.host()).isEqualTo("[::1]:5000");
        assertThat(both.reference()).as("the digest wins").isEqualTo("sha256:" + HEX);
        assertThat(ImageRef.parse("docker://localhost:5000/agent:v1").host()).isEqualTo("localhost:5000");
    }

    @Test
    void dockerHubShortNames() throws Exception {
        assertThat(ImageRef.parse("alpine")).isEqualTo(new ImageRef.Registry(ImageRef.DOCKER_HUB, "library/alpine", "latest", null));
        assertThat(ImageRef.parse("python:3.13-slim"))
                .isEqualTo(new ImageRef.Registry(ImageRef.DOCKER_HUB, "library/python", "3.13-slim", null));
        assertThat(ImageRef.parse("someone/tool:1")).isEqualTo(new ImageRef.Registry(ImageRef.DOCKER_HUB, "someone/tool", "1", null));
        assertThat(ImageRef.parse("docker.io/library/alpine:3")).isEqualTo(ImageRef.parse("alpine:3"));
    }

    @Test
    void localLayoutsAndArchives() throws Exception {
        assertThat(ImageRef.parse("oci-layout:/images/agent")).isEqualTo(new ImageRef.OciLayout(Path.of("/images/agent"), null, null));
        assertThat(ImageRef.parse("oci-layout:/images/agent:v2")).isEqualTo(new ImageRef.OciLayout(Path.of("/images/agent"), "v2", null));
        assertThat(ImageRef.parse("oci-layout:rel/dir@sha256:" + HEX))
                .isEqualTo(new ImageRef.OciLayout(Path.of("rel/dir"), null, new Digest(HEX)));
        assertThat(ImageRef.parse("docker-archive:/tmp/saved.tar")).isEqualTo(new ImageRef.DockerArchive(Path.of("/tmp/saved.tar")));
        assertThat(ImageRef.parse("docker-archive:/tmp/saved.tar").host()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " alpine", "Upper/Case", "host:5000/repo:bad tag", "repo@sha256:short", "repo@md5:" + "ab",
        "repo:-tag", "a//b", "host:5000/", "oci-layout:", "docker-archive:", "bad_host_/x", "repo:tag\n"})
    void malformedReferencesAreInvalid(String text) {
        assertThatThrownBy(() -> ImageRef.parse(text))
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_REFERENCE))
                .message().startsWith("invalid image reference").doesNotContain("\n");
    }

    @Test
    void plainHttpOnlyForLoopbackAndHostsNamedInsecure() {
        FetchOptions o = FetchOptions.DEFAULTS.withInsecureHosts(Set.of("registry.lan:5000", "build.lan"));
        assertThat(o.plainHttp("localhost:5000")).isTrue();
        assertThat(o.plainHttp("127.0.0.1:41234")).isTrue();
        assertThat(o.plainHttp("[::1]:5000")).isTrue();
        assertThat(o.plainHttp("registry.lan:5000")).isTrue();
        assertThat(o.plainHttp("build.lan:443")).isTrue();
        assertThat(o.plainHttp("registry.lan:5001")).isFalse();
        assertThat(o.plainHttp("ghcr.io")).isFalse();
        assertThat(o.plainHttp("localhost.evil.com")).isFalse();
    }
}
