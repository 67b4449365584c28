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
