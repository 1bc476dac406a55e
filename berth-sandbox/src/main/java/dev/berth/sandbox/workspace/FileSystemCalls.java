package dev.berth.sandbox.workspace;

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
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The few file system system calls a workspace snapshot needs, through the Foreign Function API:
 * freezing a mounted file system (FIFREEZE/FITHAW), cloning a file's extents (FICLONE) and copying
 * only a sparse file's data (SEEK_DATA/SEEK_HOLE with copy_file_range). Each call throws an
 * {@link IOException} naming the call and its errno.
 */
final class FileSystemCalls {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_DIRECTORY = 0x10000;
    static final int O_CLOEXEC = 0x80000;
    static final int EXDEV = 18;
    static final int EINVAL = 22;
    static final int ENOTTY = 25;
    static final int EOPNOTSUPP = 95;
    static final int EBADF = 9;
    private static final int ENXIO = 6;
    private static final long FIFREEZE = 0xC0045877L;
    private static final long FITHAW = 0xC0045878L;
    private static final long FICLONE = 0x40049409L;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;

    private static final StructLayout ERRNO = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = ERRNO.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle IOCTL;
    private static final MethodHandle LSEEK;
    private static final MethodHandle FTRUNCATE;
    private static final MethodHandle COPY_FILE_RANGE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        OPEN = linker.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), errno);
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        IOCTL = linker.downcallHandle(libc.find("ioctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2), errno);
        LSEEK = linker.downcallHandle(libc.find("lseek").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), errno);
        FTRUNCATE = linker.downcallHandle(libc.find("ftruncate").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), errno);
        COPY_FILE_RANGE = linker.downcallHandle(libc.find("copy_file_range").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), errno);
    }

    private FileSystemCalls() {}

    /** An open file descriptor. */
    record Fd(int fd, String path) implements AutoCloseable {
        @Override
        public void close() {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
    }

    static Fd open(Path path, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(ERRNO);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path.toString()), flags | O_CLOEXEC);
            if (fd < 0) {
                throw failure("open " + path, errno(state));
            }
            return new Fd(fd, path.toString());
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("open " + path + ": " + t, t);
        }
    }

    /** Blocks every write to the file system {@code dir} is on, after flushing it to its device. */
    static void freeze(Fd dir) throws IOException {
        ioctl(dir, FIFREEZE, 0, "FIFREEZE");
    }

    static void thaw(Fd dir) throws IOException {
        ioctl(dir, FITHAW, 0, "FITHAW");
    }

    /**
     * Makes {@code target} share {@code source}'s extents (copy-on-write from then on).
     *
     * @return the errno when the file system cannot clone (no reflink support, other file system), or 0
     */
    static int cloneOrErrno(Fd source, Fd target) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(ERRNO);
            int rc = (int) IOCTL.invokeExact(state, target.fd(), FICLONE, (long) source.fd());
            if (rc == 0) {
                return 0;
            }
            int e = errno(state);
            if (e == EOPNOTSUPP || e == EXDEV || e == EINVAL || e == ENOTTY || e == EBADF) {
                return e;
            }
            throw failure("FICLONE " + source.path() + " to " + target.path(), e);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("FICLONE: " + t, t);
        }
    }

    /**
     * Copies {@code source}'s data regions into {@code target} (same length), leaving its holes
     * holes: a sparse 10 GiB image with 1 GiB written costs 1 GiB of copying and of disk.
     */
    static void copySparse(Fd source, Fd target, long length) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(ERRNO);
            if ((int) FTRUNCATE.invokeExact(state, target.fd(), length) != 0) {
                throw failure("ftruncate " + target.path(), errno(state));
            }
            MemorySegment inOffset = arena.allocate(JAVA_LONG);
            MemorySegment outOffset = arena.allocate(JAVA_LONG);
            long at = 0;
            while (at < length) {
                long data = (long) LSEEK.invokeExact(state, source.fd(), at, SEEK_DATA);
                if (data < 0) {
                    if (errno(state) == ENXIO) {
                        return; // only a hole is left
                    }
                    throw failure("lseek SEEK_DATA " + source.path(), errno(state));
                }
                long hole = (long) LSEEK.invokeExact(state, source.fd(), data, SEEK_HOLE);
                if (hole < 0) {
                    throw failure("lseek SEEK_HOLE " + source.path(), errno(state));
                }
                inOffset.set(JAVA_LONG, 0, data);
                outOffset.set(JAVA_LONG, 0, data);
                while (inOffset.get(JAVA_LONG, 0) < hole) {
                    long left = hole - inOffset.get(JAVA_LONG, 0);
                    long n = (long) COPY_FILE_RANGE.invokeExact(state, source.fd(), inOffset, target.fd(), outOffset,
                            Math.min(left, 1L << 30), 0);
                    if (n < 0) {
                        throw failure("copy_file_range " + source.path() + " to " + target.path(), errno(state));
                    }
                    if (n == 0) {
                        throw new IOException(source.path() + " shrank while being copied");
                    }
                }
                at = hole;
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("sparse copy of " + source.path() + ": " + t, t);
        }
    }

    private static void ioctl(Fd fd, long request, long arg, String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(ERRNO);
            if ((int) IOCTL.invokeExact(state, fd.fd(), request, arg) != 0) {
                throw failure(name + " " + fd.path(), errno(state));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(name + ": " + t, t);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO_VALUE.get(state, 0L);
    }

    private static IOException failure(String what, int errno) {
        return new IOException(what + ": errno " + errno);
    }
}
