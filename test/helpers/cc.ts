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
