/*
 * clone3 with a function to run in the child, like glibc's clone() but for clone3 (glibc has
 * no public clone3; CLONE_INTO_CGROUP needs it). The child starts on the stack given in the
 * clone_args, so it cannot return into C code that expects the parent's frame: the
 * trampoline calls fn(arg) itself and exits with its return value.
 */
#include "clone3.h"

#include "syscall.h"

#if PK_NATIVE_SPAWN

/* long pk_clone3_raw(struct pk_clone_args *args, size_t size, int (*fn)(void *), void *arg) */
__asm__(
    ".text\n"
    ".globl pk_clone3_raw\n"
    ".hidden pk_clone3_raw\n"
    ".type pk_clone3_raw,@function\n"
    "pk_clone3_raw:\n"
    "  mov %rcx, %r8\n"   /* arg: r8 and r9 survive the syscall, in both parent and child */
    "  mov %rdx, %r9\n"   /* fn */
    "  mov $435, %eax\n"  /* __NR_clone3 */
    "  syscall\n"
    "  test %rax, %rax\n"
    "  jnz 1f\n"
    "  xor %ebp, %ebp\n"  /* child: outermost frame, on the new stack */
    "  and $-16, %rsp\n"
    "  mov %r8, %rdi\n"
    "  call *%r9\n"
    "  mov %eax, %edi\n"
    "  mov $231, %eax\n"  /* __NR_exit_group */
    "  syscall\n"
    "  hlt\n"
    "1:\n"
    "  ret\n"
    ".size pk_clone3_raw, .-pk_clone3_raw\n");

long pk_clone3_raw(struct pk_clone_args *args, unsigned long size, int (*fn)(void *), void *arg);

long pk_clone3(struct pk_clone_args *args, unsigned long size, int (*fn)(void *), void *arg) {
  return pk_clone3_raw(args, size, fn, arg);
}

#else

long pk_clone3(struct pk_clone_args *args, unsigned long size, int (*fn)(void *), void *arg) {
  (void)args;
  (void)size;
  (void)fn;
  (void)arg;
  return -38; /* ENOSYS */
}

#endif
