/*
 * Raw system calls for the vforked child. libc wrappers are not safe there: they set errno
 * in the parent thread's TLS, and glibc's setuid/setgid/setgroups broadcast the change to
 * every thread of the process it believes it is (the parent's threads). These inline calls
 * touch no memory but their arguments and return -errno on failure.
 *
 * The whole native spawn is x86-64 only for now: it is the architecture the trampoline in
 * clone3.c was proven on. Elsewhere the addon still builds and reports the spawn unsupported.
 */
#ifndef PROCESSKIT_SYSCALL_H
#define PROCESSKIT_SYSCALL_H

#if defined(__x86_64__)
#define PK_NATIVE_SPAWN 1

static inline long pk_sys3(long n, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return ret;
}

static inline long pk_sys4(long n, long a, long b, long c, long d) {
  long ret;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
}

#define PK_NR_write 1
#define PK_NR_open 2
#define PK_NR_close 3
#define PK_NR_lseek 8
#define PK_NR_rt_sigaction 13
#define PK_NR_rt_sigprocmask 14
#define PK_NR_dup2 33
#define PK_NR_getpid 39
#define PK_NR_execve 59
#define PK_NR_fcntl 72
#define PK_NR_chdir 80
#define PK_NR_setuid 105
#define PK_NR_setgid 106
#define PK_NR_setpgid 109
#define PK_NR_setsid 112
#define PK_NR_setgroups 116
#define PK_NR_getdents64 217
#define PK_NR_exit_group 231
#define PK_NR_close_range 436

#else
#define PK_NATIVE_SPAWN 0
#endif

#endif
