// bench/resolve's floor under any resolver, native or not: the file-system calls that
// `Runner --resolve --json` made, replayed from C, so that what they take is the kernel's (and
// libc's) time alone, without Node's bindings. bench/resolve writes the calls it recorded as
// NUL-terminated fields, four per call: a letter for the call, a path (empty for a call on a
// descriptor), and two numbers (flags or a descriptor, and a length or the descriptor an open gave).
// Usage: replay-fs CALLS RUNS; prints the median milliseconds of RUNS replays.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct call {
  char op;
  const char *path;
  long first, second;
};

static char buffer[1 << 20];

/** Where each descriptor Runner had is in this replay (its open of the same file gave it). */
static int fds[1 << 16];

/** The replay's descriptor for one Runner had: stdin, stdout and stderr are the same; one whose
 * open failed here is none (-1), never another file this replay happens to have open. */
static int mapped(long recorded) {
  if (recorded >= 0 && recorded <= 2) return (int)recorded;
  return recorded >= 0 && recorded < (1 << 16) ? fds[recorded] : -1;
}

static void readAll(int fd) {
  struct stat st;
  fstat(fd, &st);
  while (read(fd, buffer, sizeof buffer) > 0) {
  }
}

static void replay(const struct call *calls, size_t count) {
  struct stat st;
  char resolved[PATH_MAX];
  memset(fds, -1, sizeof fds);
  for (size_t i = 0; i < count; i++) {
    const struct call *c = &calls[i];
    switch (c->op) {
      case 'D': {  // readdirSync: glibc's opendir and readdir make the calls libuv's scandir makes
        DIR *dir = opendir(c->path);
        if (dir == NULL) break;
        while (readdir(dir) != NULL) {
        }
        closedir(dir);
        break;
      }
      case 'S': stat(c->path, &st); break;
      case 'L': lstat(c->path, &st); break;
      case 'A': access(c->path, F_OK); break;
      case 'K': readlink(c->path, resolved, sizeof resolved); break;
      case 'P': if (realpath(c->path, resolved) == NULL) resolved[0] = 0; break;
      case 'O': {
        int fd = open(c->path, (int)c->first | O_CLOEXEC);
        if (fd >= 0 && c->second >= 0 && c->second < (1 << 16)) fds[c->second] = fd;
        break;
      }
      case 'R': read(mapped(c->first), buffer, c->second < (long)sizeof buffer ? (size_t)c->second : sizeof buffer); break;
      case 'T': fstat(mapped(c->first), &st); break;
      case 'C': {
        int fd = mapped(c->first);
        close(fd);
        if (c->first >= 0 && c->first < (1 << 16)) fds[c->first] = -1;
        break;
      }
      case 'F': {  // readFileSync of a path: open, fstat, read to the end, close
        int fd = open(c->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) break;
        readAll(fd);
        close(fd);
        break;
      }
      case 'G': readAll(mapped(c->first)); break;  // readFileSync of a descriptor
    }
  }
}

static int byValue(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: replay-fs CALLS RUNS\n");
    return 2;
  }
  FILE *file = fopen(argv[1], "rb");
  if (file == NULL) {
    perror(argv[1]);
    return 1;
  }
  fseek(file, 0, SEEK_END);
  long size = ftell(file);
  rewind(file);
  char *text = malloc((size_t)size + 1);
  if (text == NULL || fread(text, 1, (size_t)size, file) != (size_t)size) return 1;
  text[size] = 0;
  fclose(file);

  size_t count = 0, capacity = 1024;
  struct call *calls = malloc(capacity * sizeof *calls);
  for (char *at = text; at < text + size;) {
    char *fields[4];
    for (int f = 0; f < 4; f++) {
      fields[f] = at;
      at += strlen(at) + 1;
    }
    if (count == capacity) calls = realloc(calls, (capacity *= 2) * sizeof *calls);
    calls[count++] = (struct call){fields[0][0], fields[1], strtol(fields[2], NULL, 10), strtol(fields[3], NULL, 10)};
  }

  int runs = atoi(argv[2]);
  if (runs < 1) runs = 1;
  double *ms = malloc((size_t)runs * sizeof *ms);
  for (int r = 0; r < runs; r++) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    replay(calls, count);
    clock_gettime(CLOCK_MONOTONIC, &end);
    ms[r] = (double)(end.tv_sec - start.tv_sec) * 1e3 + (double)(end.tv_nsec - start.tv_nsec) / 1e6;
  }
  qsort(ms, (size_t)runs, sizeof *ms, byValue);
  printf("%.3f\n", ms[runs / 2]);
  return 0;
}
