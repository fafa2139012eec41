/*
 * PID 1 of a PID namespace (a container started without --init) inherits every orphan, and
 * nobody reaps them: they stay zombies until the namespace ends. This reaps the exited
 * children that belong to nobody — not libuv's (its SIGCHLD handler waits for its own
 * handles' pids, found by walking the loop) and not ours (their pidfd watchers reap them).
 *
 * waitid(P_ALL, WNOWAIT) peeks at one exited child without reaping it. When that one is
 * libuv's or ours, its owner reaps it on this same loop moments later; a retry shortly after
 * then sees past it.
 */
#include "reaper.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "registry.h"

#define RETRY_MS 20
#define MAX_PER_PASS 4096

struct pid_list {
  int *pids;
  size_t count;
  size_t capacity;
};

static void collect_libuv_child(uv_handle_t *handle, void *arg) {
  if (handle->type != UV_PROCESS) return;
  struct pid_list *list = arg;
  if (list->count == list->capacity) {
    size_t next = list->capacity == 0 ? 16 : list->capacity * 2;
    int *grown = realloc(list->pids, next * sizeof *grown);
    if (grown == NULL) return;
    list->pids = grown;
    list->capacity = next;
  }
  list->pids[list->count++] = ((uv_process_t *)handle)->pid;
}

static int listed(const struct pid_list *list, int pid) {
  for (size_t i = 0; i < list->count; i++)
    if (list->pids[i] == pid) return 1;
  return 0;
}

int pk_reap_orphans(uv_loop_t *loop, int *blocked) {
  struct pid_list libuv = {NULL, 0, 0};
  uv_walk(loop, collect_libuv_child, &libuv);
  int reaped = 0;
  *blocked = 0;
  for (int n = 0; n < MAX_PER_PASS; n++) {
    siginfo_t peek;
    peek.si_pid = 0;
    if (waitid(P_ALL, 0, &peek, WEXITED | WNOHANG | WNOWAIT) != 0) break; /* ECHILD: no children */
    if (peek.si_pid == 0) break;                                          /* none has exited */
    if (listed(&libuv, peek.si_pid) || pk_registry_has(peek.si_pid)) {
      *blocked = 1;
      break;
    }
    siginfo_t gone;
    if (waitid(P_PID, (id_t)peek.si_pid, &gone, WEXITED | WNOHANG) == 0) reaped++;
  }
  free(libuv.pids);
  return reaped;
}

struct reaper {
  uv_signal_t sigchld;
  uv_timer_t retry;
  uv_loop_t *loop;
  int reaped;
};

static void on_retry(uv_timer_t *timer);

static void pass(struct reaper *r) {
  int blocked;
  r->reaped += pk_reap_orphans(r->loop, &blocked);
  if (blocked && !uv_is_active((uv_handle_t *)&r->retry)) uv_timer_start(&r->retry, on_retry, RETRY_MS, 0);
}

static void on_retry(uv_timer_t *timer) {
  pass(timer->data);
}

static void on_sigchld(uv_signal_t *handle, int signum) {
  (void)signum;
  pass(handle->data);
}

struct reaper *pk_reaper_start(uv_loop_t *loop, int *err) {
  struct reaper *r = calloc(1, sizeof *r);
  if (r == NULL) {
    *err = ENOMEM;
    return NULL;
  }
  r->loop = loop;
  r->sigchld.data = r;
  r->retry.data = r;
  int rc = uv_signal_init(loop, &r->sigchld);
  if (rc == 0) rc = uv_timer_init(loop, &r->retry);
  if (rc == 0) rc = uv_signal_start(&r->sigchld, on_sigchld, SIGCHLD);
  if (rc != 0) {
    /* Initialised handles belong to the loop now: r is not freed, only never used. */
    *err = -rc;
    return NULL;
  }
  /* The reaper never keeps the process alive on its own. */
  uv_unref((uv_handle_t *)&r->sigchld);
  uv_unref((uv_handle_t *)&r->retry);
  pass(r); /* zombies that were waiting before we started */
  return r;
}

int pk_reaper_count(const struct reaper *r) {
  return r == NULL ? 0 : r->reaped;
}

void pk_reaper_stop(struct reaper *r) {
  if (r == NULL) return;
  uv_timer_stop(&r->retry);
  uv_signal_stop(&r->sigchld);
  uv_close((uv_handle_t *)&r->retry, NULL);
  uv_close((uv_handle_t *)&r->sigchld, NULL); /* r itself stays allocated: the loop may still touch the handles */
}
