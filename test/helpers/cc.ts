// Small C programs compiled at test time.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function compile(source: string, output: string, flags: string[] = []): string {
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const file = `${output}.c`;
  fs.writeFileSync(file, source);
  execFileSync('cc', ['-O1', '-o', output, file, ...flags], { stdio: ['ignore', 'ignore', 'inherit'] });
  fs.rmSync(file);
  return output;
}

/** Prints each argv element as hex, one per line: byte-exact evidence of what arrived. */
export const ARGV_DUMP = `
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
  printf("pid %d\\n", (int)getpid());
  for (int i = 0; i < argc; i++) {
    for (unsigned char *p = (unsigned char *)argv[i]; *p; p++) printf("%02x", *p);
    printf("\\n");
  }
  return 0;
}
`;

/**
 * Counts the starts of Node (process.execPath) among processes started with `env`: an LD_PRELOAD
 * library whose constructor appends a byte to a file when the process is that Node. (NODE_OPTIONS
 * cannot be the probe: runner-front keeps the caller's NODE_* variables from Runner's own Node.)
 * The directory must be one the test user can read; the count file is writable by everyone.
 */
export function nodeStartCounter(dir: string): { env: NodeJS.ProcessEnv; count: () => number } {
  const library = compile(
    `#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void mark(void) {
  const char *node = getenv("RUNNER_TEST_NODE"), *file = getenv("RUNNER_TEST_STARTS");
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (!node || !file || n <= 0) return;
  exe[n] = 0;
  if (strcmp(exe, node) != 0) return;
  int fd = open(file, O_WRONLY | O_APPEND);
  if (fd >= 0 && write(fd, "x", 1)) close(fd);
}`,
    path.join(dir, 'count-node.so'),
    ['-shared', '-fPIC'],
  );
  const starts = path.join(dir, 'node-starts');
  fs.writeFileSync(starts, '');
  fs.chmodSync(starts, 0o666);
  fs.chmodSync(dir, 0o755);
  return {
    env: { LD_PRELOAD: library, RUNNER_TEST_NODE: fs.realpathSync(process.execPath), RUNNER_TEST_STARTS: starts },
    count: () => fs.statSync(starts).size,
  };
}

/**
 * `deny unshare|mount COMMAND...` runs COMMAND with those system calls failing with EPERM, as a
 * container's seccomp filter or a security module makes them fail ("mount": every call that
 * makes or moves a mount). For the messages that must name why a view cannot be built.
 */
export const DENY_SYSCALLS = `
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif
int main(int argc, char **argv) {
  int calls[8], n = 0;
  if (argc < 3) return 2;
  if (strcmp(argv[1], "unshare") == 0) calls[n++] = SYS_unshare;
  else {
    calls[n++] = SYS_mount; calls[n++] = SYS_fsopen; calls[n++] = SYS_fsmount;
    calls[n++] = SYS_move_mount; calls[n++] = SYS_open_tree;
  }
  struct sock_filter filter[32];
  int k = 0;
  filter[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  filter[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0);
  filter[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  filter[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (int i = 0; i < n; i++) {
    filter[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, calls[i], 0, 1);
    filter[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
  }
  filter[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog program = { .len = (unsigned short)k, .filter = filter };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    perror("seccomp");
    return 2;
  }
  execvp(argv[2], argv + 2);
  perror(argv[2]);
  return 127;
}
`;
