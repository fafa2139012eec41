/*
 * The pids of our native children that are not reaped yet, process-wide (every worker's
 * event loop spawns into the same process): the PID 1 reaper must leave them to their pidfd.
 */
#include "registry.h"

#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int *pids = NULL;
static size_t count = 0;
static size_t capacity = 0;

int pk_registry_add(int pid) {
  int ok = 1;
  pthread_mutex_lock(&lock);
  if (count == capacity) {
    size_t next = capacity == 0 ? 64 : capacity * 2;
    int *grown = realloc(pids, next * sizeof *pids);
    if (grown == NULL) {
      ok = 0;
    } else {
      pids = grown;
      capacity = next;
    }
  }
  if (ok) pids[count++] = pid;
  pthread_mutex_unlock(&lock);
  return ok;
}

void pk_registry_remove(int pid) {
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < count; i++) {
    if (pids[i] == pid) {
      pids[i] = pids[--count];
      break;
    }
  }
  pthread_mutex_unlock(&lock);
}

int pk_registry_has(int pid) {
  int found = 0;
  pthread_mutex_lock(&lock);
  for (size_t i = 0; i < count && !found; i++) found = pids[i] == pid;
  pthread_mutex_unlock(&lock);
  return found;
}
