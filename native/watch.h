#ifndef PROCESSKIT_WATCH_H
#define PROCESSKIT_WATCH_H

#include <uv.h>

struct pk_watch;

/* The watches of one event loop (one N-API environment), so they can be closed with it. */
struct pk_watch_list {
  struct pk_watch *head;
};

/* code >= 0 for a normal exit, else signal > 0; both unset (-1, 0) when the child was reaped by someone else. */
typedef void (*pk_exit_cb)(void *data, int code, int signal);

/*
 * Watches pidfd until the child exits, then reaps it, closes the pidfd, frees the watch and
 * calls on_exit once. NULL with *err set when the loop refuses the descriptor.
 */
struct pk_watch *pk_watch_start(struct pk_watch_list *list, uv_loop_t *loop, int pidfd, int pid,
                                pk_exit_cb on_exit, void *data, int *err);

/* The environment is going away: close every watch without calling on_exit; drop(data) instead. */
void pk_watch_close_all(struct pk_watch_list *list, void (*drop)(void *data));

/* Whether the watch keeps the event loop alive (like ChildProcess.ref/unref); only before on_exit ran. */
void pk_watch_ref(struct pk_watch *w, int ref);

/* Watches not closed yet, in the whole process. */
int pk_watch_count(void);

#endif
