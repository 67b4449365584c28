#include "probes.h"

#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "messages.h"
#include "syscalls.h"
#include "view-builder.h"

using namespace sys;

namespace {
// One requirement of --check, tried in a throw-away child so the caller's namespaces stay as they are.
const char* probe_lower = "/";

bool Probe(const char* name, bool (*attempt)(std::string* why)) {
  fflush(stdout);
  int pipefd[2];
  if (pipe(pipefd) != 0) return false;
  pid_t pid = fork();
  if (pid == 0) {
    close(pipefd[0]);
    std::string why;
    bool ok = attempt(&why);
    if (!ok && write(pipefd[1], why.data(), why.size()) < 0) _exit(2);
    _exit(ok ? 0 : 1);
  }
  close(pipefd[1]);
  char buf[1024];
  ssize_t n = read(pipefd[0], buf, sizeof buf - 1);
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  printf("%s %s%s%s\n", name, ok ? "ok" : "no", ok ? "" : " ", ok ? "" : std::string(buf, n > 0 ? n : 0).c_str());
  return ok;
}

bool EnterNamespaces(ViewBuilder* view, Failure* f) {
  bool entered = getuid() == 0 ? view->EnterMountNamespace(f) : view->EnterUserNamespace(f);
  return entered && view->MakePrivate("/", f);
}

bool ProbeNamespaces(std::string* why) {
  ViewBuilder view;
  Failure f;
  if (EnterNamespaces(&view, &f)) return true;
  *why = f.Text();
  return false;
}

// A whole overlay of the given lower with a tmpfs write layer, built detached: proves overlay and
// the tmpfs upper for that directory, without mounting anything anywhere.
bool ProbeOverlay(std::string* why) {
  ViewBuilder view;
  Failure f;
  if (EnterNamespaces(&view, &f) && view.SetWriteLayer("tmpfs", "", &f) && view.MountOverlay("", {probe_lower}, &f))
    return true;
  *why = f.Text();
  return false;
}

bool ProbeLowerdirPlus(std::string* why) {
  ViewBuilder view;
  Failure f;
  if (!EnterNamespaces(&view, &f)) {
    *why = f.Text();
    return false;
  }
  int fs = Fsopen("overlay");
  if (fs < 0) {
    *why = std::string("fsopen overlay: ") + strerror(errno);
    return false;
  }
  bool ok = Fsconfig(fs, kFsconfigSetString, "lowerdir+", "/") == 0;
  if (!ok) *why = std::string("fsconfig lowerdir+: ") + strerror(errno) + " (" + KernelMessage(fs) + ")";
  close(fs);
  return ok;
}
}  // namespace

int ProbeKernel(const char* lower) {
  probe_lower = lower;
  bool ok = Probe(getuid() == 0 ? "mount-namespace" : "user-namespace", ProbeNamespaces);
  ok = Probe("lowerdir+", ProbeLowerdirPlus) && ok;
  ok = Probe("overlay", ProbeOverlay) && ok;
  return ok ? 0 : 1;
}
