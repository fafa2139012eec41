/* clone3's argument block (linux/sched.h, spelled out so older kernel headers build it). */
#ifndef PROCESSKIT_CLONE3_H
#define PROCESSKIT_CLONE3_H

#include <stdint.h>

struct pk_clone_args {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
  uint64_t set_tid;
  uint64_t set_tid_size;
  uint64_t cgroup;
};

#define PK_CLONE_VM 0x00000100ULL
#define PK_CLONE_VFORK 0x00004000ULL
#define PK_CLONE_PIDFD 0x00001000ULL
#define PK_CLONE_INTO_CGROUP 0x200000000ULL
/* Sizes the kernel knows: up to exit_signal..tls (5.3), then cgroup (5.7). */
#define PK_CLONE_ARGS_SIZE_VER0 64
#define PK_CLONE_ARGS_SIZE_VER2 88

/* Returns the child's pid in the parent, -errno on failure; the child runs fn(arg) and exits. */
long pk_clone3(struct pk_clone_args *args, unsigned long size, int (*fn)(void *), void *arg);

#endif
