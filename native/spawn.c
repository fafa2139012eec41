/*
 * The parent side of a native spawn: block every signal, clone3 into the child (vfork
 * semantics on a stack of its own, so the cost does not grow with our memory), restore the
 * mask, and read back whether the child exec'd. With CLONE_INTO_CGROUP the child is born in
 * its container; a kernel that refuses it (before 5.7) gets the fallback, once and for good:
 * the child migrates itself by writing cgroup.procs.
 */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone3.h"
#include "syscall.h"

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define CHILD_STACK_SIZE (64 * 1024)

/* 0: not tried yet, 1: the kernel takes CLONE_INTO_CGROUP, -1: it refused (errno in refused_errno). */
static volatile int into_cgroup_state = 0;
static volatile int into_cgroup_refused_errno = 0;

int pk_into_cgroup_refused(void) {
  return into_cgroup_state == -1 ? into_cgroup_refused_errno : 0;
}

void *pk_stack_create(void) {
  /* One guard page below the stack: an overflow faults instead of writing into our heap. */
  size_t guard = (size_t)sysconf(_SC_PAGESIZE);
  char *base = mmap(NULL, CHILD_STACK_SIZE + guard, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) return NULL;
  if (mprotect(base, guard, PROT_NONE) != 0) {
    munmap(base, CHILD_STACK_SIZE + guard);
    return NULL;
  }
  return base;
}

void pk_stack_destroy(void *stack) {
  if (stack != NULL) munmap(stack, CHILD_STACK_SIZE + (size_t)sysconf(_SC_PAGESIZE));
}

static long clone_once(struct pk_child *child, void *stack, int cgroup_fd, int *pidfd) {
  size_t guard = (size_t)sysconf(_SC_PAGESIZE);
  struct pk_clone_args args = {0};
  args.flags = PK_CLONE_VM | PK_CLONE_VFORK | PK_CLONE_PIDFD;
  args.pidfd = (uint64_t)(uintptr_t)pidfd;
  args.exit_signal = SIGCHLD;
  args.stack = (uint64_t)(uintptr_t)((char *)stack + guard);
  args.stack_size = CHILD_STACK_SIZE;
  unsigned long size = PK_CLONE_ARGS_SIZE_VER0;
  if (cgroup_fd >= 0) {
    args.flags |= PK_CLONE_INTO_CGROUP;
    args.cgroup = (uint64_t)cgroup_fd;
    size = PK_CLONE_ARGS_SIZE_VER2;
  }

  /* No handler of ours may run in the child: it would run on our memory. */
  sigset_t all, old;
  sigfillset(&all);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
  long pid = pk_clone3(&args, size, pk_child_main, child);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
  return pid;
}

/* The kernel refuses CLONE_INTO_CGROUP itself (too old), not this one spawn. */
static int refuses_into_cgroup(long err) {
  return err == -EINVAL || err == -E2BIG || err == -ENOSYS;
}

struct pk_spawn_result pk_spawn(struct pk_child *child, void *stack, int cgroup_fd, int force_write_join) {
  struct pk_spawn_result out = {0, -1, 0, PK_STEP_NONE, PK_JOIN_NONE};
  if (!PK_NATIVE_SPAWN) {
    out.err = ENOSYS;
    out.step = PK_STEP_CLONE;
    return out;
  }
  child->err = 0;
  child->step = PK_STEP_NONE;
  child->procs_fd = -1;
  int pidfd = -1;
  long pid;

  int use_clone = cgroup_fd >= 0 && !force_write_join && into_cgroup_state >= 0;
  if (use_clone) {
    pid = clone_once(child, stack, cgroup_fd, &pidfd);
    if (pid < 0 && refuses_into_cgroup(pid) && into_cgroup_state == 0) {
      into_cgroup_refused_errno = (int)-pid;
      into_cgroup_state = -1;
      use_clone = 0;
    } else {
      if (pid > 0) into_cgroup_state = 1;
      out.join = PK_JOIN_CLONE;
    }
  }
  if (!use_clone) {
    if (cgroup_fd >= 0) {
      child->procs_fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
      if (child->procs_fd < 0) {
        out.err = errno;
        out.step = PK_STEP_CGROUP;
        return out;
      }
      out.join = PK_JOIN_WRITE;
    }
    pid = clone_once(child, stack, -1, &pidfd);
    if (child->procs_fd >= 0) close(child->procs_fd);
  }

  if (pid < 0) {
    out.err = (int)-pid;
    out.step = PK_STEP_CLONE;
    out.join = PK_JOIN_NONE;
    return out;
  }
  if (child->err != 0) {
    /* The child has released our memory by exiting: reap it here, it is nobody else's. */
    siginfo_t info;
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED) != 0 && errno == EINTR) {
    }
    close(pidfd);
    out.err = child->err;
    out.step = child->step;
    return out;
  }
  out.pid = (int)pid;
  out.pidfd = pidfd;
  return out;
}

/*
 * Spawn-free checks of what the kernel (and any seccomp filter) lets through. clone3 with a
 * zero size must fail with EINVAL when the call exists; asking for CLONE_INTO_CGROUP with a
 * bad descriptor fails with EBADF when the flag is known, EINVAL/E2BIG before 5.7. A child
 * is never expected; should one appear anyway it exits at once.
 */
int pk_probe_clone3(void) {
  if (!PK_NATIVE_SPAWN) return ENOSYS;
  long r = syscall(SYS_clone3, NULL, 0);
  if (r < 0) return errno == EINVAL ? 0 : errno;
  return EPROTO; /* cannot happen: a zero-sized clone3 succeeded */
}

int pk_probe_into_cgroup(void) {
  if (!PK_NATIVE_SPAWN) return ENOSYS;
  struct pk_clone_args args = {0};
  args.flags = PK_CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = INT_MAX;
  long r = syscall(SYS_clone3, &args, PK_CLONE_ARGS_SIZE_VER2);
  if (r == 0) syscall(SYS_exit_group, 0);
  if (r > 0) {
    waitpid((pid_t)r, NULL, 0);
    return 0;
  }
  return errno == EBADF ? 0 : errno;
}
