// The view builder: namespace and mount steps for the executor. Each returns false on failure and
// fills a Failure (messages.h), so that every error reaches the user as one precise line.
#pragma once
#include <string>
#include <vector>

#include "messages.h"

class ViewBuilder {
 public:
  bool EnterUserNamespace(Failure* f);   // CLONE_NEWUSER|CLONE_NEWNS, caller's ids mapped to itself
  bool EnterMountNamespace(Failure* f);  // CLONE_NEWNS (needs CAP_SYS_ADMIN)
  bool MakePrivate(const std::string& path, Failure* f);
  // "tmpfs": a detached tmpfs that dies with the namespace; otherwise an existing directory.
  // Upper and work directories made in it are named PREFIX<n>.upper, PREFIX<n>.work.
  bool SetWriteLayer(const std::string& spec, const std::string& prefix, Failure* f);
  // A named view's write layer is attached at DIR (inside the view only), so that a later launch
  // into the view can reach it to grow the view.
  bool AttachWriteLayer(const std::string& dir, Failure* f);
  // Binds the Index directory TARGET, as it is before any overlay covers it, at NAME in the
  // write layer: a later overlay of a growing view needs the real Index as its bottom layer.
  bool KeepIndex(const std::string& target, const std::string& name, Failure* f);
  // Joins the user (if `user` is not empty) and mount namespaces of process `pid`, after checking
  // that they are still the ones a view record names (a reused pid is refused).
  bool Join(const std::string& pid, const std::string& mnt, const std::string& user, Failure* f);
  // A detached read-only overlay of `layers`, usable afterwards as the layer "group:N" of the
  // overlay on `target` (named in a failure).
  bool MountGroup(const std::string& target, const std::vector<std::string>& layers, Failure* f);
  // Overlay `layers` (top first) with a fresh upper/work pair from the write layer onto target
  // (an empty target builds the overlay and drops it: the --check probe).
  bool MountOverlay(const std::string& target, const std::vector<std::string>& layers, Failure* f);
  // Rootless, an entry below the top of an overlay can only be removed where the directory holding
  // it is in the overlay's upper layer: the lower layers' directories belong to ids the user
  // namespace does not map, so the user may not write them (copy-up never starts). `relative`
  // (a directory path inside the view of `target`) is made in the upper of the next overlay
  // mounted on `target`, before it is mounted, so that the view shows it as the user's own.
  bool AddUpperDirectory(const std::string& target, const std::string& relative, Failure* f);
  // Hides `relative`, an entry at the top of the view of `target` or in a directory that
  // AddUpperDirectory asked for, with a whiteout made in the upper of the next overlay mounted on
  // `target`, before it is mounted: what Remove does, without overlayfs making the whiteout in its
  // work directory and renaming it into place.
  bool AddWhiteout(const std::string& target, const std::string& relative, Failure* f);
  // Removes `relative` from the overlay mounted on `target`, resolved beneath that mount's root
  // without following any symlink: an entry that is not where the plan expects is skipped with a
  // warning, never chased out of the view (a layer may supply a directory link that leads anywhere).
  bool Remove(const std::string& target, const std::string& relative, Failure* f);
  // Bind-mounts the regular file `source` onto `target`, a file (never a symlink). `create`: the
  // file does not exist yet and is made in the overlay just mounted on its directory.
  bool BindFile(const std::string& source, const std::string& target, bool create, Failure* f);
  // Bind-mounts the directory `source`, read-only, onto `target`, a directory made for it in the
  // overlay just mounted on its parent (an Alien's version, at a path its search path can name).
  bool BindDirectory(const std::string& source, const std::string& target, Failure* f);
  // Detach every overlay mounted so far (for --fallback after a failure).
  void Undo();
  // Closes the directory Remove keeps open for the next removal (any other operation may mount
  // over it).
  void ForgetRemovalDirectory();

 private:
  // The name a layer is given to the kernel: `direct` (lowerdir+), the path itself where it fits;
  // otherwise /proc/self/fd/N of an fd opened on it (added to fds, to close afterwards).
  bool OpenLayer(const std::string& layer, bool direct, std::string* fd_path, std::vector<int>* fds, Failure* f);
  // Names every layer; on failure closes what it opened.
  bool OpenLayers(const std::vector<std::string>& layers, bool direct, std::vector<std::string>* paths,
                  std::vector<int>* fds, Failure* f);
  bool OverlayNew(const std::vector<std::string>& lowers, const std::string& upper, const std::string& work,
                  int* mnt_fd, Failure* f);
  // mount(2) of an overlay with `options` (ClassicOptions in mounts.cc; empty: they did not fit).
  bool OverlayClassic(const std::string& target, const std::string& options, size_t layers, Failure* f);
  // Makes `dirs` (what AddUpperDirectory asked for `target`) beneath the fresh upper `upper_fd`.
  bool MakeUpperDirectories(const std::string& target, const std::vector<std::string>& dirs, int upper_fd, Failure* f);
  // Makes the whiteouts `names` (what AddWhiteout asked for `target`) in the fresh upper `upper_fd`.
  bool MakeWhiteouts(const std::string& target, const std::vector<std::string>& names, int upper_fd, Failure* f);
  bool in_userns_ = false;
  // Mount target → directories to make, and names to white out, in the upper of the next overlay
  // mounted there.
  std::vector<std::pair<std::string, std::string>> upper_dirs_;
  std::vector<std::pair<std::string, std::string>> whiteouts_;
  int write_fd_ = -1;
  int overlays_ = 0;
  std::string prefix_;
  std::vector<int> group_fds_;
  std::vector<std::string> mounted_;
  // Mount target → an O_PATH fd of the overlay's root, for removals beneath it.
  std::vector<std::pair<std::string, int>> roots_;
  // The directory of the last removal, kept open: removals come grouped by directory, and one
  // Index directory may hold 100,000 entries of another version (one open each, otherwise).
  int removal_root_ = -1;
  std::string removal_parent_;
  int removal_dir_ = -1;
};

// "user:[4026531837]": the namespace `ns` of process `pid` ("self" for this one), as its
// /proc/PID/ns link names it; empty when it cannot be read.
std::string NamespaceId(const std::string& pid, const char* ns);
