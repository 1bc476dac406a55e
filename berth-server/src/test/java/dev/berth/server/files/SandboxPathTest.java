package dev.berth.server.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.model.ApiException;
import dev.berth.api.model.ErrorCode;
import org.junit.jupiter.api.Test;

/** Paths as the files route takes them: resolved by name, and only ever inside /mnt/workspace. */
class SandboxPathTest {

    @Test
    void dotsAreResolvedByName() {
        assertThat(SandboxPath.parse(null)).isEqualTo(new SandboxPath("/mnt/workspace", "."));
        assertThat(SandboxPath.parse("/mnt/workspace/")).isEqualTo(new SandboxPath("/mnt/workspace", "."));
        assertThat(SandboxPath.parse("/mnt/workspace//a/./b/../c"))
                .isEqualTo(new SandboxPath("/mnt/workspace/a/c", "a/c"));
        assertThat(SandboxPath.parse("/mnt/x/../workspace/a").relative()).isEqualTo("a");
        assertThat(SandboxPath.parse("/mnt/workspace/a/b.txt").name()).isEqualTo("b.txt");
    }

    @Test
    void anythingOutsideTheWorkspaceIsInvalid() {
        for (String p : new String[] {"/mnt/workspace/..", "/mnt/workspace/../../etc", "/etc/passwd", "a/b",
                "/mnt/workspacex", "/mnt/workspace/a\0b", "/../../mnt"}) {
            assertThatThrownBy(() -> SandboxPath.parse(p)).as(p)
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD));
        }
    }
}
