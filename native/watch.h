#ifndef PROCESSKIT_WATCH_H
#define PROCESSKIT_WATCH_H

#include <uv.h>

struct pk_watch;

/* code >= 0 for a normal exit, else signal > 0; both unset (-1, 0) when the child was reaped by someone else. */
typedef void (*pk_exit_cb)(void *data, int code, int signal);

/*
 * Watches pidfd until the child exits, then reaps it, closes the pidfd, frees the watch and
 * calls on_exit once. NULL with *err set when the loop refuses the descriptor.
 */
struct pk_watch *pk_watch_start(uv_loop_t *loop, int pidfd, int pid, pk_exit_cb on_exit, void *data, int *err);

/* Whether the watch keeps the event loop alive (like ChildProcess.ref/unref); only before on_exit ran. */
void pk_watch_ref(struct pk_watch *w, int ref);

/* Watches not closed yet, in the whole process. */
int pk_watch_count(void);

#endif
