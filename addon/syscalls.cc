#include "syscalls.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "syscall-numbers.h"

namespace sys {
namespace {
constexpr unsigned kFsopenCloexec = 0x1;
constexpr unsigned kFsmountCloexec = 0x1;
}  // namespace

int Fsopen(const char* fs) { return syscall(SYS_fsopen, fs, kFsopenCloexec); }
int Fsconfig(int fd, unsigned cmd, const char* key, const char* value) {
  return syscall(SYS_fsconfig, fd, cmd, key, value, 0);
}
int Fsmount(int fd, unsigned attrs) { return syscall(SYS_fsmount, fd, kFsmountCloexec, attrs); }
constexpr unsigned kMoveMountTEmptyPath = 0x40;
// Onto an already opened directory: the target was checked not to be a symlink when it was opened.
int MoveMount(int from, int to_fd) {
  return syscall(SYS_move_mount, from, "", to_fd, "", kMoveMountFEmptyPath | kMoveMountTEmptyPath);
}

// A mount target: a real directory, never a symlink in its last component (O_NOFOLLOW).
int OpenTarget(const std::string& target) {
  return open(target.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

// The components of a relative path ("a/b" → a, b), as they are: empty ones included.
std::vector<std::string> PathParts(const std::string& relative) {
  std::vector<std::string> parts;
  for (size_t start = 0; start <= relative.size();) {
    size_t end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    parts.push_back(relative.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// Opens `relative` as a directory beneath `root_fd`, following no symlink and leaving neither the
// directory tree nor the mount. openat2 (Linux ≥ 5.6) does it in one call; before that, one
// O_NOFOLLOW step per component, refusing "..".
int OpenBeneath(int root_fd, const std::string& relative) {
  if (relative.empty()) return fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  struct open_how how {};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  int fd = syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) return fd;
  fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  for (const std::string& part : PathParts(relative)) {
    if (fd < 0) break;
    if (part.empty() || part == ".") continue;
    int next =
        part == ".." ? (errno = EXDEV, -1) : openat(fd, part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    close(fd);
    errno = err;
    fd = next;
  }
  return fd;
}

// The kernel explains fsconfig failures in the context's message log; keep the last line.
std::string KernelMessage(int fs_fd) {
  std::string last;
  char buf[512];
  for (;;) {
    ssize_t n = read(fs_fd, buf, sizeof buf - 1);
    if (n <= 0) break;
    buf[n] = '\0';
    last = buf[0] && buf[1] == ' ' ? buf + 2 : buf;
  }
  while (!last.empty() && last.back() == '\n') last.pop_back();
  return last;
}

bool WriteFile(const char* path, const std::string& text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

std::string FdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

void CloseAll(std::vector<int>* fds) {
  for (int fd : *fds) close(fd);
  fds->clear();
}
}  // namespace sys
