/*
 * A child's exit, seen through its pidfd on the event loop: the pidfd turns readable when the
 * child exits, and waitid(P_PIDFD) reaps exactly that child. No thread and no timer per
 * child; libuv's own SIGCHLD handler waits only for its handles' pids, so it never takes ours.
 */
#define _GNU_SOURCE
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "registry.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Watches whose handle is not closed yet, across every event loop (tests check nothing outlives a run). */
static volatile int open_watches = 0;

int pk_watch_count(void) {
  return __atomic_load_n(&open_watches, __ATOMIC_RELAXED);
}

struct pk_watch {
  uv_poll_t poll;
  int pidfd;
  int pid;
  int closing;
  pk_exit_cb on_exit;
  void *data;
  struct pk_watch_list *list;
  struct pk_watch *prev, *next;
};

static void unlink_watch(struct pk_watch *w) {
  if (w->prev != NULL) w->prev->next = w->next;
  else w->list->head = w->next;
  if (w->next != NULL) w->next->prev = w->prev;
}

static void on_closed(uv_handle_t *handle) {
  struct pk_watch *w = handle->data;
  unlink_watch(w);
  close(w->pidfd);
  free(w);
  __atomic_fetch_sub(&open_watches, 1, __ATOMIC_RELAXED);
}

static void start_close(struct pk_watch *w) {
  w->closing = 1;
  uv_poll_stop(&w->poll);
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  struct pk_watch *w = handle->data;
  siginfo_t info;
  info.si_pid = 0;
  int rc;
  do rc = waitid((idtype_t)P_PIDFD, (id_t)w->pidfd, &info, WEXITED | WNOHANG);
  while (rc != 0 && errno == EINTR);
  if (status == 0 && rc == 0 && info.si_pid == 0) return; /* woken early: not exited yet */
  if (rc != 0 && errno == EAGAIN) return;

  int code = -1, signal = 0;
  if (rc == 0) {
    if (info.si_code == CLD_EXITED) code = info.si_status;
    else signal = info.si_status;
  }
  /* rc != 0 (ECHILD: someone else reaped it) reports neither a code nor a signal. */
  pk_registry_remove(w->pid);
  start_close(w);
  w->on_exit(w->data, code, signal);
}

struct pk_watch *pk_watch_start(struct pk_watch_list *list, uv_loop_t *loop, int pidfd, int pid,
                                pk_exit_cb on_exit, void *data, int *err) {
  struct pk_watch *w = calloc(1, sizeof *w);
  if (w == NULL) {
    *err = ENOMEM;
    return NULL;
  }
  w->pidfd = pidfd;
  w->pid = pid;
  w->on_exit = on_exit;
  w->data = data;
  w->poll.data = w;
  int rc = uv_poll_init(loop, &w->poll, pidfd);
  if (rc != 0) {
    *err = -rc;
    free(w);
    return NULL;
  }
  w->list = list;
  w->next = list->head;
  if (list->head != NULL) list->head->prev = w;
  list->head = w;
  __atomic_fetch_add(&open_watches, 1, __ATOMIC_RELAXED);
  rc = uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (rc != 0) {
    *err = -rc;
    w->pidfd = dup(pidfd); /* the caller keeps its pidfd on failure; on_closed closes this copy */
    start_close(w);
    return NULL;
  }
  return w;
}

void pk_watch_close_all(struct pk_watch_list *list, void (*drop)(void *data)) {
  for (struct pk_watch *w = list->head; w != NULL; w = w->next) {
    if (w->closing) continue;
    pk_registry_remove(w->pid);
    start_close(w);
    drop(w->data);
  }
}

void pk_watch_ref(struct pk_watch *w, int ref) {
  if (ref) uv_ref((uv_handle_t *)&w->poll);
  else uv_unref((uv_handle_t *)&w->poll);
}
