#ifndef PROCESSKIT_REAPER_H
#define PROCESSKIT_REAPER_H

#include <uv.h>

struct reaper;

/* One pass: reaps exited children that are neither libuv's nor ours; *blocked when one of those stood first. */
int pk_reap_orphans(uv_loop_t *loop, int *blocked);

/* Reaps on every SIGCHLD from now on (unref'd handles); NULL with *err set on failure. */
struct reaper *pk_reaper_start(uv_loop_t *loop, int *err);

/* How many orphans this reaper has reaped so far. */
int pk_reaper_count(const struct reaper *r);

/* Closes the reaper's handles (its environment is going away). */
void pk_reaper_stop(struct reaper *r);

#endif
