#include "view-builder.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "messages.h"
#include "syscall-numbers.h"
#include "syscalls.h"

using namespace sys;

bool ViewBuilder::EnterUserNamespace(Failure* f) {
  uid_t uid = getuid();
  gid_t gid = getgid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) return Fail(f, "unshare(CLONE_NEWUSER|CLONE_NEWNS)", "", errno);
  if (!WriteFile("/proc/self/setgroups", "deny")) return Fail(f, "write", "/proc/self/setgroups", errno);
  if (!WriteFile("/proc/self/uid_map", std::to_string(uid) + " " + std::to_string(uid) + " 1\n"))
    return Fail(f, "write", "/proc/self/uid_map", errno);
  if (!WriteFile("/proc/self/gid_map", std::to_string(gid) + " " + std::to_string(gid) + " 1\n"))
    return Fail(f, "write", "/proc/self/gid_map", errno);
  // Only now: a non-dumpable process's /proc/self files belong to root, maps included.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  in_userns_ = true;
  return true;
}

bool ViewBuilder::EnterMountNamespace(Failure* f) {
  if (unshare(CLONE_NEWNS) != 0) return Fail(f, "unshare(CLONE_NEWNS)", "", errno);
  return true;
}

bool ViewBuilder::MakePrivate(const std::string& path, Failure* f) {
  if (mount(nullptr, path.c_str(), nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return Fail(f, "mount(MS_REC|MS_PRIVATE)", path, errno);
  return true;
}

bool ViewBuilder::SetWriteLayer(const std::string& spec, const std::string& prefix, Failure* f) {
  prefix_ = prefix;
  if (spec != "tmpfs") {
    write_fd_ = open(spec.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (write_fd_ < 0) return Fail(f, "open", spec, errno);
    return true;
  }
  int fs = Fsopen("tmpfs");
  if (fs < 0) return Fail(f, "fsopen", "tmpfs", errno);
  if (Fsconfig(fs, kFsconfigSetString, "mode", "0700") != 0 ||
      Fsconfig(fs, kFsconfigCmdCreate, nullptr, nullptr) != 0) {
    int err = errno;
    std::string msg = KernelMessage(fs);
    close(fs);
    return Fail(f, "fsconfig", "tmpfs", err, msg);
  }
  write_fd_ = Fsmount(fs, 0);
  int err = errno;
  close(fs);
  if (write_fd_ < 0) return Fail(f, "fsmount", "tmpfs", err);
  return true;
}

bool ViewBuilder::OpenLayer(const std::string& layer, bool direct, std::string* fd_path, std::vector<int>* fds,
                            Failure* f) {
  if (layer.rfind("group:", 0) == 0) {
    size_t index = strtoul(layer.c_str() + 6, nullptr, 10);
    if (index >= group_fds_.size()) return Fail(f, "layer", layer, EINVAL);
    *fd_path = FdPath(group_fds_[index]);
    return true;
  }
  // lowerdir+ takes one path as it is, up to 255 bytes: two syscalls fewer per layer.
  if (direct && layer.size() < 256) {
    *fd_path = layer;
    return true;
  }
  // A short name for the layer (fsconfig values are capped at 255 bytes), which also needs no
  // escaping in mount(2)'s comma- and colon-separated options.
  int fd = open(layer.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Fail(f, "open", layer, errno);
  fds->push_back(fd);
  *fd_path = FdPath(fd);
  return true;
}

bool ViewBuilder::OverlayNew(const std::vector<std::string>& lowers, const std::string& upper, const std::string& work,
                             int* mnt_fd, Failure* f) {
  int fs = Fsopen("overlay");
  if (fs < 0) return Fail(f, "fsopen", "overlay", errno);
  auto bail = [&](const char* key, const std::string& value) {
    int err = errno;
    std::string msg = KernelMessage(fs);
    close(fs);
    return Fail(f, std::string("fsconfig ") + key, value, err, msg);
  };
  for (const auto& lower : lowers)
    if (Fsconfig(fs, kFsconfigSetString, "lowerdir+", lower.c_str()) != 0) return bail("lowerdir+", lower);
  if (!upper.empty()) {
    if (Fsconfig(fs, kFsconfigSetString, "upperdir", upper.c_str()) != 0) return bail("upperdir", upper);
    if (Fsconfig(fs, kFsconfigSetString, "workdir", work.c_str()) != 0) return bail("workdir", work);
  }
  // In a user namespace overlayfs keeps its whiteouts and opaque marks in user.* xattrs.
  if (in_userns_ && Fsconfig(fs, kFsconfigSetFlag, "userxattr", nullptr) != 0) return bail("userxattr", "");
  if (Fsconfig(fs, kFsconfigCmdCreate, nullptr, nullptr) != 0) return bail("create", "overlay");
  *mnt_fd = Fsmount(fs, upper.empty() ? kMountAttrRdonly : 0);
  int err = errno;
  close(fs);
  if (*mnt_fd < 0) return Fail(f, "fsmount", "overlay", err);
  return true;
}

// The mount(2) options for an overlay, or "" when they cannot be written: more than the page
// mount(2) copies, or a path with a character that would need escaping there.
static std::string ClassicOptions(const std::vector<std::string>& lowers, const std::string& upper,
                                  const std::string& work, bool userxattr) {
  std::string options = "lowerdir=";
  for (size_t i = 0; i < lowers.size(); i++) {
    if (lowers[i].find_first_of(":,\\") != std::string::npos) return "";
    options += (i ? ":" : "") + lowers[i];
  }
  if ((upper + work).find_first_of(":,\\") != std::string::npos) return "";
  options += ",upperdir=" + upper + ",workdir=" + work;
  if (userxattr) options += ",userxattr";
  return options.size() < 4096 ? options : "";
}

bool ViewBuilder::OverlayClassic(const std::string& target, const std::string& options, size_t layers, Failure* f) {
  if (options.empty())
    return Fail(f, "mount overlay", target, E2BIG,
                std::to_string(layers) + " layers do not fit in mount(2)'s 4096-byte options");
  // Onto the directory opened without following a symlink, as move_mount does.
  int target_fd = OpenTarget(target);
  if (target_fd < 0) return Fail(f, "open (a directory, not a symlink)", target, errno);
  bool ok = mount("overlay", FdPath(target_fd).c_str(), "overlay", 0, options.c_str()) == 0;
  int err = errno;
  close(target_fd);
  if (!ok) return Fail(f, "mount overlay", target, err);
  return true;
}

bool ViewBuilder::OpenLayers(const std::vector<std::string>& layers, bool direct, std::vector<std::string>* paths,
                             std::vector<int>* fds, Failure* f) {
  paths->clear();
  for (const auto& layer : layers) {
    std::string p;
    if (!OpenLayer(layer, direct, &p, fds, f)) return CloseAll(fds), false;
    paths->push_back(p);
  }
  return true;
}

// A failure of the overlay as a whole (not of one layer) names what was being mounted: the Index
// directory and how many layers it was given.
static void NameOverlay(Failure* f, const std::string& what, size_t layers) {
  if (f->path == "overlay") f->path = what + " (" + std::to_string(layers) + " layers)";
}

bool ViewBuilder::MountGroup(const std::string& target, const std::vector<std::string>& layers, Failure* f) {
  std::vector<int> fds;
  std::vector<std::string> lowers;
  if (!OpenLayers(layers, /*direct=*/true, &lowers, &fds, f)) return false;
  int mnt = -1;
  bool ok = OverlayNew(lowers, "", "", &mnt, f);
  CloseAll(&fds);
  if (ok)
    group_fds_.push_back(mnt);
  else
    NameOverlay(f, "read-only group " + std::to_string(group_fds_.size()) + " for " + target, layers.size());
  return ok;
}

// A path inside a view: parts that are names, none empty, "." or "..".
static bool InsideView(const std::string& relative) {
  for (const std::string& part : PathParts(relative))
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

// Takes out of `pending` the paths asked for `target`, in the order they were asked for.
static std::vector<std::string> TakeFor(std::vector<std::pair<std::string, std::string>>* pending,
                                        const std::string& target) {
  std::vector<std::string> taken;
  for (auto it = pending->begin(); it != pending->end();) {
    if (it->first != target) {
      ++it;
      continue;
    }
    taken.push_back(it->second);
    it = pending->erase(it);
  }
  return taken;
}

bool ViewBuilder::AddUpperDirectory(const std::string& target, const std::string& relative, Failure* f) {
  if (!InsideView(relative))
    return Fail(f, "upperdir", target + "/" + relative, EINVAL, "not a directory path inside the view");
  upper_dirs_.emplace_back(target, relative);
  return true;
}

bool ViewBuilder::AddWhiteout(const std::string& target, const std::string& relative, Failure* f) {
  if (!InsideView(relative)) return Fail(f, "whiteout", target + "/" + relative, EINVAL, "not a path inside the view");
  whiteouts_.emplace_back(target, relative);
  return true;
}

bool ViewBuilder::MakeWhiteouts(const std::string& target, const std::vector<std::string>& names, int upper_fd,
                                Failure* f) {
  for (const std::string& relative : names) {
    // Below the top, in a directory MakeUpperDirectories made just before (the upper is new and
    // ours, but the way there is still taken without following a symlink).
    size_t slash = relative.rfind('/');
    int dir = slash == std::string::npos ? upper_fd : OpenBeneath(upper_fd, relative.substr(0, slash));
    if (dir < 0) return Fail(f, "open (write layer)", target + "/" + relative.substr(0, slash), errno);
    std::string leaf = slash == std::string::npos ? relative : relative.substr(slash + 1);
    // overlayfs's whiteout is a character device 0/0, which Linux lets a user make without
    // CAP_MKNOD since 5.8 (earlier than any kernel that mounts overlays in a user namespace).
    int rc = mknodat(dir, leaf.c_str(), S_IFCHR, makedev(0, 0));
    int err = errno;
    if (dir != upper_fd) close(dir);
    if (rc != 0) {
      // Only a directory made for a removal below it can be there already: the view shows one.
      if (err != EEXIST) return Fail(f, "mknod (whiteout)", target + "/" + relative, err);
      Warn("not removing " + target + "/" + relative + ": it is a directory in the view");
    }
  }
  return true;
}

bool ViewBuilder::MakeUpperDirectories(const std::string& target, const std::vector<std::string>& dirs, int upper_fd,
                                       Failure* f) {
  for (const std::string& relative : dirs) {
    // The upper is new and ours, but each step is still taken without following a symlink.
    int dir = fcntl(upper_fd, F_DUPFD_CLOEXEC, 0);
    for (const std::string& part : PathParts(relative)) {
      if (dir < 0) break;
      int next = mkdirat(dir, part.c_str(), 0755) != 0 && errno != EEXIST
                     ? -1
                     : openat(dir, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int err = errno;
      close(dir);
      errno = err;
      dir = next;
    }
    if (dir < 0) return Fail(f, "mkdir (write layer)", target + "/" + relative, errno);
    close(dir);
  }
  return true;
}

// overlayfs stacks at most two deep (FILESYSTEM_MAX_STACK_DEPTH) and says only EINVAL (in the
// kernel log, not to the fs context) when a layer is an overlay on an overlay. A Runner view
// started inside a view inside a view meets that: the Index it would layer is such a stack.
static void ExplainStackingDepth(const std::vector<std::string>& layers, Failure* f) {
  constexpr long kOverlayMagic = 0x794c7630;  // OVERLAYFS_SUPER_MAGIC
  for (const std::string& layer : layers) {
    struct statfs fs {};
    if (layer.compare(0, 6, "group:") == 0 || statfs(layer.c_str(), &fs) != 0 || fs.f_type != kOverlayMagic) continue;
    f->detail = layer +
                " is an overlay already, a view's: overlayfs stacks no more than two deep, which a"
                " view inside a view inside a view exceeds; -f runs the command without it";
    return;
  }
}

bool ViewBuilder::MountOverlay(const std::string& target, const std::vector<std::string>& layers, Failure* f) {
  if (write_fd_ < 0) return Fail(f, "overlay", target, EINVAL, "no write layer in the plan");
  std::string n = prefix_ + std::to_string(overlays_++);
  // The view's directory shows its upper's mode (overlayfs takes the merged root's attributes from
  // the upper layer): the directory's own, as the host shows it.
  struct stat target_stat {};
  const mode_t mode = !target.empty() && lstat(target.c_str(), &target_stat) == 0 && S_ISDIR(target_stat.st_mode)
                          ? target_stat.st_mode & 07777
                          : 0755;
  if (mkdirat(write_fd_, (n + ".upper").c_str(), mode) != 0) return Fail(f, "mkdir", n + ".upper", errno);
  const std::vector<std::string> dirs = TakeFor(&upper_dirs_, target), whiteouts = TakeFor(&whiteouts_, target);
  if (!dirs.empty() || !whiteouts.empty()) {  // (most overlays want nothing made in their upper: no syscall for them)
    int upper_fd = openat(write_fd_, (n + ".upper").c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    bool made = upper_fd >= 0
                    ? MakeUpperDirectories(target, dirs, upper_fd, f) && MakeWhiteouts(target, whiteouts, upper_fd, f)
                    : Fail(f, "open", n + ".upper", errno);
    if (upper_fd >= 0) close(upper_fd);
    if (!made) return false;
  }
  if (mkdirat(write_fd_, (n + ".work").c_str(), 0700) != 0) return Fail(f, "mkdir", n + ".work", errno);
  std::string upper = FdPath(write_fd_) + "/" + n + ".upper";
  std::string work = FdPath(write_fd_) + "/" + n + ".work";
  // mount(2) takes the whole list in one call where it fits in its page of options; lowerdir+
  // takes one fsconfig call per layer but has no limit. RUNNER_MOUNT_API=classic always takes
  // mount(2), the path older kernels need, so that it can be exercised on new ones;
  // RUNNER_MOUNT_API=new always takes lowerdir+.
  static const char* api = getenv("RUNNER_MOUNT_API");
  static const bool force_classic = api && strcmp(api, "classic") == 0, force_new = api && strcmp(api, "new") == 0;
  std::vector<int> fds;
  std::vector<std::string> lowers;
  if (!OpenLayers(layers, /*direct=*/true, &lowers, &fds, f)) return false;
  if (lowers.empty()) {
    // No layers at all (-p with nothing to show): an empty directory of the write layer.
    if (mkdirat(write_fd_, (n + ".empty").c_str(), 0755) != 0) return Fail(f, "mkdir", n + ".empty", errno);
    lowers.push_back(FdPath(write_fd_) + "/" + n + ".empty");
  }
  std::string options = ClassicOptions(lowers, upper, work, in_userns_);
  if (force_classic && options.empty() && !layers.empty()) {
    // Paths that do not fit as they are: short /proc/self/fd names for them.
    if (!OpenLayers(layers, /*direct=*/false, &lowers, &fds, f)) return false;
    options = ClassicOptions(lowers, upper, work, in_userns_);
  }
  int mnt = -1;
  bool ok = false;
  if (!target.empty() && (force_classic || (!force_new && !options.empty()))) {
    ok = OverlayClassic(target, options, lowers.size(), f);
    // The new overlay's root, for removals beneath it: the target now names it.
    if (ok) mnt = OpenTarget(target);
    if (ok && mnt < 0) ok = Fail(f, "open", target, errno);
    // A failure is retried with lowerdir+, which names the layer at fault (forced: reported as is).
    if (!ok && force_classic) {
      CloseAll(&fds);
      return false;
    }
  }
  if (!ok) {
    ok = OverlayNew(lowers, upper, work, &mnt, f);
    if (!ok && !target.empty() &&
        (f->err == ENOSYS || (f->op == "fsconfig lowerdir+" && f->err == EINVAL &&
                              f->detail.find("Unknown parameter") != std::string::npos))) {
      // Kernels before 6.8 (no lowerdir+) or without the new mount API: mount(2) is all there is.
      if (!layers.empty() && !OpenLayers(layers, /*direct=*/false, &lowers, &fds, f)) return false;
      options = ClassicOptions(lowers, upper, work, in_userns_);
      ok = OverlayClassic(target, options, lowers.size(), f);
      if (ok) mnt = OpenTarget(target);
      if (ok && mnt < 0) ok = Fail(f, "open", target, errno);
    } else if (ok && !target.empty()) {
      // An empty target builds the overlay and drops it (the --check probe).
      int target_fd = OpenTarget(target);
      if (target_fd < 0)
        ok = Fail(f, "open (a directory, not a symlink)", target, errno);
      else if (MoveMount(mnt, target_fd) != 0)
        ok = Fail(f, "move_mount", target, errno);
      if (target_fd >= 0) close(target_fd);
    }
  }
  CloseAll(&fds);
  if (!ok && f->err == EINVAL && f->detail.empty()) ExplainStackingDepth(layers, f);
  if (!ok) NameOverlay(f, target.empty() ? "probe" : target, layers.size());
  if (ok && !target.empty()) {
    mounted_.push_back(target);
    roots_.emplace_back(target, mnt);
  } else if (mnt >= 0) {
    close(mnt);
  }
  return ok;
}

bool ViewBuilder::AttachWriteLayer(const std::string& dir, Failure* f) {
  int target = OpenTarget(dir);
  if (target < 0) return Fail(f, "open (a directory, not a symlink)", dir, errno);
  bool ok = MoveMount(write_fd_, target) == 0;
  int err = errno;
  close(target);
  if (!ok) return Fail(f, "move_mount (write layer)", dir, err);
  return true;
}

bool ViewBuilder::KeepIndex(const std::string& target, const std::string& name, Failure* f) {
  if (mkdirat(write_fd_, name.c_str(), 0755) != 0) return Fail(f, "mkdir", name, errno);
  int tree = static_cast<int>(
      syscall(SYS_open_tree, AT_FDCWD, target.c_str(), kOpenTreeClone | O_CLOEXEC | AT_SYMLINK_NOFOLLOW));
  if (tree < 0) return Fail(f, "open_tree", target, errno);
  int dst = openat(write_fd_, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  bool ok = dst >= 0 && MoveMount(tree, dst) == 0;
  int err = errno;
  close(tree);
  if (dst >= 0) close(dst);
  if (!ok) return Fail(f, "bind", target + " at " + name, err);
  return true;
}

std::string NamespaceId(const std::string& pid, const char* ns) {
  char buf[64];
  ssize_t n = readlink(("/proc/" + pid + "/ns/" + ns).c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, n) : std::string();
}

bool ViewBuilder::Join(const std::string& pid_text, const std::string& mnt, const std::string& user, Failure* f) {
  pid_t pid = static_cast<pid_t>(strtol(pid_text.c_str(), nullptr, 10));
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return Fail(f, "pidfd_open", pid_text, errno);
  // Read after the pidfd holds the process: if the pid was reused in between, setns below fails.
  if (NamespaceId(pid_text, "mnt") != mnt || (!user.empty() && NamespaceId(pid_text, "user") != user)) {
    close(pidfd);
    return Fail(f, "join", "process " + pid_text, ESRCH, "it is no longer in the view");
  }
  int flags = CLONE_NEWNS | (user.empty() ? 0 : CLONE_NEWUSER);
  bool ok = setns(pidfd, flags) == 0;
  int err = errno;
  close(pidfd);
  if (!ok) return Fail(f, "setns", "process " + pid_text, err);
  in_userns_ = !user.empty();
  if (in_userns_) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return true;
}

bool ViewBuilder::Remove(const std::string& target, const std::string& relative, Failure* f) {
  int root = -1;
  for (const auto& [mounted, fd] : roots_)
    if (mounted == target) root = fd;
  if (root < 0) return Fail(f, "remove", target + "/" + relative, EINVAL, "no overlay is mounted there");
  size_t slash = relative.rfind('/');
  std::string parent = slash == std::string::npos ? "" : relative.substr(0, slash);
  std::string leaf = slash == std::string::npos ? relative : relative.substr(slash + 1);
  if (leaf.empty() || leaf == "." || leaf == "..")
    return Fail(f, "remove", target + "/" + relative, EINVAL, "not a name inside the view");
  // Most removals are at the top of their overlay: no directory to open for those.
  int dir = root;
  if (!parent.empty() && root == removal_root_ && parent == removal_parent_) {
    dir = removal_dir_;
  } else if (!parent.empty()) {
    ForgetRemovalDirectory();
    dir = OpenBeneath(root, parent);
    if (dir >= 0) removal_root_ = root, removal_parent_ = parent, removal_dir_ = dir;
  }
  if (dir < 0) {
    // ELOOP/EXDEV: a symlink or a mount on the way; ENOENT/ENOTDIR: the tree changed shape.
    Warn("not removing " + target + "/" + relative + ": " + strerror(errno) +
         " on the way (it is not where the plan expects it; a symlink is never followed)");
    return true;
  }
  int rc = unlinkat(dir, leaf.c_str(), 0);
  int err = errno;
  if (rc != 0 && err == EISDIR)
    Warn("not removing " + target + "/" + relative + ": it is a directory in the view");
  else if (rc != 0 && err != ENOENT)
    return Fail(f, "unlink", target + "/" + relative, err);
  return true;
}

void ViewBuilder::ForgetRemovalDirectory() {
  if (removal_dir_ >= 0) close(removal_dir_);
  removal_root_ = removal_dir_ = -1;
  removal_parent_.clear();
}

bool ViewBuilder::BindFile(const std::string& source, const std::string& target, bool create, Failure* f) {
  int src = open(source.c_str(), O_PATH | O_CLOEXEC);
  if (src < 0) return Fail(f, "open", source, errno);
  struct stat st {};
  if (fstat(src, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(src);
    return Fail(f, "bind", source, EINVAL, "not a regular file");
  }
  int dst = -1;
  if (create) {
    // The directory is an overlay of this view (mounted just before): make the file in it.
    size_t slash = target.rfind('/');
    std::string dir = slash == 0 ? "/" : target.substr(0, slash), leaf = target.substr(slash + 1);
    int root = -1;
    for (const auto& [mounted, fd] : roots_)
      if (mounted == dir) root = fd;
    if (root < 0) {
      close(src);
      return Fail(f, "bind", target, EINVAL, "its directory is not an overlay of the view");
    }
    int made = openat(root, leaf.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0755);
    if (made < 0) {
      int err = errno;
      close(src);
      return Fail(f, "create", target, err);
    }
    close(made);
    dst = openat(root, leaf.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  } else {
    dst = open(target.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  }
  if (dst < 0) {
    int err = errno;
    close(src);
    return Fail(f, "open (a file, not a symlink)", target, err);
  }
  bool ok = mount(FdPath(src).c_str(), FdPath(dst).c_str(), nullptr, MS_BIND, nullptr) == 0;
  int err = errno;
  close(src);
  close(dst);
  if (!ok) return Fail(f, "mount(MS_BIND)", source + " onto " + target, err);
  mounted_.push_back(target);
  return true;
}

bool ViewBuilder::BindDirectory(const std::string& source, const std::string& target, Failure* f) {
  size_t slash = target.rfind('/');
  std::string dir = slash == 0 ? "/" : target.substr(0, slash), leaf = target.substr(slash + 1);
  int root = -1;
  for (const auto& [mounted, fd] : roots_)
    if (mounted == dir) root = fd;
  if (root < 0) return Fail(f, "bind", target, EINVAL, "its directory is not an overlay of the view");
  int src = open(source.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (src < 0) return Fail(f, "open (a directory)", source, errno);
  // Made in the overlay just mounted on its directory: the view's own, never the host's.
  if (mkdirat(root, leaf.c_str(), 0755) != 0) {
    int err = errno;
    close(src);
    return Fail(f, "mkdir", target, err);
  }
  int dst = openat(root, leaf.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0) {
    int err = errno;
    close(src);
    return Fail(f, "open", target, err);
  }
  std::string at = FdPath(dst);
  bool ok = mount(FdPath(src).c_str(), at.c_str(), nullptr, MS_BIND, nullptr) == 0;
  int err = errno;
  close(src);
  close(dst);
  if (!ok) return Fail(f, "mount(MS_BIND)", source + " onto " + target, err);
  mounted_.push_back(target);
  // Read-only, as every layer of the view is: the program cannot write into the tree through it.
  if (mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0)
    return Fail(f, "mount(MS_REMOUNT|MS_RDONLY)", target, errno);
  return true;
}

void ViewBuilder::Undo() {
  ForgetRemovalDirectory();
  for (auto it = mounted_.rbegin(); it != mounted_.rend(); ++it) umount2(it->c_str(), MNT_DETACH);
  mounted_.clear();
}
