/*
 * The vforked child: from clone3 to execve. It shares the parent's memory and runs while the
 * parent thread is suspended (other threads of the parent keep running), so it calls no libc
 * function and allocates nothing: every step is one raw system call. On failure it records
 * the step and errno where the parent will look, and exits 127.
 *
 * Order, as libuv's own child does it: dispositions, session, stdio, close the rest, cwd,
 * privilege drop, then the signal mask right before exec (all signals stay blocked until the
 * dispositions are default, so no handler of the parent ever runs in here).
 */
#include "child.h"

#include <fcntl.h>
#include <signal.h>

#include "syscall.h"

#if PK_NATIVE_SPAWN

/* The kernel's struct sigaction (not glibc's): handler, flags, restorer, 64-bit mask. */
struct pk_ksigaction {
  unsigned long handler;
  unsigned long flags;
  unsigned long restorer;
  unsigned long mask;
};

static const struct pk_ksigaction default_action = {0, 0, 0, 0};
static const unsigned long empty_mask = 0;

struct pk_dirent64 {
  unsigned long long ino;
  long long off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

__attribute__((noreturn)) static void fail(struct pk_child *c, int step, long ret) {
  c->err = (int)-ret;
  c->step = step;
  for (;;) pk_sys3(PK_NR_exit_group, 127, 0, 0);
}

/* Kernels before 5.9 have no close_range: list /proc/self/fd with getdents64 and close. */
static long close_from_3_by_listing(void) {
  long dir = pk_sys3(PK_NR_open, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dir < 0) return dir;
  char buf[1024] __attribute__((aligned(8)));
  for (;;) {
    long n = pk_sys3(PK_NR_getdents64, dir, (long)buf, sizeof buf);
    if (n <= 0) break;
    int closed = 0;
    for (long pos = 0; pos < n;) {
      struct pk_dirent64 *d = (struct pk_dirent64 *)(buf + pos);
      pos += d->reclen;
      long fd = 0;
      const char *p = d->name;
      if (*p < '0' || *p > '9') continue;
      while (*p >= '0' && *p <= '9') fd = fd * 10 + (*p++ - '0');
      if (fd >= 3 && fd != dir) {
        pk_sys3(PK_NR_close, fd, 0, 0);
        closed = 1;
      }
    }
    /* Closing changes the listing under us: start over until a pass closes nothing. */
    if (closed) pk_sys3(PK_NR_lseek, dir, 0, 0 /* SEEK_SET */);
  }
  pk_sys3(PK_NR_close, dir, 0, 0);
  return 0;
}

/* "+<pid>\n" without libc: one write, so the line lands whole. */
static void register_self(int fd) {
  char line[24];
  long pid = pk_sys3(PK_NR_getpid, 0, 0, 0);
  char digits[20];
  int n = 0;
  do {
    digits[n++] = (char)('0' + pid % 10);
    pid /= 10;
  } while (pid > 0 && n < 20);
  int len = 0;
  line[len++] = '+';
  while (n > 0) line[len++] = digits[--n];
  line[len++] = '\n';
  pk_sys3(PK_NR_write, fd, (long)line, len);
}

int pk_child_main(void *arg) {
  struct pk_child *c = arg;
  long r;

  for (long sig = 1; sig < 65; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    pk_sys4(PK_NR_rt_sigaction, sig, (long)&default_action, 0, 8);
  }

  if (c->procs_fd >= 0) {
    r = pk_sys3(PK_NR_write, c->procs_fd, (long)"0", 1); /* "0" is the writer itself */
    if (r < 0) fail(c, PK_STEP_CGROUP, r);
  }

  if (c->pgroup == -1) {
    r = pk_sys3(PK_NR_setsid, 0, 0, 0);
    if (r < 0) fail(c, PK_STEP_SETSID, r);
    /* The child registers its own group (pgid = its pid) before it can run anything: an owner
       SIGKILLed before clone3 even returned still leaves the group in the ledger. Best effort:
       the parent registers it too once clone3 returns. */
    if (c->ledger_fd >= 0) register_self(c->ledger_fd);
  } else if (c->pgroup > 0) {
    r = pk_sys3(PK_NR_setpgid, 0, c->pgroup, 0);
    if (r < 0) fail(c, PK_STEP_SETPGID, r);
  }

  /* A source that sits on another stdio slot would be overwritten by an earlier dup2: lift it above 2 first. */
  int source[3];
  for (int i = 0; i < 3; i++) {
    source[i] = c->stdio[i];
    if (source[i] >= 0 && source[i] < 3 && source[i] != i) {
      r = pk_sys3(PK_NR_fcntl, source[i], F_DUPFD_CLOEXEC, 3);
      if (r < 0) fail(c, PK_STEP_STDIO, r);
      source[i] = (int)r;
    }
  }
  for (int i = 0; i < 3; i++) {
    if (source[i] < 0) {
      pk_sys3(PK_NR_close, i, 0, 0);
    } else if (source[i] == i) {
      r = pk_sys3(PK_NR_fcntl, i, F_SETFD, 0); /* inherited as is: only drop close-on-exec */
      if (r < 0) fail(c, PK_STEP_STDIO, r);
    } else {
      r = pk_sys3(PK_NR_dup2, source[i], i, 0);
      if (r < 0) fail(c, PK_STEP_STDIO, r);
    }
  }

  r = pk_sys3(PK_NR_close_range, 3, ~0U, 0);
  if (r < 0) r = close_from_3_by_listing();
  if (r < 0) fail(c, PK_STEP_CLOSE, r);

  if (c->cwd != 0) {
    r = pk_sys3(PK_NR_chdir, (long)c->cwd, 0, 0);
    if (r < 0) fail(c, PK_STEP_CHDIR, r);
  }

  if (c->set_groups) {
    r = pk_sys3(PK_NR_setgroups, c->ngroups, (long)c->groups, 0);
    /* Clearing the groups on a uid/gid drop is best effort, as in libuv (only root may). */
    if (r < 0 && c->set_groups == PK_GROUPS_REQUIRED) fail(c, PK_STEP_SETGROUPS, r);
  }
  if (c->set_gid) {
    r = pk_sys3(PK_NR_setgid, c->gid, 0, 0);
    if (r < 0) fail(c, PK_STEP_SETGID, r);
  }
  if (c->set_uid) {
    r = pk_sys3(PK_NR_setuid, c->uid, 0, 0);
    if (r < 0) fail(c, PK_STEP_SETUID, r);
  }

  pk_sys4(PK_NR_rt_sigprocmask, SIG_SETMASK, (long)&empty_mask, 0, 8);
  r = pk_sys3(PK_NR_execve, (long)c->file, (long)c->argv, (long)c->envp);
  fail(c, PK_STEP_EXEC, r);
}

#else

int pk_child_main(void *arg) {
  (void)arg;
  return 127;
}

#endif
