#ifndef PROCESSKIT_SPAWN_H
#define PROCESSKIT_SPAWN_H

#include "child.h"

#define PK_STEP_CLONE 100 /* clone3 itself failed (seccomp, resources, an old kernel) */

enum pk_join { PK_JOIN_NONE = 0, PK_JOIN_CLONE, PK_JOIN_WRITE };

struct pk_spawn_result {
  int pid;
  int pidfd;
  int err;  /* errno when the spawn failed, 0 otherwise */
  int step; /* which step failed (enum pk_step or PK_STEP_CLONE) */
  int join; /* how the child entered its cgroup (enum pk_join) */
};

void *pk_stack_create(void);
void pk_stack_destroy(void *stack);

/*
 * Spawns `child`. cgroup_fd >= 0 puts it into that cgroup directory: born there with
 * CLONE_INTO_CGROUP, or (refused by the kernel, or force_write_join) by writing cgroup.procs.
 */
struct pk_spawn_result pk_spawn(struct pk_child *child, void *stack, int cgroup_fd, int force_write_join);

/* errno of the kernel's refusal of CLONE_INTO_CGROUP once seen, else 0. */
int pk_into_cgroup_refused(void);

/* 0 when the call is usable, else the errno that says why not. */
int pk_probe_clone3(void);
int pk_probe_into_cgroup(void);

#endif
