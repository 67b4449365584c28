// runner-front: what `Runner` is when a user runs it (`npm install` copies it to bin/Runner).
// - A launch the CLI planned before, with nothing it was planned from changed since, runs from the
//   plan cache (cache.h) through the executor, without Node: the warm path.
// - Anything else goes to the TypeScript CLI. Before Node starts, the front records what the caller
//   handed over that Node would lose: Node marks every inherited descriptor close-on-exec at
//   start-up, resets signal dispositions and raises the soft limit on open files. It writes that
//   state to RUNNER_CALLER_STATE (caller-state.h) and execs Node with the bundled CLI; the addon
//   and runner-exec restore it for the launched program.
// No policy here: it looks up, records and execs.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cache.h"
#include "caller-state.h"
#include "executor.h"

#ifndef RUNNER_NODE_FLAGS
#define RUNNER_NODE_FLAGS ""
#endif
// The Node that built this front (a source build); empty in a prebuilt one, which cannot know.
#ifndef RUNNER_NODE
#define RUNNER_NODE ""
#endif

namespace {
// The Node to start: `node` on PATH, as npm's own `#!/usr/bin/env node` commands find it, else the
// Node this front was built with. Empty if neither is there.
std::string FindNode() {
  const char* path = getenv("PATH");
  std::string dirs = path != nullptr && *path != '\0' ? path : "/usr/local/bin:/usr/bin:/bin";
  for (size_t at = 0; at <= dirs.size();) {
    size_t end = dirs.find(':', at);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(at, end - at);
    // An empty entry is the current directory, which no command of Runner's is looked up in.
    if (!dir.empty() && dir[0] == '/') {
      std::string file = dir + "/node";
      if (access(file.c_str(), X_OK) == 0) return file;
    }
    at = end + 1;
  }
  if (RUNNER_NODE[0] != '\0' && access(RUNNER_NODE, X_OK) == 0) return RUNNER_NODE;
  return "";
}

// Which of stdin, stdout and stderr the caller closed. Each is held open on /dev/null until the
// exec (nothing the front, Node or the executor opens may land there and receive a message meant
// for stderr; Node would fill them so itself) and closed again right before it.
std::vector<int> HoldClosedStandardFds() {
  std::vector<int> closed;
  for (int fd = 0; fd <= 2; fd++)
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) closed.push_back(fd);
  // open() takes the lowest free number: in order, each lands on the one it stands for.
  for (size_t i = 0; i < closed.size(); i++) open("/dev/null", O_RDWR);
  return closed;
}

// Descriptors 3 and up that are open now (0-2 are kept by the addon in any case).
std::vector<int> OpenFds() {
  std::vector<int> fds;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return fds;
  int own = dirfd(dir);
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long fd = strtol(entry->d_name, &end, 10);
    if (*end == '\0' && end != entry->d_name && fd >= 3 && fd != own) fds.push_back(static_cast<int>(fd));
  }
  closedir(dir);
  return fds;
}

// NODE_X=v becomes RUNNER_KEPT_NODE_X=v (caller-state.h).
void SetNodeVariablesAside() {
  std::vector<std::string> names;
  for (char** e = environ; *e; e++) {
    const char* equals = strchr(*e, '=');
    if (equals && strncmp(*e, kNodePrefix, strlen(kNodePrefix)) == 0) names.emplace_back(*e, equals - *e);
  }
  for (const std::string& name : names) {
    std::string value = getenv(name.c_str());
    setenv((kKeptPrefix + name).c_str(), value.c_str(), 1);
    unsetenv(name.c_str());
  }
}

std::string CallerState(const std::vector<int>& closed) {
  std::vector<int> ignored, blocked;
  sigset_t mask;
  sigprocmask(SIG_BLOCK, nullptr, &mask);
  for (int sig = 1; sig < NSIG; sig++) {
    struct sigaction current {};
    if (sigaction(sig, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) ignored.push_back(sig);
    if (sigismember(&mask, sig) == 1) blocked.push_back(sig);
  }
  std::string state = CallerStateField("fds", OpenFds()) + ";" + CallerStateField("closed", closed) + ";" +
                      CallerStateField("ignored", ignored) + ";" + CallerStateField("blocked", blocked);
  // Node raises the soft limit on open files to the hard one at start-up.
  struct rlimit nofile {};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur <= static_cast<rlim_t>(INT_MAX))
    state += ";" + CallerStateField("nofile", {static_cast<int>(nofile.rlim_cur)});
  return state;
}
}  // namespace

// The words after Runner's name in a memory file that Node inherits, for a command line that
// the kernel took from the caller but not with Node's own words added. -1 when it cannot be made.
int HandArgumentsOver(int argc, char** argv) {
  int fd = memfd_create("runner-argv", 0);  // no MFD_CLOEXEC: Node inherits it
  if (fd < 0) return -1;
  for (int i = 1; i < argc; i++) {
    const char* word = argv[i];
    for (size_t left = strlen(word) + 1; left > 0;) {
      ssize_t n = write(fd, word, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return close(fd), -1;
      word += n;
      left -= static_cast<size_t>(n);
    }
  }
  // Node reads it from where the descriptor stands.
  if (lseek(fd, 0, SEEK_SET) != 0) return close(fd), -1;
  return fd;
}

int main(int argc, char** argv) {
  std::vector<int> closed = HoldClosedStandardFds();
  // Only the front hands words over this way: a value from the caller means nothing.
  unsetenv(kArgvFd);
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    perror("Runner: readlink /proc/self/exe");
    return 125;
  }
  self[n] = '\0';
  // The package root: this file is <root>/prebuilds/linux-<arch>/Runner (a package's prebuilt
  // front, where npm's bin link leads), <root>/bin/Runner (a checkout's) or
  // <root>/build/Release/runner-front (where node-gyp built it).
  std::string root(self);
  root = root.substr(0, root.rfind('/'));
  int up = root.size() >= 4 && root.compare(root.size() - 4, 4, "/bin") == 0 ? 1 : 2;
  for (int i = 0; i < up; i++) root = root.substr(0, root.rfind('/'));
  std::vector<Op> cached;
  if (LoadCachedPlan(root, argc, argv, &cached)) {
    // The caller's descriptors and signals are all still as given, but for the standard ones held.
    // (Set or unset here: a value in the caller's environment is not this launch's.)
    if (!closed.empty())
      setenv(kCallerState, CallerStateField("closed", closed).c_str(), 1);
    else
      unsetenv(kCallerState);
    RunPlan(cached, /*restore_caller=*/false);
  }
  std::string cli = root + "/dist/bundle/main.cjs";
  // A nested Runner started by the program records its own caller, not ours.
  setenv(kCallerState, CallerState(closed).c_str(), 1);
  SetNodeVariablesAside();
  // Node's own flags, from package.json's config.nodeFlags (words split at spaces): a young
  // generation large enough that a big solve's long-lived objects are not copied again and again,
  // and less inlining, so that the optimizing compiler keeps up with a large solve's first run.
  std::vector<std::string> flags;
  for (const char* at = RUNNER_NODE_FLAGS; *at != '\0';) {
    const char* end = strchr(at, ' ');
    if (end == nullptr) end = at + strlen(at);
    if (end > at) flags.emplace_back(at, end);
    at = *end == ' ' ? end + 1 : end;
  }
  std::string node = FindNode();
  if (node.empty()) {
    fprintf(stderr, "Runner: cannot find Node.js ('node' on PATH); install Node.js 20.19 or later\n");
    return 125;
  }
  std::vector<char*> args{node.data()};
  for (auto& flag : flags) args.push_back(flag.data());
  args.push_back(const_cast<char*>(cli.c_str()));
  const size_t own_words = args.size();
  for (int i = 1; i < argc; i++) args.push_back(argv[i]);
  args.push_back(nullptr);
  execv(node.c_str(), args.data());
  int err = errno;
  if (err == E2BIG) {
    // The caller's words fit, Node's added to them did not: they go in a file instead.
    int fd = HandArgumentsOver(argc, argv);
    if (fd >= 0) {
      setenv(kArgvFd, std::to_string(fd).c_str(), 1);
      args.resize(own_words);
      args.push_back(nullptr);
      execv(node.c_str(), args.data());
      err = errno;
    }
  }
  fprintf(stderr, "Runner: cannot start %s: %s\n", node.c_str(), strerror(err));
  return 125;
}
