package dev.berth.server.files;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * Linux's openat2(2), through the Foreign Function API (the C library has no wrapper: it is called
 * by number through syscall(2)). With {@code RESOLVE_IN_ROOT} the kernel resolves a path as if its
 * directory were {@code /}: {@code ..} and absolute symbolic links stay inside it, atomically, so a
 * sandbox that swaps links meanwhile cannot lead the server (root) out of its workspace.
 */
final class OpenAt2 {
    static final int ENOENT = 2;
    static final int EXDEV = 18;
    static final int ENOTDIR = 20;
    static final int ELOOP = 40;
    static final int EAGAIN = 11;
    static final int ENOSYS = 38;
    static final int E2BIG = 7;

    private static final long SYS_OPENAT2 = 437; // the same number on x86-64 and arm64
    private static final long AT_FDCWD = -100;
    private static final long O_PATH = 0x200000;
    private static final long O_CLOEXEC = 0x80000;
    private static final long O_DIRECTORY;
    private static final long O_NOFOLLOW;
    private static final long RESOLVE_NO_MAGICLINKS = 0x02;
    private static final long RESOLVE_IN_ROOT = 0x10;
    /** struct open_how: u64 flags, u64 mode, u64 resolve. */
    private static final long HOW_BYTES = 24;

    private static final StructLayout ERRNO = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = ERRNO.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SYSCALL;
    private static final MethodHandle CLOSE;

    static {
        boolean arm = System.getProperty("os.arch").equals("aarch64");
        O_DIRECTORY = arm ? 0x4000 : 0x10000;
        O_NOFOLLOW = arm ? 0x8000 : 0x20000;
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        SYSCALL = linker.downcallHandle(libc.find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private OpenAt2() {}

    /** An {@code O_PATH} descriptor: it names a file without opening it; {@link #proc} reaches the file itself. */
    record Fd(int fd) implements AutoCloseable {
        /** {@code /proc/self/fd/N}: opening or listing it reaches this very file, whatever its name is now. */
        Path proc() {
            return Path.of("/proc/self/fd/" + fd);
        }

        @Override
        public void close() {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
    }

    /** Thrown with the errno of a failed call. */
    static final class Failed extends IOException {
        final int errno;

        Failed(String what, int errno) {
            super(what + ": errno " + errno);
            this.errno = errno;
        }
    }

    /** The directory {@code dir} itself (not followed if it is a link). */
    static Fd directory(Path dir) throws IOException {
        return call(AT_FDCWD, dir.toString(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    }

    /** {@code relative} resolved with {@code root} as {@code /}, links followed (the last one too) but never out of it. */
    static Fd inRoot(Fd root, String relative) throws IOException {
        return call(root.fd(), relative, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    }

    private static Fd call(long dirfd, String path, long flags, long resolve) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment how = arena.allocate(HOW_BYTES, 8);
            how.set(JAVA_LONG, 0, flags);
            how.set(JAVA_LONG, 8, 0L);
            how.set(JAVA_LONG, 16, resolve);
            MemorySegment state = arena.allocate(ERRNO);
            long fd = (long) SYSCALL.invokeExact(state, SYS_OPENAT2, dirfd, arena.allocateFrom(path), how, HOW_BYTES);
            if (fd < 0) {
                throw new Failed("openat2 " + path, (int) ERRNO_VALUE.get(state, 0L));
            }
            return new Fd((int) fd);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("openat2 " + path + ": " + t, t);
        }
    }
}
