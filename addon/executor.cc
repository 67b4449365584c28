#include "executor.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <set>

#include "caller-state.h"
#include "env-ops.h"
#include "view-builder.h"

extern char** environ;

void Die(int code, const std::string& message) {
  std::string line = "Runner: " + Escape(message) + "\n";
  if (write(STDERR_FILENO, line.data(), line.size()) < 0) _exit(code);
  _exit(code);
}

namespace {
// The signals listed under `key` in the caller's state (caller-state.h), as a set.
sigset_t SignalsOf(const char* key) {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : CallerStateList(key))
    if (sig > 0 && sig < NSIG) sigaddset(&set, sig);
  return set;
}

// Node ignores SIGPIPE and SIGXFSZ, handles others and may block some, and raises the soft limit
// on open files to the hard one: the launched program gets what the caller gave Runner, as
// runner-front recorded it before Node started — ignored stays ignored (nohup), what Node handled
// becomes default, the caller's mask is restored, and so is the caller's soft limit (a program
// that uses select() counts on `ulimit -n 1024`). Without that record (Node started directly),
// the signal defaults a shell would give, and the limit as it is.
void RestoreCallerState() {
  sigset_t ignored = SignalsOf("ignored"), blocked = SignalsOf("blocked");
  struct sigaction action {};
  for (int sig = 1; sig < NSIG; sig++) {
    action.sa_handler = sigismember(&ignored, sig) == 1 ? SIG_IGN : SIG_DFL;
    sigaction(sig, &action, nullptr);
  }
  sigprocmask(SIG_SETMASK, &blocked, nullptr);
  std::vector<int> nofile = CallerStateList("nofile");
  struct rlimit limit {};
  if (nofile.size() == 1 && nofile[0] >= 0 && getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      static_cast<rlim_t>(nofile[0]) <= limit.rlim_max) {
    limit.rlim_cur = static_cast<rlim_t>(nofile[0]);
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

bool IsSetupOp(const std::string& name) {
  return name == "userns" || name == "mountns" || name == "private" || name == "writelayer" || name == "group" ||
         name == "overlay" || name == "remove" || name == "bindfile" || name == "binddir" || name == "attach" ||
         name == "keepindex" || name == "join" || name == "upperdir" || name == "whiteout";
}

// `nsid FILE`: a named view's record learns which namespaces it is, once they exist. FILE is in
// the caller's own 0700 records directory; made new (O_EXCL), never through a link.
void WriteNamespaceIds(const std::string& file) {
  std::string text;
  for (const char* ns : {"user", "mnt"}) text += NamespaceId("self", ns) + "\n";
  int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    Die(kExitView, "writing the view's record " + file + ": " + std::string(strerror(errno)));
  close(fd);
}

// `creds UID GID GROUPS`: root entering another user's view becomes that user first, so that
// nothing the user controls (the view's files, its processes) runs or reaches anything as root.
// Joining the user's namespace afterwards works as for the user: the owner's uid holds every
// capability in the namespaces it made.
void BecomeUser(const Op& op) {
  std::vector<gid_t> groups;
  for (const auto& g : op.list) groups.push_back(static_cast<gid_t>(strtoul(g.c_str(), nullptr, 10)));
  uid_t uid = static_cast<uid_t>(strtoul(op.args[0].c_str(), nullptr, 10));
  gid_t gid = static_cast<gid_t>(strtoul(op.args[1].c_str(), nullptr, 10));
  if (setgroups(groups.size(), groups.data()) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)
    Die(kExitView, "becoming uid " + op.args[0] + ": " + std::string(strerror(errno)));
}

bool RunSetupOp(ViewBuilder* view, const Op& op, Failure* f) {
  if (op.name != "remove") view->ForgetRemovalDirectory();
  if (op.name == "userns") return view->EnterUserNamespace(f);
  if (op.name == "mountns") return view->EnterMountNamespace(f);
  if (op.name == "private") return view->MakePrivate(op.args[0], f);
  if (op.name == "writelayer") return view->SetWriteLayer(op.args[0], op.args[1], f);
  if (op.name == "attach") return view->AttachWriteLayer(op.args[0], f);
  if (op.name == "keepindex") return view->KeepIndex(op.args[0], op.args[1], f);
  if (op.name == "join") return view->Join(op.args[0], op.args[1], op.args[2], f);
  if (op.name == "group") return view->MountGroup(op.args[0], op.list, f);
  if (op.name == "upperdir") return view->AddUpperDirectory(op.args[0], op.args[1], f);
  if (op.name == "whiteout") return view->AddWhiteout(op.args[0], op.args[1], f);
  if (op.name == "overlay") return view->MountOverlay(op.args[0], op.list, f);
  if (op.name == "bindfile") return view->BindFile(op.args[0], op.args[1], op.args[2] == "1", f);
  if (op.name == "binddir") return view->BindDirectory(op.args[0], op.args[1], f);
  return view->Remove(op.args[0], op.args[1], f);
}

// The environment as the caller gave it: a variable the front set aside for Runner's own Node
// (RUNNER_KEPT_NODE_*, caller-state.h) takes its name back, and wins over one of that name.
std::vector<std::string> CallerEnvironment() {
  const size_t kept_length = strlen(kKeptPrefix);
  auto restored = [&](const char* entry) {
    return strncmp(entry, kKeptPrefix, kept_length) == 0 &&
           strncmp(entry + kept_length, kNodePrefix, strlen(kNodePrefix)) == 0;
  };
  std::set<std::string> names;
  for (char** e = environ; *e; e++)
    if (restored(*e)) names.insert(std::string(*e + kept_length, strcspn(*e + kept_length, "=")));
  std::vector<std::string> env;
  for (char** e = environ; *e; e++) {
    if (restored(*e))
      env.emplace_back(*e + kept_length);
    else if (!names.count(std::string(*e, strcspn(*e, "="))))
      env.emplace_back(*e);
  }
  return env;
}

[[noreturn]] void Exec(const Op& op, const std::vector<std::string>& env, bool restore_caller, mode_t caller_umask) {
  std::vector<char*> args, envp;
  for (const auto& a : op.list) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  if (restore_caller) RestoreCallerState();
  umask(caller_umask);
  // A standard descriptor the caller closed is closed for the program too (the front held it).
  for (int fd : CallerStateList("closed"))
    if (fd >= 0 && fd <= 2) close(fd);
  // Exactly the file the plan names: a PATH search after a failure could run another one.
  execve(op.args[0].c_str(), args.data(), envp.data());
  int err = errno;
  if (err == ENOENT) Die(kExitNoExec, op.args[0] + ": cannot execute: " + op.args[1]);
  Die(kExitNoExec, op.args[0] + ": cannot execute: " + strerror(err));
}
}  // namespace

void RunPlan(const std::vector<Op>& ops, bool restore_caller) {
  // The view's directories get the modes the executor gives them, not the caller's umask (under
  // umask 077 the Index's bin showed as 0700 in the view: no other user could enter it). The
  // program gets the caller's umask back at exec.
  const mode_t caller_umask = umask(0);
  // Nobody may ptrace the process while it holds root's privileges. (Rootless, the userns
  // operation does this itself once it has written its id maps.)
  if (getuid() == 0) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  ViewBuilder view;
  std::string fallback;  // non-empty: run without the view when it cannot be built
  bool view_failed = false;
  std::vector<std::string> env = CallerEnvironment();
  for (const Op& op : ops) {
    if (op.name == "fallback") {
      fallback = op.args[0];
    } else if (IsSetupOp(op.name)) {
      if (view_failed) continue;
      Failure f;
      if (RunSetupOp(&view, op, &f)) continue;
      if (fallback.empty()) {
        // A staged record that will not be committed now is removed: nothing is left behind.
        for (const Op& later : ops)
          if (later.name == "commit") unlink(later.args[0].c_str());
        Die(kExitView, f.Text());
      }
      view.Undo();
      view_failed = true;
      Warn(f.Text() + "; " + fallback);
    } else if (op.name == "personality") {
      if (personality(strtoul(op.args[0].c_str(), nullptr, 0)) == -1)
        Die(kExitView, std::string("personality ") + op.args[0] + ": " + strerror(errno));
    } else if (op.name == "nonewprivs") {
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        Die(kExitView, std::string("prctl(PR_SET_NO_NEW_PRIVS): ") + strerror(errno));
    } else if (IsEnvOp(op.name)) {
      std::string warning;
      ApplyEnvOp(op, &env, &warning);
      if (!warning.empty()) Warn(warning);
    } else if (op.name == "creds") {
      BecomeUser(op);
    } else if (op.name == "commit") {
      // A grown view's staged record replaces the old one once its overlays are mounted (both
      // names in the caller's own 0700 records directory; rename never follows the last component).
      if (rename(op.args[0].c_str(), op.args[1].c_str()) != 0)
        Die(kExitView, "committing the view's record " + op.args[1] + ": " + std::string(strerror(errno)));
    } else if (op.name == "nsid") {
      WriteNamespaceIds(op.args[0]);
    } else if (op.name == "rechdir") {
      // The working directory was entered before the view was mounted: inside the Index it would
      // still show the host's files. Entered again by its path, it shows the view's; where the view
      // has no such directory, the old one stays.
      char cwd[PATH_MAX];
      if (!view_failed && getcwd(cwd, sizeof cwd) != nullptr && chdir(cwd) != 0) {
        // Not a directory in the view (hidden, or -p emptied its parent): the old one it is.
      }
    } else if (op.name == "chdir") {
      // Joining a mount namespace moves to its root; the caller's directory, as the view shows it.
      if (chdir(op.args[0].c_str()) != 0)
        Warn("cannot enter " + op.args[0] + " in the view: " + strerror(errno) + "; starting in /");
    } else if (op.name == "warn") {
      Warn(op.args[0]);
    } else if (op.name == "exec") {
      view.ForgetRemovalDirectory();
      Exec(op, env, restore_caller, caller_umask);
    } else {
      Die(kExitUsage, "bad plan: '" + op.name + "' is not an operation of the executor");
    }
  }
  Die(kExitUsage, "bad plan: no exec operation");
}
