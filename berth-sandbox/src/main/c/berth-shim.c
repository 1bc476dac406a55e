/*
 * berth-shim: the per-sandbox supervisor of the namespaces driver.
 *
 * The contract with the server is docs/shim-protocol.md; keep the two in step.
 *
 * `berth-shim start` forks a daemon that stays in the host namespaces, clones the sandbox init
 * (PID 1 of new user/mnt/pid/net/uts/ipc/cgroup namespaces) and then serves the control socket
 * from a single-threaded poll(2) loop. Commands join the sandbox through a helper that
 * setns()es and clones them with CLONE_PARENT, so the daemon is their parent: it reaps them,
 * reads their stdout/stderr pipes into segment files and writes their exit records. One helper
 * stays forked and joined for the sandbox's life (warm_main()) and clones every command, so that
 * joining the cgroups is paid once per sandbox, not once per command.
 *
 * Build: gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o berth-shim berth-shim.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROTOCOL_VERSION "1"
#define MAX_MSG (16u << 20)         /* largest accepted message body */
#define MAX_CONNS 256
#define MAX_TTY_INPUT (1u << 20)    /* input queued for a terminal that is not reading it */
#define SEG_BYTES (4ull << 20)      /* the next frame starts a new segment past this payload */
#define READ_CHUNK (256u << 10)     /* one pipe read, one frame */
#define PIPE_BYTES (1 << 20)
#define GRACE_MS 2000               /* wait for pipes held by background children after exit */
#define KILL_AFTER_MS 2000          /* SIGTERM -> SIGKILL on timeout */
#define SHUTDOWN_MS 5000            /* give up waiting for the sandbox to die */
#define REQ_IDLE_MS 60000           /* a request connection must deliver its message by then */
#define CHILD_REPLY_MS 30000        /* sandbox init / spawn helper must report by then */
#define FIRST_WATCH_MS 5000         /* output is held for the first watcher at most this long */
#define GATEWAY_PORT 7761           /* where the sandbox finds the gateway, on its own loopback */
#define MAX_GW_RELAYS 64            /* gateway connections relayed at once; more wait in the backlog */
#define MAX_GW_TAG 512              /* the session tag's bytes (the gateway reads <= 1 KiB of PROXY header) */

struct config {
    const char *state, *hostname, *workspace;
    const char *lower, *upper; /* an image root: shared read-only tree, and this sandbox's writable layer */
    unsigned long uid_base, uid_count;
    const char **cgroups, **robinds;
    int ncgroups, nrobinds;
    const char *gateway, *gateway_tag_file; /* the host's gateway socket, and where its tag for us is */
};

struct buf {
    char *p;
    size_t len, cap;
};

struct cmd {
    struct cmd *next;
    char id[65];
    pid_t pid;
    int out_fd, err_fd;             /* read ends, -1 after EOF */
    int in_fd;                      /* stdin write end, -1 when done */
    int tty_fd;                     /* a tty command's pty master, for input and resizes; -1 if none */
    struct buf tin;                 /* input for the tty not yet written */
    char *in_buf;
    size_t in_len, in_off;
    int seg_fd;                     /* current segment, -1 before the first frame */
    uint64_t *segs;                 /* first offsets of the retained segments; last = current */
    size_t nsegs, segcap;
    uint64_t seg_payload;           /* payload bytes in the current segment */
    off_t seg_size;                 /* file size of the current segment */
    uint64_t end, retain;
    long long started_ms, ended_ms; /* wall clock */
    long long deadline, kill_at, grace_at; /* monotonic, 0 = none */
    long long hold_until;           /* no trimming before the first watcher (monotonic, 0 = none) */
    int exited, status, timed_out, paused;
};

struct conn {
    int fd, watch, closing, dead;
    struct cmd *cmd;                /* watched command, NULL once X is queued */
    uint64_t ack, sent;             /* offset acked (consumed) so far, last P sent */
    long long since;
    struct buf in, out;
};

struct exitinfo {
    int code, sig, timed_out;
    long long started, ended;
    unsigned long long end;
};

struct spawn_req {
    char id[65];
    char **argv, **envp, *cwd, *in;
    int argc, envc, has_in;
    unsigned rows, cols;            /* a terminal of that size (both > 0), else pipes */
    size_t in_len;
    uint64_t timeout, retain;
};

struct fwd {
    unsigned port;
    int fd;
};
#define MAX_FWDS 8

static struct {
    struct config cfg;
    struct fwd fwds[MAX_FWDS];      /* forwarded sandbox ports (req_forward) */
    int nfwds;
    int statefd, cmdfd, listenfd, sigfd;
    pid_t init_pid;                 /* 0 once reaped */
    int shutdown;
    long long shutdown_deadline;
    struct conn *destroy_conn;
    struct cmd *cmds;
    struct conn *conns[MAX_CONNS];
    int nconns;
    struct rlimit nofile;           /* restored for commands */
    pid_t warm_pid;                 /* the pre-forked spawn helper, 0 if none */
    int warm_fd;                    /* our end of its socketpair */
    int warm_want;                  /* fork a new one once this loop iteration is done */
    int warm_ready;                 /* it has said "R": joined and serving */
    int gw_fd;                      /* 127.0.0.1:7761 in the sandbox's netns, -1 without a gateway */
    unsigned char gw_hdr[31 + MAX_GW_TAG + 1]; /* the PROXY v2 header with the tag (+ its file's newline) */
    size_t gw_hdr_len;
    pid_t gw_relays[MAX_GW_RELAYS]; /* live gateway relays (0 = free slot) */
    int ngw_relays;
} g = { .statefd = -1, .cmdfd = -1, .listenfd = -1, .sigfd = -1, .warm_fd = -1, .gw_fd = -1 };

static char g_err[512];
static char rbuf[READ_CHUNK];
/* clone(2) stack for the sandbox init and for commands; each child runs on its own COW copy. */
static char clone_stack[256 << 10] __attribute__((aligned(64)));

/* ------------------------------------------------------------------ utilities */

static long long clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
static long long mono_ms(void) { return clock_ms(CLOCK_MONOTONIC); }
static long long wall_ms(void) { return clock_ms(CLOCK_REALTIME); }

/* Records an error message (with %m) in g_err and returns -1. */
__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    va_start(ap, fmt);
    errno = e;
    vsnprintf(g_err, sizeof g_err, fmt, ap);
    va_end(ap);
    errno = e;
    return -1;
}

__attribute__((format(printf, 1, 2))) static void logmsg(const char *fmt, ...)
{
    int e = errno;
    char ts[32], line[1024];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    errno = e;
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    dprintf(2, "%s berth-shim[%d]: %s\n", ts, (int)getpid(), line);
    errno = e;
}

static int write_all(int fd, const void *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p = (const char *)p + w;
        n -= (size_t)w;
    }
    return 0;
}

static int write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, s, strlen(s));
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static void set_oom_adj(const char *v) { (void)write_file("/proc/self/oom_score_adj", v); }

/* Closes every descriptor except those in keep (negative entries are ignored). */
static void close_fds_except(int *keep, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    unsigned lo = 0;
    for (int i = 0; i < n; i++) {
        if (keep[i] < 0 || (unsigned)keep[i] < lo)
            continue;
        if ((unsigned)keep[i] > lo)
            close_range(lo, (unsigned)keep[i] - 1, 0);
        lo = (unsigned)keep[i] + 1;
    }
    close_range(lo, ~0U, 0);
}

/* Reads from fd until EOF, a newline or the timeout; returns the byte count or -1. */
static ssize_t read_reply(int fd, char *b, size_t cap, int timeout_ms)
{
    size_t n = 0;
    long long until = mono_ms() + timeout_ms;
    while (n + 1 < cap) {
        long long left = until - mono_ms();
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (left <= 0 || poll(&p, 1, (int)left) == 0)
            return fail("timed out"), -1;
        ssize_t r = read(fd, b + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
        if (memchr(b, '\n', n))
            break;
    }
    b[n] = 0;
    return (ssize_t)n;
}

static int buf_reserve(struct buf *b, size_t need)
{
    if (b->cap - b->len >= need)
        return 0;
    size_t c = b->cap ? b->cap : 256;
    while (c - b->len < need)
        c *= 2;
    char *p = realloc(b->p, c);
    if (!p)
        return -1;
    b->p = p;
    b->cap = c;
    return 0;
}

static void buf_consume(struct buf *b, size_t n)
{
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

static void buf_free(struct buf *b)
{
    free(b->p);
    *b = (struct buf){ 0 };
}

static int valid_id(const char *s, size_t n)
{
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '-' || s[i] == '_' || (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= 'A' && s[i] <= 'Z')))
            return 0;
    return 1;
}

static int parse_u64(const char *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n < 1 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' || v > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------ wire format */

struct msg {
    unsigned char d[1024];
    size_t n;
};

static uint32_t get_le32(const void *v)
{
    const unsigned char *p = v;
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void m_start(struct msg *m, char type)
{
    m->n = 5;
    m->d[4] = (unsigned char)type;
}

static void m_bytes(struct msg *m, char tag, const void *s, size_t len)
{
    if (m->n + 5 > sizeof m->d)
        return;
    if (len > sizeof m->d - m->n - 5)
        len = sizeof m->d - m->n - 5; /* only long error texts get cut */
    m->d[m->n] = (unsigned char)tag;
    put_le32(m->d + m->n + 1, (uint32_t)len);
    memcpy(m->d + m->n + 5, s, len);
    m->n += 5 + len;
}

static void m_num(struct msg *m, char tag, long long v)
{
    char t[24];
    m_bytes(m, tag, t, (size_t)snprintf(t, sizeof t, "%lld", v));
}

static void m_unum(struct msg *m, char tag, unsigned long long v)
{
    char t[24];
    m_bytes(m, tag, t, (size_t)snprintf(t, sizeof t, "%llu", v));
}

struct field {
    char tag;
    const char *p;
    size_t len;
};

/* 1 with the next field, 0 at the end, -1 if the body is malformed. */
static int next_field(const char *b, size_t n, size_t *pos, struct field *f)
{
    if (*pos == n)
        return 0;
    if (n - *pos < 5)
        return -1;
    uint32_t len = get_le32(b + *pos + 1);
    if (len > n - *pos - 5)
        return -1;
    f->tag = b[*pos];
    f->p = b + *pos + 5;
    f->len = len;
    *pos += 5 + len;
    return 1;
}

/* The first field with tag: 1 found, 0 absent, -1 malformed body. */
static int get_field(const char *b, size_t n, char tag, struct field *out)
{
    size_t pos = 0;
    struct field f;
    int r;
    while ((r = next_field(b, n, &pos, &f)) > 0)
        if (f.tag == tag) {
            *out = f;
            return 1;
        }
    return r;
}

static int get_num(const char *b, size_t n, char tag, uint64_t *v)
{
    struct field f;
    int r = get_field(b, n, tag, &f);
    if (r <= 0)
        return r;
    return parse_u64(f.p, f.len, v) < 0 ? -1 : 1;
}

static int get_id(const char *b, size_t n, char id[65])
{
    struct field f;
    if (get_field(b, n, 'i', &f) <= 0 || !valid_id(f.p, f.len))
        return -1;
    memcpy(id, f.p, f.len);
    id[f.len] = 0;
    return 0;
}

/* ------------------------------------------------------------------ namespaces */

static const char *const ns_names[] = { "ipc", "uts", "net", "pid", "mnt", "cgroup", "user" };
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
#define NDEV (sizeof dev_nodes / sizeof *dev_nodes)

static int become_root(void)
{
    if (setresgid(0, 0, 0) < 0)
        return fail("setresgid: %m");
    if (setgroups(0, NULL) < 0)
        return fail("setgroups: %m");
    if (setresuid(0, 0, 0) < 0)
        return fail("setresuid: %m");
    return 0;
}

static int join_cgroups(pid_t pid)
{
    char path[PATH_MAX], v[24];
    snprintf(v, sizeof v, "%d\n", (int)pid);
    for (int i = 0; i < g.cfg.ncgroups; i++) {
        snprintf(path, sizeof path, "%s/cgroup.procs", g.cfg.cgroups[i]);
        if (write_file(path, v) < 0)
            return fail("join cgroup %s: %m", g.cfg.cgroups[i]);
    }
    return 0;
}

/* ------------------------------------------------------------------ sandbox init */

struct robind {
    const char *rel; /* path below the new root */
    char *link;      /* symlink target, re-created as is */
    int fd, isdir;
};

struct init_args {
    int go_r, res_w;
};

/* mkdir -p of a path relative to the cwd (the new root). */
static int mkdir_p(const char *path, mode_t mode)
{
    char b[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof b)
        return errno = ENAMETOOLONG, -1;
    memcpy(b, path, n + 1);
    for (char *p = b + 1;; p++) {
        if (*p != '/' && *p != 0)
            continue;
        char c = *p;
        *p = 0;
        if (mkdir(b, mode) < 0 && errno != EEXIST)
            return -1;
        if (!c)
            return 0;
        *p = c;
    }
}

static int mkdir_parent(const char *path)
{
    char b[PATH_MAX];
    snprintf(b, sizeof b, "%s", path);
    char *s = strrchr(b, '/');
    if (!s)
        return 0;
    *s = 0;
    return mkdir_p(b, 0755);
}

static int touch(const char *path)
{
    if (mkdir_parent(path) < 0)
        return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

/*
 * Flags of the source mount that a bind remount must repeat: the kernel refuses to clear flags
 * that are locked on mounts inherited from a more privileged namespace.
 */
static unsigned long carried_flags(int fd)
{
    static const struct { unsigned long st, ms; } map[] = {
        { ST_RDONLY, MS_RDONLY },     { ST_NOSUID, MS_NOSUID },         { ST_NODEV, MS_NODEV },
        { ST_NOEXEC, MS_NOEXEC },     { ST_NOATIME, MS_NOATIME },       { ST_NODIRATIME, MS_NODIRATIME },
        { ST_RELATIME, MS_RELATIME },
    };
    struct statvfs sv;
    unsigned long fl = 0;
    if (fstatvfs(fd, &sv) < 0)
        return 0;
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (sv.f_flag & map[i].st)
            fl |= map[i].ms;
    return fl;
}

/* Binds the file open as srcfd onto dst; extra != 0 remounts it with those flags added. */
static int bind_mount(int srcfd, const char *dst, unsigned long extra)
{
    char src[40];
    snprintf(src, sizeof src, "/proc/self/fd/%d", srcfd);
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
        return fail("bind /%s: %m", dst);
    if (!extra)
        return 0;
    if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | extra | carried_flags(srcfd), NULL) < 0)
        return fail("remount /%s: %m", dst);
    if (extra & MS_RDONLY) {
        /* The remount above only covers the top mount; submounts (e.g. /etc/hosts) too. */
        struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
        (void)mount_setattr(AT_FDCWD, dst, AT_RECURSIVE, &a, sizeof a);
    }
    return 0;
}

static int mount_fs(const char *fs, const char *dst, unsigned long flags, const char *opts)
{
    if (mkdir_p(dst, 0755) < 0)
        return fail("mkdir /%s: %m", dst);
    if (mount(fs, dst, fs, flags, opts) < 0)
        return fail("mount %s on /%s: %m", fs, dst);
    return 0;
}

/* Opens what the new root is made of while this process still has host uid 0 (see init_setup). */
static int open_sources(struct robind *rb, int *wsfd, int devfd[NDEV], int layerfd[3])
{
    if (g.cfg.lower) {
        static const char *const sub[] = { NULL, "upper", "work" };
        for (int i = 0; i < 3; i++) {
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s%s%s", i ? g.cfg.upper : g.cfg.lower, i ? "/" : "", i ? sub[i] : "");
            if ((layerfd[i] = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                return fail("root layer %s: %m", p);
        }
    }
    for (int i = 0; i < g.cfg.nrobinds; i++) {
        const char *p = g.cfg.robinds[i];
        struct stat st;
        rb[i].fd = -1;
        rb[i].rel = p + 1;
        if (lstat(p, &st) < 0)
            return fail("ro-bind %s: %m", p);
        if (S_ISLNK(st.st_mode)) {
            char t[PATH_MAX];
            ssize_t n = readlink(p, t, sizeof t - 1);
            if (n < 0)
                return fail("readlink %s: %m", p);
            t[n] = 0;
            rb[i].link = strdup(t);
            continue;
        }
        rb[i].isdir = S_ISDIR(st.st_mode);
        if ((rb[i].fd = open(p, O_PATH | O_CLOEXEC | O_NOFOLLOW)) < 0)
            return fail("ro-bind %s: %m", p);
    }
    if ((*wsfd = open(g.cfg.workspace, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return fail("workspace %s: %m", g.cfg.workspace);
    for (size_t i = 0; i < NDEV; i++) {
        char p[32];
        snprintf(p, sizeof p, "/dev/%s", dev_nodes[i]);
        devfd[i] = open(p, O_PATH | O_CLOEXEC);
        if (devfd[i] < 0 && errno != ENOENT)
            return fail("open %s: %m", p);
    }
    return 0;
}

static int setup_dev(const int devfd[NDEV])
{
    static const char *const links[][2] = {
        { "pts/ptmx", "dev/ptmx" },        { "/proc/self/fd", "dev/fd" },
        { "/proc/self/fd/0", "dev/stdin" }, { "/proc/self/fd/1", "dev/stdout" },
        { "/proc/self/fd/2", "dev/stderr" },
    };
    if (mount_fs("tmpfs", "dev", MS_NOSUID | MS_NOEXEC, "mode=0755") < 0)
        return -1;
    for (size_t i = 0; i < NDEV; i++) {
        char p[32];
        if (devfd[i] < 0)
            continue;
        snprintf(p, sizeof p, "dev/%s", dev_nodes[i]);
        if (touch(p) < 0)
            return fail("create /%s: %m", p);
        if (bind_mount(devfd[i], p, 0) < 0)
            return -1;
    }
    if (mount_fs("devpts", "dev/pts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620") < 0)
        return -1;
    for (size_t i = 0; i < sizeof links / sizeof *links; i++)
        if (symlink(links[i][0], links[i][1]) < 0)
            return fail("symlink /%s: %m", links[i][1]);
    return mount_fs("tmpfs", "dev/shm", MS_NOSUID | MS_NODEV, "mode=1777");
}

/*
 * Mounts the image root (lower) with this sandbox's writable layer over it and returns the mount,
 * not yet attached. Called as the namespace's root: overlayfs records its mounter, and copy-ups
 * made as an unmapped host uid 0 would fail. The layers are named by the descriptors opened
 * before, as their host paths can no longer be walked.
 */
static int mount_layers(const int layerfd[3])
{
    char opt[3][40];
    static const char *const key[] = { "lowerdir", "upperdir", "workdir" };
    int fs = fsopen("overlay", FSOPEN_CLOEXEC), m;
    if (fs < 0)
        return fail("fsopen overlay: %m");
    for (int i = 0; i < 3; i++) {
        snprintf(opt[i], sizeof opt[i], "/proc/self/fd/%d", layerfd[i]);
        if (fsconfig(fs, FSCONFIG_SET_STRING, key[i], opt[i], 0) < 0)
            return close(fs), fail("overlay %s: %m", key[i]);
    }
    /* userxattr: the trusted.* namespace is host root's; a user namespace may only use user.* */
    if (fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return close(fs), fail("create overlay root: %m");
    m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
    close(fs);
    return m < 0 ? fail("mount overlay root: %m") : m;
}

static int same_link(const char *path, const char *target)
{
    char t[PATH_MAX];
    ssize_t n = readlink(path, t, sizeof t - 1);
    if (n < 0)
        return 0;
    t[n] = 0;
    if (strcmp(t, target) == 0)
        return 1;
    errno = EEXIST;
    return 0;
}

/* Fills the new root, which is the cwd. */
static int build_root(struct robind *rb, int wsfd, const int devfd[NDEV])
{
    for (int i = 0; i < g.cfg.nrobinds; i++) {
        if (rb[i].link) {
            /* a writable layer keeps the link made at the sandbox's last start */
            if (mkdir_parent(rb[i].rel) < 0 || (symlink(rb[i].link, rb[i].rel) < 0 && !(errno == EEXIST && same_link(rb[i].rel, rb[i].link))))
                return fail("symlink /%s: %m", rb[i].rel);
            continue;
        }
        if ((rb[i].isdir ? mkdir_p(rb[i].rel, 0755) : touch(rb[i].rel)) < 0)
            return fail("create /%s: %m", rb[i].rel);
        if (bind_mount(rb[i].fd, rb[i].rel, MS_RDONLY) < 0)
            return -1;
    }
    if (mkdir_p("mnt/workspace", 0755) < 0)
        return fail("mkdir /mnt/workspace: %m");
    if (bind_mount(wsfd, "mnt/workspace", MS_NOSUID | MS_NODEV) < 0 ||
        mount_fs("proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 || setup_dev(devfd) < 0 ||
        mount_fs("tmpfs", "tmp", MS_NOSUID | MS_NODEV, "mode=1777") < 0 ||
        mount_fs("tmpfs", "var/tmp", MS_NOSUID | MS_NODEV, "mode=1777") < 0 ||
        mount_fs("tmpfs", "run", MS_NOSUID | MS_NODEV, "mode=0755") < 0 ||
        /* an image brings its own /root, kept in the writable layer */
        (!g.cfg.lower && mount_fs("tmpfs", "root", MS_NOSUID | MS_NODEV, "mode=0700") < 0))
        return -1;
    /* sysfs is only allowed when the host's /sys is fully visible; it is optional. */
    (void)mount_fs("sysfs", "sys", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    return 0;
}

static int loopback_up(void)
{
    struct ifreq ifr = { 0 };
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return fail("socket: %m");
    strcpy(ifr.ifr_name, "lo");
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    ifr.ifr_flags |= IFF_UP;
    if (rc == 0)
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    close(s);
    return rc < 0 ? fail("bring lo up: %m") : 0;
}

static int init_setup(int go_r)
{
    struct robind *rb = calloc((size_t)g.cfg.nrobinds + 1, sizeof *rb);
    int wsfd = -1, devfd[NDEV], rootfd, layerfd[3] = { -1, -1, -1 };
    char root[PATH_MAX];
    struct pollfd p = { .fd = go_r, .events = POLLIN };

    set_oom_adj("0"); /* do not inherit the daemon's protection */
    if (!rb)
        return fail("out of memory");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return fail("make / private: %m");
    /*
     * Still host uid 0 here (unmapped in the new user namespace): path lookups pass the owner
     * checks of root-owned host directories, so a 0700 state or workspace path can be reached.
     * Once this process becomes the namespace's root (uid_base on the host) they cannot be.
     */
    if (open_sources(rb, &wsfd, devfd, layerfd) < 0)
        return -1;
    snprintf(root, sizeof root, "%s/root", g.cfg.state);
    if (!g.cfg.lower && mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,uid=0,gid=0") < 0)
        return fail("mount tmpfs on %s: %m", root);
    if ((rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return fail("open %s: %m", root);

    if (unshare(CLONE_NEWCGROUP) < 0)
        return fail("unshare cgroup namespace: %m");
    if (become_root() < 0)
        return -1;
    /* Set after the uid change (which clears it); the daemon holds go open until we report. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP)))
        return fail("the shim daemon went away");
    if (g.cfg.lower) {
        int m = mount_layers(layerfd);
        if (m < 0)
            return -1;
        if (move_mount(m, "", rootfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            return fail("attach overlay root: %m");
        close(rootfd);
        rootfd = m; /* the mount's own root, not the directory under it */
    }
    if (fchdir(rootfd) < 0)
        return fail("chdir new root: %m");
    if (build_root(rb, wsfd, devfd) < 0)
        return -1;
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return fail("pivot_root: %m");
    if (umount2(".", MNT_DETACH) < 0)
        return fail("detach old root: %m");
    if (chdir("/") < 0)
        return fail("chdir /: %m");
    if (sethostname(g.cfg.hostname, strlen(g.cfg.hostname)) < 0)
        return fail("sethostname: %m");
    return loopback_up();
}

static void on_sigchld(int sig) { (void)sig; }

/* PID 1 of the sandbox from here on: reap orphans, ignore everything else. */
static __attribute__((noreturn)) void init_reap_forever(void)
{
    static const int ignored[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU };
    struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_NOCLDSTOP };
    sigset_t chld, none;
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        signal(ignored[i], SIG_IGN);
    sigaction(SIGCHLD, &sa, NULL);
    sigemptyset(&none);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_SETMASK, &chld, NULL);
    for (;;) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        sigsuspend(&none); /* SIGCHLD is only delivered here, so no wake-up is lost */
    }
}

static int init_main(void *arg)
{
    struct init_args *a = arg;
    int keep[] = { 2, a->go_r, a->res_w };
    char go, m[sizeof g_err + 2];
    close_fds_except(keep, 3); /* the listening socket and the starter's pipe are not ours */
    if (read(a->go_r, &go, 1) != 1)
        _exit(1);
    if (init_setup(a->go_r) < 0) {
        m[0] = 'E';
        snprintf(m + 1, sizeof m - 1, "%s", g_err);
        (void)write_all(a->res_w, m, strlen(m));
        _exit(1);
    }
    (void)write_all(a->res_w, "K", 1);
    close_range(0, ~0U, 0);
    prctl(PR_SET_DUMPABLE, 0); /* sandboxed root must not ptrace or inspect its init */
    prctl(PR_SET_NAME, "berth-init");
    init_reap_forever();
}

/* ------------------------------------------------------------------ daemon: sandbox */

static int map_ids(pid_t pid)
{
    char path[64], line[64];
    snprintf(line, sizeof line, "0 %lu %lu\n", g.cfg.uid_base, g.cfg.uid_count);
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, i ? "gid_map" : "uid_map");
        if (write_file(path, line) < 0)
            return fail("write %s: %m", path);
    }
    return 0;
}

/* Clones the sandbox init and waits until it has built the sandbox. */
static int start_sandbox(void)
{
    int go[2], res[2], rc = 0;
    char m[sizeof g_err + 2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return fail("pipe: %m");
    if (pipe2(res, O_CLOEXEC) < 0) {
        close(go[0]);
        close(go[1]);
        return fail("pipe: %m");
    }
    struct init_args a = { go[0], res[1] };
    pid_t pid = clone(init_main, clone_stack + sizeof clone_stack,
                      CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD,
                      &a);
    close(go[0]);
    close(res[1]);
    if (pid < 0)
        rc = fail("clone sandbox init: %m");
    else {
        g.init_pid = pid;
        rc = map_ids(pid);
        if (rc == 0)
            rc = join_cgroups(pid);
        if (rc == 0 && write_all(go[1], "g", 1) < 0)
            rc = fail("signal sandbox init: %m");
        if (rc == 0) {
            ssize_t n = read_reply(res[0], m, sizeof m, CHILD_REPLY_MS);
            if (n < 0)
                rc = fail("sandbox init: %s", g_err);
            else if (n == 0)
                rc = fail("sandbox init exited during setup");
            else if (m[0] != 'K')
                rc = fail("%s", m + 1);
        }
    }
    close(go[1]);
    close(res[0]);
    return rc;
}

/* ------------------------------------------------------------------ daemon: spawning */

static void reset_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    for (int s = 1; s < NSIG; s++)
        signal(s, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* execvpe() with the command's own environment: PATH comes from envp, not from the shim. */
static int exec_search(char **argv, char **envp)
{
    const char *file = argv[0], *path = "/usr/local/bin:/usr/bin:/bin";
    int eacces = 0;
    if (!*file)
        return ENOENT;
    if (strchr(file, '/')) {
        execve(file, argv, envp);
        return errno;
    }
    for (char **e = envp; *e; e++)
        if (!strncmp(*e, "PATH=", 5))
            path = *e + 5;
    for (const char *p = path;; p++) {
        const char *q = strchrnul(p, ':');
        char full[PATH_MAX];
        int n = snprintf(full, sizeof full, "%.*s%s%s", (int)(q - p), p, q == p ? "" : "/", file);
        if (n > 0 && (size_t)n < sizeof full) {
            execve(full, argv, envp);
            if (errno == EACCES)
                eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG)
                return errno;
        }
        if (!*q)
            break;
        p = q;
    }
    return eacces ? EACCES : ENOENT;
}

/* The command itself: a child of the daemon inside the sandbox, stdio already on 0-2. */
static int command_main(void *arg)
{
    const struct spawn_req *r = arg;
    reset_signals();
    setrlimit(RLIMIT_NOFILE, &g.nofile);
    setsid();
    if (r->rows && ioctl(0, TIOCSCTTY, 0) < 0) { /* the pty becomes its controlling terminal: ^C, job control */
        dprintf(2, "berth: no controlling terminal: %s\n", strerror(errno));
        _exit(126);
    }
    if (chdir(r->cwd) < 0) {
        dprintf(2, "berth: chdir %s: %s\n", r->cwd, strerror(errno));
        _exit(1);
    }
    close_range(3, ~0U, 0);
    int e = exec_search(r->argv, r->envp);
    dprintf(2, "berth: exec %s: %s\n", r->argv[0], strerror(e));
    _exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
}

static int enter_sandbox(void)
{
    int fds[sizeof ns_names / sizeof *ns_names];
    size_t n = sizeof fds / sizeof *fds;
    char path[64];
    /* All opened first: after joining the mount namespace /proc is the sandbox's. */
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)g.init_pid, ns_names[i]);
        if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            return fail("open %s: %m", path);
    }
    for (size_t i = 0; i < n; i++) /* user last: until then we are host root */
        if (setns(fds[i], 0) < 0)
            return fail("setns %s: %m", ns_names[i]);
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
    return become_root();
}

/* Ends a spawn helper after a failure: reports "E<message>" (from g_err) on fd 3. */
static __attribute__((noreturn)) void report_failure(void)
{
    char m[sizeof g_err + 2];
    snprintf(m, sizeof m, "E%s\n", g_err);
    (void)write_all(3, m, strlen(m));
    _exit(1);
}

/*
 * In a helper inside the sandbox: a pty of the sandbox's own devpts (so that ttyname(), `tty` and
 * programs that look their terminal up by name work inside), its slave on 0-2 at the asked size.
 * Returns the master, or -1 with g_err.
 */
static int open_pty(const struct spawn_req *r)
{
    struct winsize ws = { .ws_row = (unsigned short)r->rows, .ws_col = (unsigned short)r->cols };
    int unlock = 0;
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return fail("open /dev/ptmx: %m");
    int slave = ioctl(master, TIOCSPTLCK, &unlock) < 0 ? -1 : ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0 || ioctl(slave, TIOCSWINSZ, &ws) < 0) {
        fail("pty: %m");
        close(master);
        if (slave >= 0)
            close(slave);
        return -1;
    }
    dup2(slave, 0);
    dup2(slave, 1);
    dup2(slave, 2);
    if (slave > 2)
        close(slave);
    return master;
}

/* "K<pid>\n" on fd 3, with the pty master as SCM_RIGHTS when there is one. */
static void report_started(pid_t pid, int master)
{
    char m[24];
    int len = snprintf(m, sizeof m, "K%d\n", (int)pid);
    struct iovec iov = { m, (size_t)len };
    union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } cbuf;
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (master >= 0) {
        mh.msg_control = cbuf.b;
        mh.msg_controllen = sizeof cbuf.b;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &master, sizeof(int));
    }
    while (sendmsg(3, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

/* In a helper inside the sandbox: starts the command as the daemon's child (CLONE_PARENT, so the
 * daemon reaps it) and reports "K<pid>" (or "E<message>") on fd 3; returns whether it started. */
static int clone_and_report(struct spawn_req *r, int master)
{
    pid_t pid = clone(command_main, clone_stack + sizeof clone_stack, CLONE_PARENT | SIGCHLD, r);
    if (pid > 0) {
        report_started(pid, master);
        return 0;
    }
    fail("clone: %m");
    char m[sizeof g_err + 2];
    snprintf(m, sizeof m, "E%s\n", g_err);
    (void)write_all(3, m, strlen(m));
    return -1;
}

/* The helper between the daemon and a command: joins the cgroups and namespaces, clones it. */
static __attribute__((noreturn)) void helper_main(struct spawn_req *r, int in_r, int out_w, int err_w, int rep)
{
    if (in_r >= 0)
        dup2(in_r, 0);
    if (out_w >= 0) { /* a tty command gets its pty once inside the sandbox */
        dup2(out_w, 1);
        dup2(err_w, 2);
    }
    if (rep != 3 && dup3(rep, 3, O_CLOEXEC) < 0)
        _exit(1);
    close_range(4, ~0U, 0); /* nothing of the daemon may reach the sandbox */
    explicit_bzero(g.gw_hdr, sizeof g.gw_hdr); /* nor the gateway tag */
    set_oom_adj("0");
    if (join_cgroups(getpid()) == 0 && enter_sandbox() == 0) {
        int master = r->rows ? open_pty(r) : -1;
        if (!r->rows || master >= 0)
            _exit(clone_and_report(r, master) == 0 ? 0 : 1);
    }
    report_failure();
}

/*
 * Reads a helper's "K<pid>" or "E<message>" line from a socket, and the pty master that comes
 * with a tty command's K (into *master, else -1); returns the line's length or -1 with g_err.
 */
static ssize_t recv_reply(int fd, char *b, size_t cap, int *master)
{
    union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } cbuf;
    struct iovec iov = { b, cap - 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof cbuf.b };
    struct pollfd p = { .fd = fd, .events = POLLIN };
    ssize_t n;
    *master = -1;
    if (poll(&p, 1, CHILD_REPLY_MS) <= 0)
        return fail("timed out"), -1;
    while ((n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(master, CMSG_DATA(c), sizeof(int));
    b[n > 0 ? n : 0] = 0; /* a helper writes its line at once: one recvmsg reads it whole */
    return n;
}

/* Reads a helper's "K<pid>" or "E<message>" line: the command's host pid or -1 with g_err. */
static pid_t helper_result(int fd, pid_t h, int *master)
{
    char m[sizeof g_err + 4];
    ssize_t n = recv_reply(fd, m, sizeof m, master);
    close(fd);
    if (n <= 0)
        kill(h, SIGKILL);
    while (waitpid(h, NULL, 0) < 0 && errno == EINTR)
        ;
    if (n > 1 && m[0] == 'K')
        return (pid_t)atoi(m + 1);
    if (n > 1 && m[0] == 'E') {
        m[strcspn(m, "\n")] = 0;
        return fail("%s", m + 1);
    }
    return n < 0 ? -1 : fail("spawn helper died");
}

/*
 * The warm helper: forked once the sandbox is ready, it pays for joining the cgroups (a cgroup v1
 * migration waits for an RCU grace period, ~9 ms, and holds back every fork on the host meanwhile)
 * and the namespaces once, says "R", then serves spawn requests on fd 3 for as long as the sandbox
 * lives: a header {body bytes, argc, envc} carrying the command's stdio (SCM_RIGHTS: [stdin,]
 * stdout, stderr), then "cwd\0argv...\0envp...\0". It clones each command like helper_main() and
 * answers "K<pid>" / "E<message>". Its commands are forked from inside the cgroups, so no command
 * migrates: that is what keeps a hundred sessions' commands from queueing behind each other.
 */
static int warm_request(int devnull);

static __attribute__((noreturn)) void warm_main(int sock)
{
    if (sock != 3 && dup3(sock, 3, O_CLOEXEC) < 0)
        _exit(1);
    dup2(0, 2);             /* the daemon's /dev/null: shim.log stays with the daemon */
    close_range(4, ~0U, 0); /* nothing of the daemon may reach the sandbox */
    explicit_bzero(g.gw_hdr, sizeof g.gw_hdr); /* nor the gateway tag: our clones become its commands */
    int devnull = fcntl(0, F_DUPFD_CLOEXEC, 4); /* stdio between requests */
    if (devnull < 0)
        _exit(1);
    set_oom_adj("0");
    if (join_cgroups(getpid()) < 0 || enter_sandbox() < 0)
        _exit(1); /* the daemon falls back to a fresh helper, which reports the error */
    if (write_all(3, "R\n", 2) < 0)
        _exit(1);
    while (warm_request(devnull) == 0)
        ;
    _exit(0); /* the daemon dropped us, or sent what we cannot read: it falls back to a fresh helper */
}

/* Reads one spawn request, clones its command and answers; -1 when the connection is done with. */
static int warm_request(int devnull)
{
    uint32_t hdr[4];
    union { char b[CMSG_SPACE(3 * sizeof(int))]; struct cmsghdr align; } cbuf;
    int fds[3], nfds = 0, rc = -1;
    size_t got = 0;
    while (got < sizeof hdr) {
        struct iovec iov = { (char *)hdr + got, sizeof hdr - got };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.b, .msg_controllen = sizeof cbuf.b };
        ssize_t n = recvmsg(3, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto out;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && nfds == 0) {
                int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                memcpy(fds, CMSG_DATA(c), (size_t)(k > 3 ? 3 : k) * sizeof(int));
                for (int i = 3; i < k; i++) /* more than a request carries: close the extra ones too */
                    close(((int *)CMSG_DATA(c))[i]);
                nfds = k > 3 ? -3 : k;
            }
        got += (size_t)n;
    }
    if (nfds < 0) { /* too many descriptors: a daemon bug, not something to run */
        nfds = -nfds;
        goto out;
    }
    size_t total = hdr[0], argc = hdr[1], envc = hdr[2], nstr = 0;
    char *body = malloc(total + 1);
    struct spawn_req r = { .rows = hdr[3] >> 16, .cols = hdr[3] & 0xffff };
    r.argv = calloc(argc + 1, sizeof *r.argv);
    r.envp = calloc(envc + 1, sizeof *r.envp);
    if ((r.rows ? nfds != 0 : nfds < 2) || argc < 1 || !body || !r.argv || !r.envp)
        goto free_out;
    for (got = 0; got < total;) {
        ssize_t n = read(3, body + got, total - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto free_out;
        got += (size_t)n;
    }
    body[total] = 0;
    for (char *p = body; p < body + total; p += strlen(p) + 1, nstr++) {
        if (nstr == 0)
            r.cwd = p;
        else if (nstr <= argc)
            r.argv[nstr - 1] = p;
        else if (nstr <= argc + envc)
            r.envp[nstr - 1 - argc] = p;
    }
    if (nstr != 1 + argc + envc)
        goto free_out;
    int master = -1;
    if (r.rows) {
        if ((master = open_pty(&r)) < 0) {
            char m[sizeof g_err + 2];
            snprintf(m, sizeof m, "E%s\n", g_err);
            (void)write_all(3, m, strlen(m));
            rc = 0;
            goto free_out;
        }
    } else {
        dup2(nfds == 3 ? fds[0] : devnull, 0);
        dup2(fds[nfds - 2], 1);
        dup2(fds[nfds - 1], 2);
    }
    (void)clone_and_report(&r, master); /* a failed clone is answered and the helper serves on */
    if (master >= 0)
        close(master); /* the daemon has its own copy now */
    rc = 0;
    /* the command has its own copies: the helper must not keep its pipes open (no EOF otherwise) */
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
free_out:
    free(body);
    free(r.argv);
    free(r.envp);
out:
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    return rc;
}

/* Kills and reaps the warm helper, if any. */
static void warm_drop(void)
{
    if (g.warm_fd >= 0)
        close(g.warm_fd);
    if (g.warm_pid > 0) {
        kill(g.warm_pid, SIGKILL);
        while (waitpid(g.warm_pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    g.warm_fd = -1;
    g.warm_pid = 0;
    g.warm_ready = 0;
}

/* Forks the next warm helper (best effort: spawning falls back to a fresh helper without one). */
static void warm_arm(void)
{
    int sv[2];
    struct timeval tv = { .tv_sec = CHILD_REPLY_MS / 1000 };
    g.warm_want = 0;
    if (g.warm_pid > 0 || g.shutdown || g.init_pid <= 0)
        return;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        logmsg("warm helper: socketpair: %m");
        return;
    }
    pid_t h = fork();
    if (h == 0) {
        close(sv[0]);
        warm_main(sv[1]);
    }
    close(sv[1]);
    if (h < 0) {
        logmsg("warm helper: fork: %m");
        close(sv[0]);
        return;
    }
    setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    g.warm_pid = h;
    g.warm_fd = sv[0];
}

/* Hands the command to the warm helper: 1 if there is none usable (nothing was started), else
 * 0 with *pid set as run_command() returns it. The helper serves on unless it failed. */
static int warm_spawn(struct spawn_req *r, int in_r, int out_w, int err_w, pid_t *pid, int *master)
{
    char m[8], *body, *p;
    size_t total = strlen(r->cwd) + 1;
    int fds[3], nfds = 0;
    if (g.warm_pid <= 0)
        return 1;
    for (int i = 0; i < r->argc; i++)
        total += strlen(r->argv[i]) + 1;
    for (int i = 0; i < r->envc; i++)
        total += strlen(r->envp[i]) + 1;
    if (!g.warm_ready) {
        /* Waits for it to be ready: it is already paying for the cgroup migration we would pay. */
        ssize_t n = read_reply(g.warm_fd, m, sizeof m, CHILD_REPLY_MS);
        if (n < 2 || memcmp(m, "R\n", 2) != 0) {
            warm_drop();
            return 1;
        }
        g.warm_ready = 1;
    }
    if (total > UINT32_MAX || !(body = malloc(total)))
        return 1;
    p = stpcpy(body, r->cwd) + 1;
    for (int i = 0; i < r->argc; i++)
        p = stpcpy(p, r->argv[i]) + 1;
    for (int i = 0; i < r->envc; i++)
        p = stpcpy(p, r->envp[i]) + 1;
    if (in_r >= 0)
        fds[nfds++] = in_r;
    if (out_w >= 0) {
        fds[nfds++] = out_w;
        fds[nfds++] = err_w;
    }
    uint32_t hdr[4] = { (uint32_t)total, (uint32_t)r->argc, (uint32_t)r->envc, r->rows << 16 | r->cols };
    union { char b[CMSG_SPACE(3 * sizeof(int))]; struct cmsghdr align; } cbuf;
    struct iovec iov = { hdr, sizeof hdr };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = nfds ? cbuf.b : NULL,
                         .msg_controllen = nfds ? CMSG_SPACE((size_t)nfds * sizeof(int)) : 0 };
    if (nfds) {
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    }
    ssize_t w;
    while ((w = sendmsg(g.warm_fd, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    /* It clones only once it has the whole body: until then a failure has started nothing. */
    int ok = w == (ssize_t)sizeof hdr && write_all(g.warm_fd, body, total) == 0;
    free(body);
    if (!ok) {
        warm_drop();
        return 1;
    }
    char k[sizeof g_err + 4];
    ssize_t n = recv_reply(g.warm_fd, k, sizeof k, master);
    if (n > 1 && k[0] == 'K') {
        *pid = (pid_t)atoi(k + 1);
    } else if (n > 1 && k[0] == 'E') {
        k[strcspn(k, "\n")] = 0;
        *pid = fail("%s", k + 1);
    } else {
        warm_drop(); /* hung or died mid-request: the next spawn forks a fresh one */
        *pid = fail("spawn helper died");
    }
    return 0;
}

/* Starts the command; returns its host pid or -1 with g_err, and a tty command's pty master. */
static pid_t run_command(struct spawn_req *r, int in_r, int out_w, int err_w, int *master)
{
    int rp[2];
    pid_t pid;
    g.warm_want = 1; /* re-armed lazily (if it is gone), after this request: never in a loop */
    if (warm_spawn(r, in_r, out_w, err_w, &pid, master) == 0)
        return pid;
    /* a socket, not a pipe: a tty command's pty master comes back over it */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, rp) < 0)
        return fail("socketpair: %m");
    pid_t h = fork();
    if (h == 0) {
        close(rp[0]);
        helper_main(r, in_r, out_w, err_w, rp[1]);
    }
    close(rp[1]);
    if (h < 0) {
        close(rp[0]);
        return fail("fork: %m");
    }
    return helper_result(rp[0], h, master);
}

/* ------------------------------------------------------------------ daemon: output log */

static void seg_name(char *b, size_t n, const char *id, uint64_t off)
{
    snprintf(b, n, "%s/%020llu.seg", id, (unsigned long long)off);
}

/* Opens a new current segment starting at the command's end offset (just before its first frame). */
static int seg_open(struct cmd *c)
{
    char name[96];
    if (c->nsegs == c->segcap) {
        size_t cap = c->segcap ? c->segcap * 2 : 8;
        uint64_t *s = realloc(c->segs, cap * sizeof *s);
        if (!s)
            return errno = ENOMEM, -1;
        c->segs = s;
        c->segcap = cap;
    }
    seg_name(name, sizeof name, c->id, c->end);
    int fd = openat(g.cmdfd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    if (c->seg_fd >= 0)
        close(c->seg_fd);
    c->seg_fd = fd;
    c->segs[c->nsegs++] = c->end;
    c->seg_payload = 0;
    c->seg_size = 0;
    return 0;
}

/* Trims what retention and the watchers' acks allow, then decides whether to stop reading. */
static void cmd_flow(struct cmd *c)
{
    /* Until the first watcher connects, act as if one had acked nothing: a reader that watches
       right after spawning must not find the start already trimmed. */
    int watched = c->hold_until != 0, was = c->paused;
    uint64_t low = watched ? 0 : UINT64_MAX;
    for (int i = 0; i < MAX_CONNS; i++) {
        struct conn *k = g.conns[i];
        if (k && !k->dead && k->cmd == c) {
            watched = 1;
            if (k->ack < low)
                low = k->ack;
        }
    }
    while (c->nsegs > 1 && c->end - c->segs[0] > c->retain && !(watched && low < c->segs[1])) {
        char name[96];
        seg_name(name, sizeof name, c->id, c->segs[0]);
        unlinkat(g.cmdfd, name, 0);
        memmove(c->segs, c->segs + 1, (c->nsegs - 1) * sizeof *c->segs);
        c->nsegs--;
    }
    /* Only a watcher's ack can stop trimming of a closed segment; then the reader slows us. */
    c->paused = !g.shutdown && c->nsegs > 1 && c->end - c->segs[0] > c->retain;
    if (was && !c->paused && c->exited)
        c->grace_at = mono_ms() + GRACE_MS;
}

/* Undoes a segment that did not get its first frame: segment files are never empty. */
static void seg_drop_current(struct cmd *c)
{
    char name[96];
    seg_name(name, sizeof name, c->id, c->segs[--c->nsegs]);
    unlinkat(g.cmdfd, name, 0);
    close(c->seg_fd);
    c->seg_fd = -1;
}

static void cmd_append(struct cmd *c, int stream, const char *data, size_t n)
{
    unsigned char hdr[8] = { (unsigned char)stream, 0, 0, 0 };
    struct iovec iov[2] = { { hdr, 8 }, { (void *)data, n } };
    size_t total = 8 + n, done = 0;
    int fresh = 0;
    put_le32(hdr + 4, (uint32_t)n);
    /* A segment file is created with its first frame, so a reader never meets an empty one. */
    if (c->seg_fd < 0 || c->seg_payload >= SEG_BYTES) {
        if (seg_open(c) == 0)
            fresh = 1;
        else if (c->seg_fd < 0) {
            logmsg("command %s: output lost, cannot create a segment: %m", c->id);
            return;
        } else
            logmsg("command %s: new segment: %m (continuing in the current one)", c->id);
    }
    while (done < total) {
        ssize_t w = writev(c->seg_fd, iov, 2);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            logmsg("command %s: output lost, writing segment failed: %m", c->id);
            if (fresh)
                seg_drop_current(c);
            else if (ftruncate(c->seg_fd, c->seg_size) < 0) /* keep the segment parseable */
                logmsg("command %s: truncate segment: %m", c->id);
            return;
        }
        done += (size_t)w;
        for (int i = 0; i < 2 && w > 0; i++) {
            size_t t = (size_t)w < iov[i].iov_len ? (size_t)w : iov[i].iov_len;
            iov[i].iov_base = (char *)iov[i].iov_base + t;
            iov[i].iov_len -= t;
            w -= (ssize_t)t;
        }
    }
    c->seg_size += (off_t)total;
    c->seg_payload += n;
    c->end += n;
    cmd_flow(c);
}

static void cmd_read(struct cmd *c, int stream)
{
    int *fd = stream == 1 ? &c->out_fd : &c->err_fd;
    ssize_t n = read(*fd, rbuf, sizeof rbuf);
    if (n > 0)
        cmd_append(c, stream, rbuf, (size_t)n);
    else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(*fd);
        *fd = -1;
    }
}

static void cmd_feed(struct cmd *c)
{
    while (c->in_off < c->in_len) {
        ssize_t w = write(c->in_fd, c->in_buf + c->in_off, c->in_len - c->in_off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return;
        if (w <= 0)
            break; /* EPIPE: the command does not want the rest */
        c->in_off += (size_t)w;
    }
    close(c->in_fd);
    c->in_fd = -1;
    free(c->in_buf);
    c->in_buf = NULL;
}

/* Writes what is queued for a tty command's terminal, as far as the pty takes it now. */
static void cmd_tty_flush(struct cmd *c)
{
    while (c->tty_fd >= 0 && c->tin.len > 0) {
        ssize_t w = write(c->tty_fd, c->tin.p, c->tin.len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return; /* POLLOUT brings us back */
        if (w <= 0) { /* EIO: nobody has the terminal open any more */
            c->tin.len = 0;
            return;
        }
        buf_consume(&c->tin, (size_t)w);
    }
}

/* ------------------------------------------------------------------ daemon: connections */

static void conn_queue(struct conn *k, struct msg *m)
{
    put_le32(m->d, (uint32_t)(m->n - 4));
    if (buf_reserve(&k->out, m->n) == 0) {
        memcpy(k->out.p + k->out.len, m->d, m->n);
        k->out.len += m->n;
    }
}

static void reply_ok(struct conn *k)
{
    struct msg m;
    m_start(&m, 'O');
    conn_queue(k, &m);
}

__attribute__((format(printf, 3, 4))) static void reply_err(struct conn *k, const char *code, const char *fmt, ...)
{
    struct msg m;
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    m_start(&m, 'E');
    m_bytes(&m, 'k', code, strlen(code));
    m_bytes(&m, 'm', text, strlen(text));
    conn_queue(k, &m);
}

static void queue_progress(struct conn *k, uint64_t off)
{
    struct msg m;
    m_start(&m, 'P');
    m_unum(&m, 'o', off);
    conn_queue(k, &m);
    k->sent = off;
}

static void queue_exit(struct conn *k, const struct exitinfo *e)
{
    struct msg m;
    m_start(&m, 'X');
    m_unum(&m, 'o', e->end);
    m_num(&m, 'x', e->code);
    m_num(&m, 'g', e->sig);
    m_num(&m, 'T', e->timed_out);
    m_num(&m, 'b', e->started);
    m_num(&m, 'd', e->ended);
    conn_queue(k, &m);
    k->closing = 1;
}

/* A watcher that stops watching no longer holds back trimming. */
static void conn_detach(struct conn *k)
{
    if (k->cmd) {
        struct cmd *c = k->cmd;
        k->cmd = NULL;
        cmd_flow(c);
    }
}

/* Marks a connection for closing (it is freed in pump_conns). */
static void conn_kill(struct conn *k)
{
    k->dead = 1;
    conn_detach(k);
}

static void conn_flush(struct conn *k)
{
    while (k->out.len > 0) {
        ssize_t n = send(k->fd, k->out.p, k->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            conn_kill(k);
            return;
        }
        buf_consume(&k->out, (size_t)n);
    }
}

/* ------------------------------------------------------------------ daemon: commands */

static struct cmd *find_cmd(const char *id)
{
    for (struct cmd *c = g.cmds; c; c = c->next)
        if (!strcmp(c->id, id))
            return c;
    return NULL;
}

static void exit_info(const struct cmd *c, struct exitinfo *e)
{
    e->code = WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1;
    e->sig = WIFSIGNALED(c->status) ? WTERMSIG(c->status) : 0;
    e->timed_out = c->timed_out;
    e->started = c->started_ms;
    e->ended = c->ended_ms;
    e->end = c->end;
}

static int read_exit_record(const char *id, struct exitinfo *e)
{
    char path[96], b[512];
    snprintf(path, sizeof path, "%s/exit", id);
    int fd = openat(g.cmdfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, b, sizeof b - 1);
    close(fd);
    if (n <= 0)
        return -1;
    b[n] = 0;
    return sscanf(b, "code=%d signal=%d timed_out=%d started_ms=%lld ended_ms=%lld end=%llu", &e->code, &e->sig,
                  &e->timed_out, &e->started, &e->ended, &e->end) == 6 ? 0 : -1;
}

static void write_exit_record(const struct cmd *c, const struct exitinfo *e)
{
    char tmp[96], fin[96], line[256];
    snprintf(tmp, sizeof tmp, "%s/exit.tmp", c->id);
    snprintf(fin, sizeof fin, "%s/exit", c->id);
    int n = snprintf(line, sizeof line, "code=%d signal=%d timed_out=%d started_ms=%lld ended_ms=%lld end=%llu\n",
                     e->code, e->sig, e->timed_out, e->started, e->ended, e->end);
    int fd = openat(g.cmdfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 || write_all(fd, line, (size_t)n) < 0 || close(fd) < 0 || renameat(g.cmdfd, tmp, g.cmdfd, fin) < 0)
        logmsg("command %s: writing the exit record failed: %m", c->id);
}

static void cmd_free(struct cmd *c)
{
    int fds[] = { c->out_fd, c->err_fd, c->in_fd, c->seg_fd, c->tty_fd };
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(c->in_buf);
    buf_free(&c->tin);
    free(c->segs);
    free(c);
}

/* The command is done: exit record, X to its watchers, forget it. */
static void cmd_finish(struct cmd *c)
{
    struct exitinfo e;
    for (int round = 0; round < 8 && !c->paused; round++) { /* what is already in the pipes */
        if (c->out_fd >= 0)
            cmd_read(c, 1);
        if (c->err_fd >= 0)
            cmd_read(c, 2);
    }
    if (c->seg_fd >= 0)
        close(c->seg_fd);
    c->seg_fd = -1;
    exit_info(c, &e);
    write_exit_record(c, &e);
    for (int i = 0; i < MAX_CONNS; i++) {
        struct conn *k = g.conns[i];
        if (k && !k->dead && k->cmd == c) {
            k->cmd = NULL;
            queue_exit(k, &e);
        }
    }
    logmsg("command %s (pid %d) finished: code=%d signal=%d timed_out=%d end=%llu", c->id, (int)c->pid, e.code, e.sig,
           e.timed_out, e.end);
    for (struct cmd **p = &g.cmds; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    cmd_free(c);
}

/* Signals the command's process group; the leader alone if the group is gone but it is not. */
static void signal_group(struct cmd *c, int sig)
{
    if (kill(-c->pid, sig) == 0 || errno != ESRCH || c->exited)
        return;
    kill(c->pid, sig);
}

static void set_pipe(int fd, int nonblock)
{
    fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES); /* best effort: fewer wake-ups, fewer stalls */
    if (nonblock)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void remove_cmd_dir(const char *id) { unlinkat(g.cmdfd, id, AT_REMOVEDIR); }

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
}

/* Creates the command's log and starts it; NULL with g_err on failure. */
static struct cmd *cmd_start(struct spawn_req *r)
{
    struct cmd *c = calloc(1, sizeof *c);
    int p[6] = { -1, -1, -1, -1, -1, -1 }; /* stdout r/w, stderr r/w, stdin r/w */
    if (!c)
        return fail("out of memory"), NULL;
    snprintf(c->id, sizeof c->id, "%s", r->id);
    c->out_fd = c->err_fd = c->in_fd = c->seg_fd = c->tty_fd = -1;
    c->retain = r->retain;
    c->started_ms = wall_ms();
    c->hold_until = mono_ms() + FIRST_WATCH_MS;
    if (r->rows) { /* a terminal: one stream (the pty master) for output, input and resizes */
        int master = -1;
        c->pid = run_command(r, -1, -1, -1, &master);
        if (c->pid <= 0 || master < 0) {
            if (master >= 0)
                close(master);
            if (c->pid > 0) { /* started, but we could never talk to it: it must not run on untracked */
                kill(c->pid, SIGKILL);
                fail("the spawn helper sent no pty");
            }
            goto fail;
        }
        c->out_fd = master;
        if ((c->tty_fd = fcntl(master, F_DUPFD_CLOEXEC, 0)) < 0) {
            fail("dup: %m");
            goto fail;
        }
        set_pipe(c->out_fd, 1);
        if (r->has_in && buf_reserve(&c->tin, r->in_len) == 0) { /* typed ahead: the first input */
            memcpy(c->tin.p, r->in, r->in_len);
            c->tin.len = r->in_len;
        }
        goto started;
    }
    if (pipe2(p, O_CLOEXEC) < 0 || pipe2(p + 2, O_CLOEXEC) < 0 || (r->has_in && pipe2(p + 4, O_CLOEXEC) < 0)) {
        fail("pipe: %m");
        goto fail;
    }
    int no_pty;
    c->pid = run_command(r, p[4], p[1], p[3], &no_pty);
    if (c->pid <= 0)
        goto fail;
    close(p[1]);
    close(p[3]);
    if (p[4] >= 0)
        close(p[4]);
    c->out_fd = p[0];
    c->err_fd = p[2];
    c->in_fd = p[5];
    set_pipe(c->out_fd, 1);
    set_pipe(c->err_fd, 1);
    if (c->in_fd >= 0) {
        set_pipe(c->in_fd, 1);
        c->in_buf = r->in;
        c->in_len = r->in_len;
        r->in = NULL;
        cmd_feed(c);
    }
started:
    if (r->timeout) /* capped at ~35 years so that the sum cannot overflow */
        c->deadline = mono_ms() + (long long)(r->timeout > (1ULL << 40) ? (1ULL << 40) : r->timeout);
    c->next = g.cmds;
    g.cmds = c;
    logmsg("command %s started as pid %d: %s", c->id, (int)c->pid, r->argv[0]);
    return c;
fail:
    close_all(p, 6);
    cmd_free(c);
    remove_cmd_dir(r->id);
    return NULL;
}

/* ------------------------------------------------------------------ daemon: requests */

static char *dup_field(const struct field *f)
{
    if (memchr(f->p, 0, f->len))
        return NULL; /* execve cannot carry a NUL */
    return strndup(f->p, f->len);
}

static void free_spawn_req(struct spawn_req *r)
{
    for (int i = 0; r->argv && i < r->argc; i++)
        free(r->argv[i]);
    for (int i = 0; r->envp && i < r->envc; i++)
        free(r->envp[i]);
    free(r->argv);
    free(r->envp);
    free(r->cwd);
    free(r->in);
}

static int parse_spawn(const char *b, size_t n, struct spawn_req *r)
{
    struct field f;
    size_t pos = 0;
    int na = 0, ne = 0, rc;
    r->retain = UINT64_MAX;
    if (get_id(b, n, r->id) < 0)
        return fail("missing or invalid command id");
    while ((rc = next_field(b, n, &pos, &f)) > 0) {
        na += f.tag == 'a';
        ne += f.tag == 'e';
    }
    if (rc < 0 || na < 1)
        return fail(rc < 0 ? "malformed message" : "argv is empty");
    r->argv = calloc((size_t)na + 1, sizeof *r->argv);
    r->envp = calloc((size_t)ne + 1, sizeof *r->envp);
    if (!r->argv || !r->envp)
        return fail("out of memory");
    for (pos = 0; next_field(b, n, &pos, &f) > 0;) {
        char *s = NULL;
        if (f.tag == 'a' || f.tag == 'e' || f.tag == 'c') {
            if (!(s = dup_field(&f)))
                return fail("field '%c' contains a NUL byte", f.tag);
            if (f.tag == 'a')
                r->argv[r->argc++] = s;
            else if (f.tag == 'e')
                r->envp[r->envc++] = s;
            else {
                free(r->cwd);
                r->cwd = s;
            }
        } else if (f.tag == 'n' && !r->has_in) {
            r->has_in = 1;
            r->in_len = f.len;
            if (!(r->in = malloc(f.len + 1)))
                return fail("out of memory");
            memcpy(r->in, f.p, f.len);
        }
    }
    uint64_t rows = 0, cols = 0;
    if (get_num(b, n, 't', &r->timeout) < 0 || get_num(b, n, 'r', &r->retain) < 0 || get_num(b, n, 'y', &rows) < 0
        || get_num(b, n, 'x', &cols) < 0)
        return fail("invalid number");
    if ((rows || cols) && (rows < 1 || cols < 1 || rows > 65535 || cols > 65535))
        return fail("a terminal needs 1 to 65535 rows and columns, not %llux%llu",
                    (unsigned long long)rows, (unsigned long long)cols);
    r->rows = (unsigned)rows;
    r->cols = (unsigned)cols;
    if (!r->cwd && !(r->cwd = strdup("/")))
        return fail("out of memory");
    return 0;
}

static void req_spawn(struct conn *k, const char *b, size_t n)
{
    struct spawn_req r = { 0 };
    struct cmd *c;
    struct msg m;
    if (parse_spawn(b, n, &r) < 0)
        reply_err(k, "bad_request", "%s", g_err);
    else if (g.shutdown)
        reply_err(k, "busy", "the sandbox is shutting down");
    else if (mkdirat(g.cmdfd, r.id, 0777) < 0)
        reply_err(k, errno == EEXIST ? "exists" : "spawn_failed", "command %s: %s", r.id, strerror(errno));
    else if (!(c = cmd_start(&r)))
        reply_err(k, "spawn_failed", "%s", g_err);
    else {
        m_start(&m, 'O');
        m_num(&m, 'p', c->pid);
        conn_queue(k, &m);
    }
    free_spawn_req(&r);
}

static void req_watch(struct conn *k, const char *b, size_t n)
{
    char id[65];
    struct exitinfo e;
    struct cmd *c;
    if (get_id(b, n, id) < 0)
        return reply_err(k, "bad_request", "missing or invalid command id");
    k->watch = 1;
    if ((c = find_cmd(id))) {
        c->hold_until = 0; /* the watcher's own ack takes over */
        k->cmd = c;
        k->ack = c->nsegs ? c->segs[0] : c->end; /* it holds all that is retained until it acks */
        queue_progress(k, c->end);
    } else if (read_exit_record(id, &e) == 0) {
        queue_progress(k, e.end);
        queue_exit(k, &e);
    } else {
        k->watch = 0;
        reply_err(k, "not_found", "no command %s", id);
    }
}

static void req_signal(struct conn *k, const char *b, size_t n)
{
    char id[65], path[96];
    uint64_t sig;
    struct cmd *c;
    if (get_id(b, n, id) < 0 || get_num(b, n, 's', &sig) <= 0 || sig > (uint64_t)SIGRTMAX)
        return reply_err(k, "bad_request", "need a command id and a signal number");
    if ((c = find_cmd(id))) {
        signal_group(c, (int)sig);
        return reply_ok(k);
    }
    snprintf(path, sizeof path, "%s/exit", id);
    if (faccessat(g.cmdfd, path, F_OK, 0) == 0)
        return reply_ok(k); /* already finished: nothing left to signal */
    reply_err(k, "not_found", "no command %s", id);
}

static void gateway_close(void);

static void begin_shutdown(const char *why)
{
    if (g.shutdown)
        return;
    logmsg("shutting down: %s", why);
    g.shutdown = 1;
    g.shutdown_deadline = mono_ms() + SHUTDOWN_MS;
    if (g.init_pid > 0)
        kill(g.init_pid, SIGKILL); /* takes the whole PID namespace with it */
    if (g.warm_pid > 0)
        kill(g.warm_pid, SIGKILL); /* not in that namespace: reaped below like the init */
    gateway_close();
    for (struct cmd *c = g.cmds; c; c = c->next) {
        if (!c->exited)
            signal_group(c, SIGKILL);
        cmd_flow(c); /* no flow control any more: drain and finish */
    }
}

/* The running tty command a request names, or NULL after replying why not. */
static struct cmd *tty_target(struct conn *k, const char *b, size_t n)
{
    char id[65];
    struct cmd *c;
    if (get_id(b, n, id) < 0)
        return reply_err(k, "bad_request", "missing or invalid command id"), NULL;
    if (!(c = find_cmd(id)) || c->exited)
        return reply_err(k, find_cmd(id) || read_exit_record(id, &(struct exitinfo){0}) == 0 ? "finished" : "not_found",
                         "no running command %s", id), NULL;
    if (c->tty_fd < 0)
        return reply_err(k, "no_terminal", "command %s has no terminal", id), NULL;
    return c;
}

/* 'I': bytes for a tty command's terminal, queued in order; refused while too much is pending. */
static void req_input(struct conn *k, const char *b, size_t n)
{
    struct field f;
    struct cmd *c = tty_target(k, b, n);
    if (!c)
        return;
    if (get_field(b, n, 'd', &f) <= 0)
        return reply_err(k, "bad_request", "no input bytes");
    if (c->tin.len + f.len > MAX_TTY_INPUT)
        return reply_err(k, "busy", "command %s is not reading its terminal: %zu bytes are waiting", c->id, c->tin.len);
    if (buf_reserve(&c->tin, f.len) < 0)
        return reply_err(k, "busy", "out of memory");
    memcpy(c->tin.p + c->tin.len, f.p, f.len);
    c->tin.len += f.len;
    cmd_tty_flush(c);
    reply_ok(k);
}

/* 'Z': a new terminal size; the kernel tells the foreground job (SIGWINCH). */
static void req_resize(struct conn *k, const char *b, size_t n)
{
    uint64_t rows = 0, cols = 0;
    struct cmd *c = tty_target(k, b, n);
    if (!c)
        return;
    if (get_num(b, n, 'y', &rows) <= 0 || get_num(b, n, 'x', &cols) <= 0 || rows < 1 || cols < 1 || rows > 65535
        || cols > 65535)
        return reply_err(k, "bad_request", "a terminal needs 1 to 65535 rows and columns");
    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
    if (ioctl(c->tty_fd, TIOCSWINSZ, &ws) < 0)
        return reply_err(k, "not_found", "command %s: resize: %s", c->id, strerror(errno));
    reply_ok(k);
}

/*
 * Copies bytes both ways until both sides have closed; half-closes are passed on. b is the TCP
 * side: it is ACKed at once after each read (TCP_QUICKACK, which the kernel clears again), so
 * that an agent writing its answer in small pieces with Nagle on is not held up ~40 ms by our
 * delayed ACK at every piece.
 */
static __attribute__((noreturn)) void relay(int a, int b)
{
    int one = 1;
    static char bufs[2][65536];
    int from[2] = { a, b }, to[2] = { b, a }, open_in[2] = { 1, 1 };
    while (open_in[0] || open_in[1]) {
        struct pollfd p[2];
        int np = 0, which[2];
        for (int i = 0; i < 2; i++)
            if (open_in[i]) {
                p[np] = (struct pollfd){ .fd = from[i], .events = POLLIN };
                which[np++] = i;
            }
        if (poll(p, (nfds_t)np, -1) < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        for (int j = 0; j < np; j++) {
            int i = which[j];
            if (!(p[j].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = read(from[i], bufs[i], sizeof bufs[i]);
            if (r < 0 && errno == EINTR)
                continue;
            if (from[i] == b)
                (void)setsockopt(b, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
            if (r <= 0) {
                open_in[i] = 0;
                shutdown(to[i], SHUT_WR);
                continue;
            }
            for (ssize_t off = 0; off < r;) {
                ssize_t w = send(to[i], bufs[i] + off, (size_t)(r - off), MSG_NOSIGNAL);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    _exit(0); /* the other side is gone: so is this connection */
                off += w;
            }
        }
    }
    _exit(0);
}

/* A TCP socket of the sandbox's network namespace: the daemon visits it only to make the socket. */
static int sandbox_socket(void)
{
    char path[64];
    int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), s = -1, e = 0;
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)g.init_pid);
    int net = g.init_pid ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (host >= 0 && net >= 0 && setns(net, CLONE_NEWNET) == 0) {
        s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        e = errno;
        if (setns(host, CLONE_NEWNET) < 0) {
            logmsg("cannot return to the host network namespace: %s", strerror(errno));
            abort(); /* every later socket would be made in the sandbox */
        }
    } else
        e = errno;
    if (host >= 0)
        close(host);
    if (net >= 0)
        close(net);
    errno = e;
    return s;
}

/* A socket connected to a TCP port on the sandbox's loopback, or -1. */
static int connect_sandbox_port(unsigned port)
{
    int s = sandbox_socket();
    if (s < 0)
        return -1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        int e = errno;
        close(s);
        errno = e;
        return -1;
    }
    /* a request's head and body come in separate reads: sent as they come, not held for an ACK */
    int one = 1;
    (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return s;
}

/*
 * A forwarded port's listener has a client: connect it to the port inside the sandbox and hand
 * both to a forked relay, which keeps bulk copying out of the daemon's loop. A port nothing
 * listens on closes the client at once.
 */
static void on_forward_accept(struct fwd *f)
{
    for (int tries = 0; tries < 64; tries++) {
        int fd = accept4(f->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR)
                logmsg("accept on port %u forward: %m", f->port);
            return;
        }
        int s = connect_sandbox_port(f->port);
        pid_t pid = s < 0 ? -1 : fork();
        if (pid == 0) {
            int keep[] = { 2, fd, s };
            close_fds_except(keep, 3);
            relay(fd, s);
        }
        close(fd);
        if (s >= 0)
            close(s);
    }
}

/*
 * 'F': a unix socket in the state directory whose connections reach TCP port o on the sandbox's
 * loopback: the server gets to a port of an isolated network stack, and the sandbox gets no route
 * to the host. Idempotent; the forward lasts as long as the sandbox.
 */
static void req_forward(struct conn *k, const char *b, size_t n)
{
    uint64_t port;
    char name[32];
    struct msg m;
    if (get_num(b, n, 'o', &port) <= 0 || port == 0 || port > 65535)
        return reply_err(k, "bad_request", "a forward needs a port from 1 to 65535");
    snprintf(name, sizeof name, "port-%u.sock", (unsigned)port);
    int have = 0;
    for (int i = 0; i < g.nfwds; i++)
        have |= g.fwds[i].port == port;
    if (!have) {
        if (g.nfwds == MAX_FWDS)
            return reply_err(k, "busy", "at most %d ports are forwarded", MAX_FWDS);
        struct sockaddr_un a = { .sun_family = AF_UNIX };
        snprintf(a.sun_path, sizeof a.sun_path, "%s", name);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), rc = -1;
        if (s >= 0 && fchdir(g.statefd) == 0) {
            unlink(name); /* a previous daemon's */
            rc = bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 128) == 0 ? 0 : -1;
        }
        int e = errno;
        if (chdir("/") < 0 || rc < 0) {
            if (s >= 0)
                close(s);
            return reply_err(k, "busy", "cannot listen on %s: %s", name, strerror(e));
        }
        g.fwds[g.nfwds++] = (struct fwd){ .port = (unsigned)port, .fd = s };
    }
    m_start(&m, 'O');
    m_bytes(&m, 'f', name, strlen(name));
    conn_queue(k, &m);
}

/* ------------------------------------------------------------------ daemon: the gateway address */

/*
 * Reads the session's tag into the PROXY protocol v2 header every gateway connection opens with:
 * TCP over IPv4, 127.0.0.1:PORT -> 127.0.0.1:7761, then TLV 0xE0 = the tag (the source port is
 * filled in per connection). The tag comes from a file, never argv: the sandbox init is a clone of
 * this process, and its /proc/1/cmdline, readable inside, is our argv. It is read only once the init
 * exists, so that not even the init's memory holds it.
 */
static int gateway_header(void)
{
    static const unsigned char sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };
    unsigned char *h = g.gw_hdr, *tag = h + 31;
    int fd = open(g.cfg.gateway_tag_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return fail("gateway tag %s: %m", g.cfg.gateway_tag_file);
    ssize_t n = read(fd, tag, MAX_GW_TAG + 1);
    int e = errno;
    close(fd);
    errno = e;
    if (n < 0)
        return fail("read gateway tag %s: %m", g.cfg.gateway_tag_file);
    if (n > 0 && tag[n - 1] == '\n')
        n--;
    if (n < 1 || n > MAX_GW_TAG)
        return fail("gateway tag %s: need 1 to %d bytes", g.cfg.gateway_tag_file, MAX_GW_TAG);
    for (ssize_t i = 0; i < n; i++)
        if (tag[i] < 0x21 || tag[i] > 0x7e)
            return fail("gateway tag %s: printable ASCII only", g.cfg.gateway_tag_file);
    size_t len = 12 + 3 + (size_t)n;
    memcpy(h, sig, sizeof sig);
    h[12] = 0x21; /* version 2, PROXY */
    h[13] = 0x11; /* AF_INET, STREAM */
    h[14] = (unsigned char)(len >> 8);
    h[15] = (unsigned char)len;
    memcpy(h + 16, (const unsigned char[]){ 127, 0, 0, 1, 127, 0, 0, 1 }, 8);
    h[26] = GATEWAY_PORT >> 8;
    h[27] = GATEWAY_PORT & 0xff;
    h[28] = 0xE0;
    h[29] = (unsigned char)(n >> 8);
    h[30] = (unsigned char)n;
    g.gw_hdr_len = 31 + (size_t)n;
    return 0;
}

/*
 * Listens on 127.0.0.1:7761 of the sandbox's network stack: the socket is ours (made by visiting
 * the sandbox's netns), so no sandboxed process holds it, can bind that address, or outlives it;
 * and it is the shim's, so it stays up while the server restarts.
 */
static int gateway_listen(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(GATEWAY_PORT),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (!g.cfg.gateway)
        return 0;
    if (gateway_header() < 0)
        return -1;
    int s = sandbox_socket();
    if (s < 0)
        return fail("gateway: socket in the sandbox: %m");
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 128) < 0 ||
        fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK) < 0) {
        fail("gateway: listen on 127.0.0.1:%d in the sandbox: %m", GATEWAY_PORT);
        close(s);
        return -1;
    }
    g.gw_fd = s;
    return 0;
}

/*
 * One gateway connection, in its own process: the host's gateway socket, opened with the header,
 * then bytes both ways. The socket is named relative to its directory, so its path may be longer
 * than sun_path. No gateway listening (the server is restarting): the client's connection closes.
 */
static __attribute__((noreturn)) void gateway_relay(int client, uint16_t port)
{
    char dir[PATH_MAX];
    int one = 1;
    const char *slash = strrchr(g.cfg.gateway, '/');
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(dir, sizeof dir, "%.*s", slash == g.cfg.gateway ? 1 : (int)(slash - g.cfg.gateway), g.cfg.gateway);
    snprintf(a.sun_path, sizeof a.sun_path, "%s", slash + 1);
    int u = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (u < 0 || chdir(dir) < 0 || connect(u, (struct sockaddr *)&a, sizeof a) < 0)
        _exit(0);
    g.gw_hdr[24] = (unsigned char)(port >> 8);
    g.gw_hdr[25] = (unsigned char)port;
    if (write_all(u, g.gw_hdr, g.gw_hdr_len) < 0)
        _exit(0);
    explicit_bzero(g.gw_hdr, sizeof g.gw_hdr);
    (void)setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    relay(u, client);
}

/* Hands each new gateway connection to a forked relay, as many as MAX_GW_RELAYS at once. */
static void on_gateway_accept(void)
{
    while (g.gw_fd >= 0 && g.ngw_relays < MAX_GW_RELAYS) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof peer;
        int fd = accept4(g.gw_fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                logmsg("accept on the gateway address: %m");
            return;
        }
        pid_t pid = fork();
        if (pid == 0) {
            int keep[] = { 2, fd };
            close_fds_except(keep, 2);
            gateway_relay(fd, ntohs(peer.sin_port));
        }
        close(fd);
        if (pid < 0) {
            logmsg("gateway relay: fork: %m");
            return;
        }
        for (int i = 0; i < MAX_GW_RELAYS; i++)
            if (!g.gw_relays[i]) {
                g.gw_relays[i] = pid;
                g.ngw_relays++;
                break;
            }
    }
}

/* 1 if p was a gateway relay (now reaped). */
static int gateway_reaped(pid_t p)
{
    for (int i = 0; i < MAX_GW_RELAYS; i++)
        if (g.gw_relays[i] == p) {
            g.gw_relays[i] = 0;
            g.ngw_relays--;
            return 1;
        }
    return 0;
}

/* The sandbox is going: so are its gateway connections. */
static void gateway_close(void)
{
    if (g.gw_fd >= 0)
        close(g.gw_fd);
    g.gw_fd = -1;
    for (int i = 0; i < MAX_GW_RELAYS; i++)
        if (g.gw_relays[i] > 0)
            kill(g.gw_relays[i], SIGKILL);
}

static void handle_request(struct conn *k, int type, const char *b, size_t n)
{
    struct field f;
    size_t pos = 0;
    int rc;
    struct msg m;
    while ((rc = next_field(b, n, &pos, &f)) > 0)
        ;
    if (rc < 0)
        reply_err(k, "bad_request", "malformed message");
    else if (type == 'S')
        req_spawn(k, b, n);
    else if (type == 'W')
        req_watch(k, b, n);
    else if (type == 'K')
        req_signal(k, b, n);
    else if (type == 'I')
        req_input(k, b, n);
    else if (type == 'Z')
        req_resize(k, b, n);
    else if (type == 'F')
        req_forward(k, b, n);
    else if (type == 'Q') {
        m_start(&m, 'O');
        m_num(&m, 'p', getpid());
        m_bytes(&m, 'v', PROTOCOL_VERSION, strlen(PROTOCOL_VERSION));
        conn_queue(k, &m);
    } else if (type == 'D') {
        if (g.destroy_conn)
            reply_err(k, "busy", "already being destroyed");
        else {
            g.destroy_conn = k; /* answered once everything is dead (finish_shutdown) */
            begin_shutdown("destroy requested");
            return;
        }
    } else
        reply_err(k, "bad_request", "unknown request type");
    uint64_t hold = 0;
    if (type == 'I' && get_num(b, n, 'h', &hold) > 0 && hold == 1 && !k->closing) {
        k->since = mono_ms(); /* a typist's connection: held open for its next 'I', idle from now */
        return;
    }
    if (!k->watch)
        k->closing = 1;
}

/* An ack from a watcher: 'A' with 'o'. */
static void handle_watcher_msg(struct conn *k, int type, const char *b, size_t n)
{
    uint64_t off;
    if (type != 'A' || !k->cmd)
        return;
    if (get_num(b, n, 'o', &off) <= 0)
        return conn_kill(k);
    if (off > k->cmd->end)
        off = k->cmd->end;
    if (off > k->ack) {
        k->ack = off;
        cmd_flow(k->cmd);
    }
}

static void conn_readable(struct conn *k)
{
    for (;;) {
        if (buf_reserve(&k->in, 65536) < 0)
            return conn_kill(k);
        ssize_t r = recv(k->fd, k->in.p + k->in.len, k->in.cap - k->in.len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return;
        if (r <= 0)
            return conn_kill(k); /* a watcher that hangs up (or half-closes) is gone */
        k->in.len += (size_t)r;
        while (k->in.len >= 4) {
            uint32_t len = get_le32(k->in.p);
            if (len == 0 || len > MAX_MSG) {
                reply_err(k, "bad_request", "message length %u out of range", len);
                k->closing = 1;
                conn_detach(k);
                return;
            }
            if (k->in.len < 4 + (size_t)len) {
                if (buf_reserve(&k->in, 4 + (size_t)len - k->in.len) < 0)
                    return conn_kill(k);
                break;
            }
            if (k->watch)
                handle_watcher_msg(k, k->in.p[4], k->in.p + 5, len - 1);
            else
                handle_request(k, k->in.p[4], k->in.p + 5, len - 1);
            if (k->dead || k->closing || g.destroy_conn == k) {
                buf_free(&k->in);
                return;
            }
            buf_consume(&k->in, 4 + (size_t)len);
        }
    }
}

static void on_accept(void)
{
    for (int tries = 0; tries < 64; tries++) {
        int fd = accept4(g.listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR)
                logmsg("accept: %m");
            return;
        }
        struct conn *k = g.nconns < MAX_CONNS ? calloc(1, sizeof *k) : NULL;
        if (!k) {
            struct conn tmp = { .fd = fd };
            reply_err(&tmp, "busy", "too many connections");
            conn_flush(&tmp);
            buf_free(&tmp.out);
            close(fd);
            continue;
        }
        k->fd = fd;
        k->since = mono_ms();
        for (int i = 0; i < MAX_CONNS; i++)
            if (!g.conns[i]) {
                g.conns[i] = k;
                break;
            }
        g.nconns++;
    }
}

/* Queues coalesced progress, flushes, and frees connections that are done. */
static void pump_conns(void)
{
    for (int i = 0; i < MAX_CONNS; i++) {
        struct conn *k = g.conns[i];
        if (!k)
            continue;
        if (!k->dead && k->cmd && k->out.len == 0 && k->cmd->end > k->sent)
            queue_progress(k, k->cmd->end);
        if (!k->dead && k->out.len)
            conn_flush(k);
        if (!k->dead && k->closing && !k->out.len)
            conn_kill(k);
        if (k->dead) {
            if (g.destroy_conn == k)
                g.destroy_conn = NULL;
            /* Unread acks would turn our close into ECONNRESET for the peer instead of EOF. */
            while (recv(k->fd, rbuf, sizeof rbuf, MSG_DONTWAIT) > 0)
                ;
            close(k->fd);
            buf_free(&k->in);
            buf_free(&k->out);
            free(k);
            g.conns[i] = NULL;
            g.nconns--;
        }
    }
}

/* ------------------------------------------------------------------ daemon: main loop */

static void reap_children(void)
{
    struct signalfd_siginfo si;
    int st;
    pid_t p;
    while (read(g.sigfd, &si, sizeof si) == (ssize_t)sizeof si)
        ;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        if (p == g.init_pid) {
            g.init_pid = 0;
            begin_shutdown("sandbox init exited");
            continue;
        }
        if (gateway_reaped(p))
            continue;
        if (p == g.warm_pid) { /* replaced on the next spawn, not now: it may die again at once */
            g.warm_pid = 0;
            close(g.warm_fd);
            g.warm_fd = -1;
            g.warm_ready = 0;
            continue;
        }
        for (struct cmd *c = g.cmds; c; c = c->next)
            if (c->pid == p && !c->exited) {
                c->exited = 1;
                c->status = st;
                c->ended_ms = wall_ms();
                c->grace_at = mono_ms() + GRACE_MS;
            }
    }
}

static void run_timers(long long now)
{
    for (struct cmd *c = g.cmds; c; c = c->next) {
        if (c->deadline && !c->exited && now >= c->deadline) {
            logmsg("command %s timed out", c->id);
            c->deadline = 0;
            c->timed_out = 1;
            signal_group(c, SIGTERM);
            c->kill_at = now + KILL_AFTER_MS;
        }
        if (c->kill_at && now >= c->kill_at) {
            c->kill_at = 0;
            signal_group(c, SIGKILL);
        }
        if (c->hold_until && now >= c->hold_until) {
            c->hold_until = 0;
            cmd_flow(c);
        }
    }
    for (int i = 0; i < MAX_CONNS; i++) {
        struct conn *k = g.conns[i];
        if (k && !k->dead && !k->watch && !k->closing && g.destroy_conn != k && now - k->since > REQ_IDLE_MS)
            conn_kill(k);
    }
}

static void finish_commands(long long now)
{
    struct cmd *next;
    for (struct cmd *c = g.cmds; c; c = next) {
        next = c->next;
        if (g.shutdown && now >= g.shutdown_deadline && !c->exited) {
            c->exited = 1; /* could not be reaped in time: report it killed */
            c->status = SIGKILL;
            c->ended_ms = wall_ms();
        }
        if (c->exited && ((c->out_fd < 0 && c->err_fd < 0) || (!c->paused && now >= c->grace_at) ||
                          (g.shutdown && now >= g.shutdown_deadline)))
            cmd_finish(c);
    }
}

static __attribute__((noreturn)) void finish_shutdown(void)
{
    struct timeval tv = { .tv_sec = 1 };
    unlinkat(g.statefd, "ctl.sock", 0);
    unlinkat(g.statefd, "root", AT_REMOVEDIR);
    if (g.destroy_conn)
        reply_ok(g.destroy_conn);
    for (int i = 0; i < MAX_CONNS; i++) { /* last words (X, O), briefly blocking */
        struct conn *k = g.conns[i];
        if (k && !k->dead && k->out.len) {
            fcntl(k->fd, F_SETFL, fcntl(k->fd, F_GETFL) & ~O_NONBLOCK);
            setsockopt(k->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            (void)write_all(k->fd, k->out.p, k->out.len);
        }
    }
    logmsg("exiting");
    _exit(0);
}

static int next_timeout(long long now)
{
    long long t = LLONG_MAX;
#define CONSIDER(x) do { if ((x) && (x) < t) t = (x); } while (0)
    for (struct cmd *c = g.cmds; c; c = c->next) {
        if (!c->exited)
            CONSIDER(c->deadline);
        CONSIDER(c->kill_at);
        CONSIDER(c->hold_until);
        if (c->exited && !c->paused)
            CONSIDER(c->grace_at);
    }
    for (int i = 0; i < MAX_CONNS; i++)
        if (g.conns[i] && !g.conns[i]->watch)
            CONSIDER(g.conns[i]->since + REQ_IDLE_MS + 1);
    if (g.shutdown)
        CONSIDER(g.shutdown_deadline);
#undef CONSIDER
    if (t == LLONG_MAX)
        return -1;
    return t <= now ? 0 : (int)(t - now > 60000 ? 60000 : t - now);
}

enum { P_LISTEN, P_SIGNAL, P_FWD, P_GATEWAY, P_CONN, P_OUT, P_ERR, P_IN, P_TTY };

static __attribute__((noreturn)) void event_loop(void)
{
    struct pollfd *pf = NULL;
    struct slot { int kind; void *ptr; } *sl = NULL;
    size_t cap = 0;
    for (;;) {
        size_t n = 0, need = 3 + MAX_FWDS + MAX_CONNS;
        for (struct cmd *c = g.cmds; c; c = c->next)
            need += 4;
        if (need > cap) {
            struct pollfd *np = realloc(pf, need * sizeof *pf);
            struct slot *ns = np ? realloc(sl, need * sizeof *sl) : NULL;
            if (np)
                pf = np;
            if (!ns) {
                logmsg("out of memory");
                sleep(1);
                continue;
            }
            sl = ns;
            cap = need;
        }
#define ADD(fd_, ev, k, p) do { pf[n] = (struct pollfd){ (fd_), (ev), 0 }; sl[n++] = (struct slot){ (k), (p) }; } while (0)
        ADD(g.listenfd, POLLIN, P_LISTEN, NULL);
        ADD(g.sigfd, POLLIN, P_SIGNAL, NULL);
        for (int i = 0; i < g.nfwds; i++)
            ADD(g.fwds[i].fd, POLLIN, P_FWD, &g.fwds[i]);
        if (g.gw_fd >= 0 && g.ngw_relays < MAX_GW_RELAYS) /* at the limit, clients wait in the backlog */
            ADD(g.gw_fd, POLLIN, P_GATEWAY, NULL);
        for (int i = 0; i < MAX_CONNS; i++) {
            struct conn *k = g.conns[i];
            if (k && !k->dead)
                ADD(k->fd, (short)((k->closing ? 0 : POLLIN) | (k->out.len ? POLLOUT : 0)), P_CONN, k);
        }
        for (struct cmd *c = g.cmds; c; c = c->next) {
            if (c->out_fd >= 0 && !c->paused)
                ADD(c->out_fd, POLLIN, P_OUT, c);
            if (c->err_fd >= 0 && !c->paused)
                ADD(c->err_fd, POLLIN, P_ERR, c);
            if (c->in_fd >= 0)
                ADD(c->in_fd, POLLOUT, P_IN, c);
            if (c->tty_fd >= 0 && c->tin.len)
                ADD(c->tty_fd, POLLOUT, P_TTY, c);
        }
#undef ADD
        if (poll(pf, n, next_timeout(mono_ms())) < 0 && errno != EINTR) {
            logmsg("poll: %m");
            sleep(1);
            continue;
        }
        /* Nothing is freed while dispatching, so slot pointers stay valid. */
        for (size_t i = 0; i < n; i++) {
            short re = pf[i].revents;
            struct conn *k = sl[i].ptr;
            struct cmd *c = sl[i].ptr;
            if (!re)
                continue;
            switch (sl[i].kind) {
            case P_LISTEN: on_accept(); break;
            case P_FWD: on_forward_accept(sl[i].ptr); break;
            case P_GATEWAY: on_gateway_accept(); break;
            case P_SIGNAL: reap_children(); break;
            case P_CONN:
                if (!k->dead && (re & POLLIN))
                    conn_readable(k);
                if (!k->dead && (re & (POLLOUT | POLLERR | POLLHUP)))
                    conn_flush(k);
                break;
            case P_OUT: if (c->out_fd >= 0 && !c->paused) cmd_read(c, 1); break;
            case P_ERR: if (c->err_fd >= 0 && !c->paused) cmd_read(c, 2); break;
            case P_IN: if (c->in_fd >= 0) cmd_feed(c); break;
            case P_TTY: cmd_tty_flush(c); break;
            }
        }
        long long now = mono_ms();
        run_timers(now);
        finish_commands(now);
        pump_conns();
        if (g.warm_want)
            warm_arm(); /* after the replies went out: off the request's critical path */
        if (g.shutdown && !g.cmds && ((g.init_pid == 0 && g.warm_pid == 0) || now >= g.shutdown_deadline))
            finish_shutdown();
    }
}

/* ------------------------------------------------------------------ start */

static int parse_config(int argc, char **argv)
{
    struct config *c = &g.cfg;
    c->cgroups = calloc((size_t)argc, sizeof *c->cgroups);
    c->robinds = calloc((size_t)argc, sizeof *c->robinds);
    if (!c->cgroups || !c->robinds)
        return fail("out of memory");
    for (int i = 2; i < argc; i += 2) {
        const char *o = argv[i], *v = argv[i + 1];
        char *endp;
        if (!v)
            return fail("%s needs a value", o);
        if (!strcmp(o, "--state"))
            c->state = v;
        else if (!strcmp(o, "--hostname"))
            c->hostname = v;
        else if (!strcmp(o, "--workspace"))
            c->workspace = v;
        else if (!strcmp(o, "--lower"))
            c->lower = v;
        else if (!strcmp(o, "--upper"))
            c->upper = v;
        else if (!strcmp(o, "--cgroup"))
            c->cgroups[c->ncgroups++] = v;
        else if (!strcmp(o, "--ro-bind"))
            c->robinds[c->nrobinds++] = v;
        else if (!strcmp(o, "--gateway"))
            c->gateway = v;
        else if (!strcmp(o, "--gateway-tag-file"))
            c->gateway_tag_file = v;
        else if (!strcmp(o, "--uid-base") || !strcmp(o, "--uid-count")) {
            errno = 0;
            unsigned long n = strtoul(v, &endp, 10);
            if (errno || !*v || *endp || *v == '-')
                return fail("%s: not a number: %s", o, v);
            *(o[6] == 'b' ? &c->uid_base : &c->uid_count) = n;
        } else
            return fail("unknown option %s", o);
    }
    if (!c->state || !c->hostname || !c->workspace || !c->uid_count || !c->lower != !c->upper ||
        !c->gateway != !c->gateway_tag_file)
        return fail("usage: berth-shim start --state DIR --hostname NAME --workspace DIR --uid-base N "
                    "--uid-count N [--lower DIR --upper DIR] [--gateway SOCKET --gateway-tag-file FILE] "
                    "[--cgroup DIR]... [--ro-bind PATH]...");
    if (c->gateway) {
        const char *name = strrchr(c->gateway, '/');
        if (c->gateway[0] != '/' || !name[1] || strlen(name + 1) >= sizeof ((struct sockaddr_un *)0)->sun_path)
            return fail("gateway %s: need an absolute path whose last part has 1 to %zu bytes", c->gateway,
                        sizeof ((struct sockaddr_un *)0)->sun_path - 1);
    }
    if (c->uid_base == 0 || c->uid_base + c->uid_count > 0xffffffffUL)
        return fail("uid range %lu+%lu is not allowed (the sandbox's root must not be host root)", c->uid_base,
                    c->uid_count);
    if (!*c->hostname || strlen(c->hostname) > 64)
        return fail("hostname must have 1 to 64 characters");
    for (int i = 0; i < c->nrobinds; i++) {
        const char *p = c->robinds[i];
        if (p[0] != '/' || !p[1] || strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../") ||
            p[strlen(p) - 1] == '/' || (strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/..")) ||
            (strlen(p) >= 2 && !strcmp(p + strlen(p) - 2, "/.")))
            return fail("ro-bind %s: need a normalized absolute path other than /", p);
    }
    return 0;
}

/* Resolves the paths the daemon (which runs in /) and the init use. */
static int prepare_state(void)
{
    struct config *c = &g.cfg;
    struct stat st;
    char *p;
    if (!(p = realpath(c->state, NULL)))
        return fail("state %s: %m", c->state);
    c->state = p;
    if ((g.statefd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return fail("state %s: %m", p);
    if (mkdirat(g.statefd, "cmd", 0777) < 0 && errno != EEXIST)
        return fail("mkdir %s/cmd: %m", p);
    if ((g.cmdfd = openat(g.statefd, "cmd", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return fail("open %s/cmd: %m", p);
    if (mkdirat(g.statefd, "root", 0700) < 0 && errno != EEXIST)
        return fail("mkdir %s/root: %m", p);
    if (!(p = realpath(c->workspace, NULL)) || stat(p, &st) < 0)
        return fail("workspace %s: %m", c->workspace);
    if (!S_ISDIR(st.st_mode))
        return fail("workspace %s: not a directory", p);
    c->workspace = p;
    /* The sandbox's root is uid_base on the host: hand it a workspace that host root created. */
    if (st.st_uid == 0 && chown(p, (uid_t)c->uid_base, (gid_t)c->uid_base) < 0)
        return fail("chown workspace %s: %m", p);
    if (c->lower) {
        if (!(p = realpath(c->lower, NULL)))
            return fail("lower %s: %m", c->lower);
        c->lower = p;
        if (mkdir(c->upper, 0700) < 0 && errno != EEXIST)
            return fail("mkdir %s: %m", c->upper);
        if (!(p = realpath(c->upper, NULL)))
            return fail("upper %s: %m", c->upper);
        c->upper = p;
        /* Both belong to the namespace's root, which is overlayfs' mounter (see mount_layers). */
        for (int i = 0; i < 3; i++) {
            char d[PATH_MAX];
            snprintf(d, sizeof d, "%s%s", p, i == 0 ? "" : i == 1 ? "/upper" : "/work");
            if ((mkdir(d, 0755) < 0 && errno != EEXIST) || chown(d, (uid_t)c->uid_base, (gid_t)c->uid_base) < 0)
                return fail("prepare %s: %m", d);
        }
    }
    for (int i = 0; i < c->ncgroups; i++) {
        if (!(p = realpath(c->cgroups[i], NULL)))
            return fail("cgroup %s: %m", c->cgroups[i]);
        c->cgroups[i] = p;
    }
    return 0;
}

/* Binds ctl.sock (relative to the state directory, so that long paths work). */
static int make_socket(void)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = "ctl.sock" };
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), rc = 0;
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0 || probe < 0 || fchdir(g.statefd) < 0)
        rc = fail("socket: %m");
    else if (connect(probe, (struct sockaddr *)&a, sizeof a) == 0 || errno == EAGAIN)
        rc = fail("a shim is already serving %s", g.cfg.state);
    else if (unlink("ctl.sock") < 0 && errno != ENOENT)
        rc = fail("remove stale %s/ctl.sock: %m", g.cfg.state);
    else if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 128) < 0)
        rc = fail("bind %s/ctl.sock: %m", g.cfg.state);
    if (probe >= 0)
        close(probe);
    if (chdir("/") < 0 && rc == 0)
        rc = fail("chdir /: %m");
    if (rc < 0 && s >= 0)
        close(s);
    g.listenfd = rc < 0 ? -1 : s;
    return rc;
}

static int write_pid_file(const char *name, pid_t pid)
{
    char v[24];
    int fd = openat(g.statefd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    int n = snprintf(v, sizeof v, "%d\n", (int)pid);
    if (fd < 0 || write_all(fd, v, (size_t)n) < 0 || close(fd) < 0)
        return fail("write %s/%s: %m", g.cfg.state, name);
    return 0;
}

/* Kills what exists, reports the error to the starter and exits. */
static __attribute__((noreturn)) void daemon_abort(int report)
{
    if (g.init_pid > 0) {
        kill(g.init_pid, SIGKILL);
        while (waitpid(g.init_pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    unlinkat(g.statefd, "ctl.sock", 0);
    unlinkat(g.statefd, "root", AT_REMOVEDIR);
    for (char *p = g_err; *p; p++)
        if (*p == '\n')
            *p = ' ';
    logmsg("start failed: %s", g_err);
    dprintf(report, "error %s\n", g_err);
    _exit(1);
}

static __attribute__((noreturn)) void daemon_main(int report)
{
    char log[PATH_MAX];
    sigset_t chld;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    snprintf(log, sizeof log, "%s/shim.log", g.cfg.state);
    int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0666);
    setsid();
    if (devnull < 0 || logfd < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(logfd, 2) < 0) {
        fail("open /dev/null or %s: %m", log);
        daemon_abort(report);
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, SIG_IGN); /* sessions outlive careless signals; only 'D' ends the shim */
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    g.sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
    int keep[] = { 0, 1, 2, report, g.listenfd, g.sigfd, g.statefd, g.cmdfd };
    close_fds_except(keep, (int)(sizeof keep / sizeof *keep)); /* whatever the JVM leaked to us */
    if (g.sigfd < 0) {
        fail("signalfd: %m");
        daemon_abort(report);
    }
    getrlimit(RLIMIT_NOFILE, &g.nofile);
    struct rlimit more = g.nofile;
    more.rlim_cur = more.rlim_max < 65536 ? more.rlim_max : 65536;
    setrlimit(RLIMIT_NOFILE, &more);
    if (start_sandbox() < 0 || gateway_listen() < 0 || write_pid_file("shim.pid", getpid()) < 0 ||
        write_pid_file("init.pid", g.init_pid) < 0)
        daemon_abort(report);
    set_oom_adj("-500"); /* after the init exists: it must not inherit this */
    if (dprintf(report, "ready %d %d\n", (int)getpid(), (int)g.init_pid) < 0) {
        fail("the starting process went away");
        daemon_abort(report);
    }
    close(report);
    logmsg("sandbox ready: init pid %d", (int)g.init_pid);
    warm_arm();
    event_loop();
}

static int start_main(int argc, char **argv)
{
    char out[1024];
    int p[2];
    size_t n = 0;
    ssize_t r;
    if (parse_config(argc, argv) < 0 || prepare_state() < 0 || make_socket() < 0 || pipe2(p, O_CLOEXEC) < 0) {
        printf("error %s\n", g_err);
        return 1;
    }
    pid_t d = fork();
    if (d == 0) {
        close(p[0]);
        daemon_main(p[1]);
    }
    close(p[1]);
    if (d < 0) {
        unlinkat(g.statefd, "ctl.sock", 0);
        printf("error fork: %s\n", strerror(errno));
        return 1;
    }
    close(g.listenfd);
    while (n + 1 < sizeof out && ((r = read(p[0], out + n, sizeof out - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
        n += r > 0 ? (size_t)r : 0;
    out[n] = 0;
    if (!strncmp(out, "ready ", 6)) {
        fputs(out, stdout);
        return 0;
    }
    while (waitpid(d, NULL, 0) < 0 && errno == EINTR) /* the daemon cleans up before it reports */
        ;
    if (n == 0) {
        unlinkat(g.statefd, "ctl.sock", 0);
        snprintf(out, sizeof out, "error the shim daemon died during start\n");
    }
    fputs(out, stdout);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "version")) {
        puts(PROTOCOL_VERSION);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "start"))
        return start_main(argc, argv);
    fprintf(stderr, "usage: berth-shim start ... | berth-shim version\n");
    return 2;
}
