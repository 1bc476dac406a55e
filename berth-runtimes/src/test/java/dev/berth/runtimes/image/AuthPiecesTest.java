package dev.berth.runtimes.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Challenges, the token cache and logins: the parts of registry auth that need no registry. */
class AuthPiecesTest {
    @TempDir
    Path dir;

    @Test
    void bearerAndBasicChallengesParse() {
        List<Challenge> c = Challenge.parse(List.of(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                        + "scope=\"repository:library/alpine:pull,push\"",
                "Basic realm=\"Registry Realm\""));
        assertThat(c).hasSize(2);
        assertThat(c.get(0).scheme()).isEqualTo("bearer");
        assertThat(c.get(0).param("realm")).isEqualTo("https://auth.docker.io/token");
        assertThat(c.get(0).param("scope")).as("a comma inside quotes").isEqualTo("repository:library/alpine:pull,push");
        assertThat(c.get(1).scheme()).isEqualTo("basic");
        List<Challenge> two = Challenge.parse(List.of("Basic realm=x, Bearer realm=\"y\", service=s"));
        assertThat(two).extracting(Challenge::scheme).containsExactly("basic", "bearer");
        assertThat(two.get(1).param("service")).isEqualTo("s");
    }

    @Test
    void tokensExpireAndAreKeptApartByLogin() {
        Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
        TokenCache cache = new TokenCache(new Clock() {
            @Override
            public Instant instant() {
                return now[0];
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }
        });
        Credentials.Login right = new Credentials.Login("agent", "right");
        Credentials.Login wrong = new Credentials.Login("agent", "wrong");
        cache.put(TokenCache.key("h", "repository:a:pull", right), "T", Duration.ofSeconds(60));
        assertThat(cache.get(TokenCache.key("h", "repository:a:pull", right))).isEqualTo("T");
        assertThat(cache.get(TokenCache.key("h", "repository:a:pull", wrong))).isNull();
        assertThat(cache.get(TokenCache.key("h", "repository:a:pull", null))).isNull();
        assertThat(cache.get(TokenCache.key("h", "repository:b:pull", right))).isNull();
        now[0] = now[0].plusSeconds(56);
        assertThat(cache.get(TokenCache.key("h", "repository:a:pull", right))).as("expired, with a margin").isNull();
    }

    @Test
    void dockerConfigAuthsAreRead() throws Exception {
        String auth = Base64.getEncoder().encodeToString("robot:pa:ss".getBytes(StandardCharsets.UTF_8));
        Path config = Files.writeString(dir.resolve("config.json"), """
                {"auths": {
                  "https://index.docker.io/v1/": {"auth": "%s"},
                  "ghcr.io": {"username": "u", "password": "p"},
                  "127.0.0.1:5000": {}
                }, "credsStore": "desktop"}
                """.formatted(auth));

        Credentials c = DockerConfig.load(config);

        assertThat(c.forHost(ImageRef.DOCKER_HUB)).contains(new Credentials.Login("robot", "pa:ss"));
        assertThat(c.forHost("ghcr.io")).contains(new Credentials.Login("u", "p"));
        assertThat(c.forHost("127.0.0.1:5000")).isEmpty();
        assertThat(DockerConfig.load(dir.resolve("missing.json")).forHost("ghcr.io")).isEmpty();
    }

    @Test
    void passwordsNeverShow() throws Exception {
        Credentials c = Credentials.none().with("ghcr.io", "u", "hunter2");
        assertThat(c.toString()).doesNotContain("hunter2");
        assertThat(c.forHost("ghcr.io").orElseThrow().toString()).contains("u").doesNotContain("hunter2");
        Path broken = Files.writeString(dir.resolve("config.json"), "{\"auths\": {\"x\": {\"auth\": \"hunter2-not-base64!\"}}}");
        assertThatThrownBy(() -> DockerConfig.load(broken)).message().doesNotContain("hunter2");
        Path notJson = Files.writeString(dir.resolve("bad.json"), "{\"auths\": hunter2");
        assertThatThrownBy(() -> DockerConfig.load(notJson)).message().doesNotContain("hunter2");
    }
}
