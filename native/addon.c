/*
 * The N-API surface of the native spawn core. JavaScript prepares everything (resolved path,
 * argv with argv0, "NAME=VALUE" environment, stdio fds, the container's cgroup fd) and this
 * file only copies it into C memory, spawns, and reports:
 *
 *   spawn(file, argv, envp, cwd|null, [fd0, fd1, fd2], pgroup, cgroupFd, forceWriteJoin,
 *         uid, gid, groups|null, ledgerFd) → { pid, pidfd, join } | { errno, step }
 *   watch(pidfd, pid, onExit(code|null, signal|null)) → watch | errno   ref(watch, bool)
 *   kill(pidfd, signo) → 0 | errno
 *   pipe() → [read, write] (O_CLOEXEC)   close(fd) → 0 | errno    probe() → { clone3, intoCgroup } (errno, 0 = usable)
 *   intoCgroupRefused() → errno | 0        startReaper() → errno | 0    reaped() → count
 *   reapOnce() → count (one pass, for tests)   watches() → exit watches still open
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "reaper.h"
#include "registry.h"
#include "spawn.h"
#include "watch.h"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

struct instance {
  void *stack;
  napi_async_context async;
  struct reaper *reaper;
  struct pk_watch_list watches;
  int closing; /* the environment is being torn down: no more calls into JavaScript */
};

#define CHECK(call)                                     \
  do {                                                  \
    if ((call) != napi_ok) return throw_last(env);      \
  } while (0)

static napi_value throw_last(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending)
    napi_throw_error(env, NULL, info != NULL && info->error_message != NULL ? info->error_message : "N-API call failed");
  return NULL;
}

static struct instance *instance_of(napi_env env) {
  struct instance *in = NULL;
  napi_get_instance_data(env, (void **)&in);
  return in;
}

static napi_value number(napi_env env, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  return v;
}

static int set_int(napi_env env, napi_value obj, const char *name, int value) {
  return napi_set_named_property(env, obj, name, number(env, value)) == napi_ok;
}

static int get_int(napi_env env, napi_value v, int *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* Exactly `count` arguments into argv, else a TypeError saying `usage`. */
static int get_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv, const char *usage) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == count) return 1;
  napi_throw_type_error(env, NULL, usage);
  return 0;
}

/* Strings are copied into one arena: lengths first, then the bytes. */
struct arena {
  char *bytes;
  size_t used;
  size_t size;
};

static int string_length(napi_env env, napi_value v, size_t *len) {
  return napi_get_value_string_utf8(env, v, NULL, 0, len) == napi_ok;
}

/* Copies a string into the arena; returns NULL (with *nul set) when it holds a NUL byte. */
static char *copy_string(napi_env env, napi_value v, struct arena *a, int *nul) {
  size_t len = 0;
  char *dst = a->bytes + a->used;
  napi_get_value_string_utf8(env, v, dst, a->size - a->used, &len);
  a->used += len + 1;
  if (strlen(dst) != len) {
    *nul = 1;
    return NULL;
  }
  return dst;
}

static const char *const STEP_NAMES[] = {
    "none", "cgroup", "setsid", "setpgid", "stdio", "close", "chdir", "setgroups", "setgid", "setuid", "exec",
};

static const char *step_name(int step) {
  if (step == PK_STEP_CLONE) return "clone3";
  if (step >= 0 && (size_t)step < sizeof STEP_NAMES / sizeof *STEP_NAMES) return STEP_NAMES[step];
  return "unknown";
}

static const char *const JOIN_NAMES[] = {"none", "clone", "write"};

static napi_value failure(napi_env env, int err, const char *step) {
  napi_value out, s;
  napi_create_object(env, &out);
  set_int(env, out, "errno", err);
  napi_create_string_utf8(env, step, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, out, "step", s);
  return out;
}

static napi_value Spawn(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (!get_args(env, info, 12, argv, "spawn: expected 12 arguments")) return NULL;
  uint32_t nargs = 0, nenv = 0, ngroups = 0;
  napi_valuetype cwd_type, groups_type;
  CHECK(napi_get_array_length(env, argv[1], &nargs));
  CHECK(napi_get_array_length(env, argv[2], &nenv));
  CHECK(napi_typeof(env, argv[3], &cwd_type));
  CHECK(napi_typeof(env, argv[10], &groups_type));
  if (groups_type == napi_object) CHECK(napi_get_array_length(env, argv[10], &ngroups));

  /* Pass 1: how much memory every string needs. */
  napi_value *args = malloc(sizeof(napi_value) * (nargs + nenv + 2));
  if (args == NULL) return failure(env, ENOMEM, "argv");
  size_t total = 0, len = 0;
  int ok = string_length(env, argv[0], &len);
  total += len + 1;
  for (uint32_t i = 0; ok && i < nargs; i++) {
    ok = napi_get_element(env, argv[1], i, &args[i]) == napi_ok && string_length(env, args[i], &len);
    total += len + 1;
  }
  for (uint32_t i = 0; ok && i < nenv; i++) {
    ok = napi_get_element(env, argv[2], i, &args[nargs + i]) == napi_ok &&
         string_length(env, args[nargs + i], &len);
    total += len + 1;
  }
  if (ok && cwd_type == napi_string) {
    ok = string_length(env, argv[3], &len);
    total += len + 1;
  }
  if (!ok) {
    free(args);
    return throw_last(env);
  }

  /* Pass 2: the bytes, the pointer arrays and the groups in one allocation. */
  size_t pointers = sizeof(char *) * (nargs + 1 + nenv + 1);
  char *block = malloc(pointers + sizeof(gid_t) * (ngroups + 1) + total);
  if (block == NULL) {
    free(args);
    return failure(env, ENOMEM, "argv");
  }
  char **cargv = (char **)block;
  char **cenv = cargv + nargs + 1;
  gid_t *groups = (gid_t *)(block + pointers);
  struct arena arena = {block + pointers + sizeof(gid_t) * (ngroups + 1), 0, total};
  int nul = 0;
  struct pk_child child;
  memset(&child, 0, sizeof child);
  child.file = copy_string(env, argv[0], &arena, &nul);
  for (uint32_t i = 0; i < nargs; i++) cargv[i] = copy_string(env, args[i], &arena, &nul);
  cargv[nargs] = NULL;
  for (uint32_t i = 0; i < nenv; i++) cenv[i] = copy_string(env, args[nargs + i], &arena, &nul);
  cenv[nenv] = NULL;
  child.cwd = cwd_type == napi_string ? copy_string(env, argv[3], &arena, &nul) : NULL;
  free(args);
  if (nul) {
    free(block);
    return failure(env, EINVAL, "argv");
  }
  child.argv = cargv;
  child.envp = cenv;

  int cgroup_fd = -1, force_write = 0, uid = -1, gid = -1;
  bool force = false;
  ok = 1;
  for (uint32_t i = 0; ok && i < 3; i++) {
    napi_value fd;
    ok = napi_get_element(env, argv[4], i, &fd) == napi_ok && get_int(env, fd, &child.stdio[i]);
  }
  ok = ok && get_int(env, argv[5], &child.pgroup) && get_int(env, argv[6], &cgroup_fd) &&
       napi_get_value_bool(env, argv[7], &force) == napi_ok && get_int(env, argv[8], &uid) &&
       get_int(env, argv[9], &gid) && get_int(env, argv[11], &child.ledger_fd);
  for (uint32_t i = 0; ok && i < ngroups; i++) {
    napi_value g;
    int value = 0;
    ok = napi_get_element(env, argv[10], i, &g) == napi_ok && get_int(env, g, &value);
    groups[i] = (gid_t)value;
  }
  if (!ok) {
    free(block);
    return throw_last(env);
  }
  force_write = force ? 1 : 0;
  if (uid >= 0) {
    child.set_uid = 1;
    child.uid = (uid_t)uid;
  }
  if (gid >= 0) {
    child.set_gid = 1;
    child.gid = (gid_t)gid;
  }
  if (groups_type == napi_object) {
    child.set_groups = PK_GROUPS_REQUIRED;
    child.ngroups = (int)ngroups;
    child.groups = groups;
  } else if (uid >= 0 || gid >= 0) {
    child.set_groups = PK_GROUPS_BEST_EFFORT; /* drop root's supplementary groups, as libuv does */
    child.ngroups = 0;
    child.groups = groups;
  }

  struct instance *in = instance_of(env);
  if (in->stack == NULL) in->stack = pk_stack_create();
  if (in->stack == NULL) {
    free(block);
    return failure(env, ENOMEM, "clone3");
  }
  struct pk_spawn_result r = pk_spawn(&child, in->stack, cgroup_fd, force_write);
  free(block);
  if (r.err != 0) return failure(env, r.err, step_name(r.step));
  pk_registry_add(r.pid);

  napi_value out, join;
  CHECK(napi_create_object(env, &out));
  set_int(env, out, "pid", r.pid);
  set_int(env, out, "pidfd", r.pidfd);
  napi_create_string_utf8(env, JOIN_NAMES[r.join], NAPI_AUTO_LENGTH, &join);
  napi_set_named_property(env, out, "join", join);
  return out;
}

struct exit_callback {
  napi_env env;
  napi_ref callback;
};

static void drop_exit(void *data) {
  struct exit_callback *cb = data;
  napi_delete_reference(cb->env, cb->callback);
  free(cb);
}

static void deliver_exit(void *data, int code, int signal) {
  struct exit_callback *cb = data;
  napi_env env = cb->env;
  if (instance_of(env)->closing) {
    drop_exit(cb);
    return;
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, global, args[2], result;
  napi_get_reference_value(env, cb->callback, &fn);
  napi_get_global(env, &global);
  if (code >= 0) napi_create_int32(env, code, &args[0]);
  else napi_get_null(env, &args[0]);
  if (signal > 0) napi_create_int32(env, signal, &args[1]);
  else napi_get_null(env, &args[1]);
  napi_delete_reference(env, cb->callback);
  free(cb);
  if (fn != NULL) {
    /* make_callback: microtasks (promise reactions) run right after, as for Node's own 'exit'. */
    if (napi_make_callback(env, instance_of(env)->async, global, fn, 2, args, &result) ==
        napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

static napi_value Watch(napi_env env, napi_callback_info info) {
  const char *usage = "watch: expected (pidfd, pid, onExit)";
  napi_value argv[3];
  int pidfd, pid;
  if (!get_args(env, info, 3, argv, usage)) return NULL;
  if (!get_int(env, argv[0], &pidfd) || !get_int(env, argv[1], &pid)) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  struct exit_callback *cb = malloc(sizeof *cb);
  if (cb == NULL) return number(env, ENOMEM);
  cb->env = env;
  CHECK(napi_create_reference(env, argv[2], 1, &cb->callback));
  int err = 0;
  struct pk_watch *w = pk_watch_start(&instance_of(env)->watches, loop, pidfd, pid, deliver_exit, cb, &err);
  if (w == NULL) {
    napi_delete_reference(env, cb->callback);
    free(cb);
    return number(env, err);
  }
  napi_value handle;
  CHECK(napi_create_external(env, w, NULL, NULL, &handle));
  return handle;
}

/* ref(watch, bool): valid only until the watch's onExit ran (JavaScript stops calling it then). */
static napi_value Ref(napi_env env, napi_callback_info info) {
  const char *usage = "ref: expected (watch, boolean)";
  napi_value argv[2];
  void *w = NULL;
  bool ref = true;
  if (!get_args(env, info, 2, argv, usage)) return NULL;
  if (napi_get_value_external(env, argv[0], &w) != napi_ok || napi_get_value_bool(env, argv[1], &ref) != napi_ok) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  pk_watch_ref(w, ref);
  return NULL;
}

static napi_value Kill(napi_env env, napi_callback_info info) {
  const char *usage = "kill: expected (pidfd, signal number)";
  napi_value argv[2];
  int pidfd, signo;
  if (!get_args(env, info, 2, argv, usage)) return NULL;
  if (!get_int(env, argv[0], &pidfd) || !get_int(env, argv[1], &signo)) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  long rc = syscall(SYS_pidfd_send_signal, pidfd, signo, NULL, 0);
  return number(env, rc == 0 ? 0 : errno);
}

static napi_value Pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_array_with_length(env, 2, &out));
  napi_set_element(env, out, 0, number(env, fds[0]));
  napi_set_element(env, out, 1, number(env, fds[1]));
  return out;
}

/* close(2) for descriptors made here: Node's fs.closeSync warns about them in a worker. */
static napi_value Close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!get_args(env, info, 1, argv, "close: expected (fd)")) return NULL;
  if (!get_int(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "close: expected (fd)");
    return NULL;
  }
  return number(env, close(fd) == 0 ? 0 : errno);
}

static napi_value Probe(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_object(env, &out));
  set_int(env, out, "clone3", pk_probe_clone3());
  set_int(env, out, "intoCgroup", pk_probe_into_cgroup());
  return out;
}

static napi_value IntoCgroupRefused(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, pk_into_cgroup_refused());
}

static napi_value StartReaper(napi_env env, napi_callback_info info) {
  (void)info;
  struct instance *in = instance_of(env);
  if (in->reaper != NULL) return number(env, 0);
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  int err = 0;
  in->reaper = pk_reaper_start(loop, &err);
  return number(env, in->reaper == NULL ? err : 0);
}

static napi_value Reaped(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, pk_reaper_count(instance_of(env)->reaper));
}

static napi_value ReapOnce(napi_env env, napi_callback_info info) {
  (void)info;
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  int blocked;
  return number(env, pk_reap_orphans(loop, &blocked));
}

static napi_value Watches(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, pk_watch_count());
}

/* A worker ending with children still running: close their watches before the loop goes. */
static void on_env_cleanup(void *arg) {
  struct instance *in = arg;
  in->closing = 1;
  pk_watch_close_all(&in->watches, drop_exit);
  pk_reaper_stop(in->reaper);
  in->reaper = NULL;
}

static void free_instance(napi_env env, void *data, void *hint) {
  (void)hint;
  struct instance *in = data;
  pk_stack_destroy(in->stack);
  napi_async_destroy(env, in->async);
  free(in); /* a started reaper's handles belong to the loop, which is ending */
}

NAPI_MODULE_INIT() {
  struct instance *in = calloc(1, sizeof *in);
  if (in == NULL) return NULL;
  napi_value name, resource;
  napi_create_string_utf8(env, "processkit:native-child", NAPI_AUTO_LENGTH, &name);
  napi_create_object(env, &resource);
  if (napi_async_init(env, resource, name, &in->async) != napi_ok ||
      napi_set_instance_data(env, in, free_instance, NULL) != napi_ok ||
      napi_add_env_cleanup_hook(env, on_env_cleanup, in) != napi_ok) {
    free(in);
    return NULL;
  }
  const napi_property_descriptor props[] = {
      {"spawn", NULL, Spawn, NULL, NULL, NULL, napi_default, NULL},
      {"watch", NULL, Watch, NULL, NULL, NULL, napi_default, NULL},
      {"ref", NULL, Ref, NULL, NULL, NULL, napi_default, NULL},
      {"kill", NULL, Kill, NULL, NULL, NULL, napi_default, NULL},
      {"pipe", NULL, Pipe, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, Close, NULL, NULL, NULL, napi_default, NULL},
      {"probe", NULL, Probe, NULL, NULL, NULL, napi_default, NULL},
      {"intoCgroupRefused", NULL, IntoCgroupRefused, NULL, NULL, NULL, napi_default, NULL},
      {"startReaper", NULL, StartReaper, NULL, NULL, NULL, napi_default, NULL},
      {"reaped", NULL, Reaped, NULL, NULL, NULL, napi_default, NULL},
      {"reapOnce", NULL, ReapOnce, NULL, NULL, NULL, napi_default, NULL},
      {"watches", NULL, Watches, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof *props, props);
  return exports;
}
