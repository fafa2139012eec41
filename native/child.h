/*
 * What the vforked child needs, prepared by the parent before clone3: every pointer points
 * into memory the parent owns and keeps unchanged until clone3 returns (CLONE_VFORK suspends
 * the parent until the child has exec'd or exited, and CLONE_VM makes it the same memory).
 */
#ifndef PROCESSKIT_CHILD_H
#define PROCESSKIT_CHILD_H

#include <sys/types.h>

/* Where the child failed; the parent turns (step, errno) into a typed error. */
enum pk_step {
  PK_STEP_NONE = 0,
  PK_STEP_CGROUP,   /* writing cgroup.procs (the CLONE_INTO_CGROUP fallback) */
  PK_STEP_SETSID,
  PK_STEP_SETPGID,
  PK_STEP_STDIO,
  PK_STEP_CLOSE,
  PK_STEP_CHDIR,
  PK_STEP_SETGROUPS,
  PK_STEP_SETGID,
  PK_STEP_SETUID,
  PK_STEP_EXEC,
};

#define PK_GROUPS_REQUIRED 1
#define PK_GROUPS_BEST_EFFORT 2

struct pk_child {
  const char *file;
  char *const *argv;
  char *const *envp;
  const char *cwd;       /* NULL: stay in ours */
  int stdio[3];          /* source fd for 0, 1, 2; -1 leaves it closed */
  int pgroup;            /* 0: ours, -1: new session, > 0: join that process group */
  int procs_fd;          /* >= 0: write "0" here first (join a cgroup by migration) */
  int ledger_fd;         /* >= 0 (new session): write "+<own pid>\n" here before exec: the owner's
                            group ledger, so its sentinels know the group from the first instruction */
  int set_groups;        /* 0, PK_GROUPS_REQUIRED or PK_GROUPS_BEST_EFFORT */
  int ngroups;
  const gid_t *groups;
  int set_gid;
  gid_t gid;
  int set_uid;
  uid_t uid;
  /* Written by the child only when it fails, read by the parent after clone3 returned. */
  volatile int err;
  volatile int step;
};

/* Runs in the child, on its own stack, sharing our memory: raw syscalls only, no libc. */
int pk_child_main(void *arg);

#endif
