#include "messages.h"

#include <fcntl.h>
#include <unistd.h>
#include <cstring>

bool Fail(Failure* f, const std::string& op, const std::string& path, int err, const std::string& detail) {
  f->op = op;
  f->path = path;
  f->err = err;
  f->detail = detail;
  return false;
}

// The invisible and reordering characters src/base/output.ts escapes, as the code point a UTF-8
// sequence at `at` encodes, or 0 when it is not one of them.
static unsigned InvisibleAt(const std::string& text, size_t at) {
  auto byte = [&](size_t i) -> unsigned { return at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0; };
  if (byte(0) == 0xd8 && byte(1) == 0x9c) return 0x061c;
  if (byte(0) == 0xef && byte(1) == 0xbb && byte(2) == 0xbf) return 0xfeff;
  if (byte(0) != 0xe2 || (byte(1) != 0x80 && byte(1) != 0x81) || (byte(2) & 0xc0) != 0x80) return 0;
  unsigned code = 0x2000 | ((byte(1) & 0x3f) << 6) | (byte(2) & 0x3f);
  bool invisible = (code >= 0x200b && code <= 0x200f) || (code >= 0x2028 && code <= 0x202e) ||
                   (code >= 0x2060 && code <= 0x2064) || (code >= 0x2066 && code <= 0x2069);
  return invisible ? code : 0;
}

std::string Escape(const std::string& text) {
  std::string out;
  static const char kHex[] = "0123456789abcdef";
  auto hex = [&](unsigned char c) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  };
  for (size_t i = 0; i < text.size(); i++) {
    unsigned char c = text[i];
    unsigned char next = i + 1 < text.size() ? text[i + 1] : 0;
    unsigned invisible = InvisibleAt(text, i);
    if (c < 0x20 || c == 0x7f) {
      hex(c);
    } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {  // a C1 control in UTF-8
      hex(c), hex(next), i++;
    } else if (invisible != 0) {
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(invisible >> shift) & 15];
      i += invisible < 0x800 ? 1 : 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void Warn(const std::string& message) {
  std::string line = "Runner: warning: " + Escape(message) + "\n";
  if (write(STDERR_FILENO, line.data(), line.size()) < 0) return;
}

namespace {
// The first line of a /proc/sys file ("" when it cannot be read): which setting refused.
std::string Sysctl(const char* file) {
  char buf[64];
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  std::string text(buf, n > 0 ? n : 0);
  return text.substr(0, text.find('\n'));
}

bool StartsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// What the system refused, when the view's namespace or first mounts fail for a reason of this
// host's configuration rather than of the tree: an errno alone ("No space left on device" from
// unshare) does not tell a user that user namespaces are turned off, nor what to do.
std::string Hint(const Failure& f) {
  const bool rootless = getuid() != 0;
  const char* instead = "; run Runner as root, or let an administrator allow them";
  if (f.op == "unshare(CLONE_NEWUSER|CLONE_NEWNS)") {
    if (f.err == ENOSPC && Sysctl("/proc/sys/user/max_user_namespaces") == "0")
      return std::string("user namespaces are turned off here (user.max_user_namespaces is 0)") + instead;
    if (f.err == ENOSPC)
      return "the limit of user namespaces (user.max_user_namespaces) or of their nesting (32) is reached";
    if (f.err == EPERM)
      return std::string("this system does not let unprivileged users make user namespaces (the sysctl ") +
             (Sysctl("/proc/sys/kernel/unprivileged_userns_clone") == "0"
                  ? "kernel.unprivileged_userns_clone is 0"
                  : "kernel.unprivileged_userns_clone, or a sandbox's seccomp filter") +
             ")" + instead;
    return "";
  }
  // The namespace is made, but has no capabilities in it: the id maps cannot be written (where
  // Ubuntu's AppArmor restriction stops `unshare -r`) or nothing can be mounted.
  const bool mapping = f.op == "write" && StartsWith(f.path, "/proc/self/");
  const bool mounting = StartsWith(f.op, "unshare(CLONE_NEWNS)") || StartsWith(f.op, "mount") ||
                        StartsWith(f.op, "fsopen") || StartsWith(f.op, "fsmount") || StartsWith(f.op, "move_mount") ||
                        StartsWith(f.op, "open_tree");
  if (!(mapping || mounting) || f.err != EPERM) return "";  // EACCES: a layer the user may not read
  if (!rootless)
    return "root here may not mount: it lacks CAP_SYS_ADMIN, or a seccomp filter or security module forbids it (a "
           "container's defaults do)";
  if (Sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1")
    return "AppArmor gives unprivileged user namespaces no rights here (kernel.apparmor_restrict_unprivileged_userns "
           "is 1, "
           "as on Ubuntu 23.10 and later); an AppArmor profile for Runner's executor, or running as root, allows it";
  if (mapping)
    return "the kernel did not let this user namespace map your own ids: a security module forbids it; run Runner as "
           "root";
  const bool overlay = f.op == "mount overlay" || f.path == "overlay";
  return std::string("this user namespace may not mount: a seccomp filter or security module forbids it") +
         (overlay ? ", or the kernel is older than 5.11 (the first to let user namespaces mount overlays)" : "") +
         "; run Runner as root";
}
}  // namespace

std::string Failure::Text() const {
  std::string text = op + (path.empty() ? "" : " " + path) + ": " + strerror(err);
  if (!detail.empty()) text += " (" + detail + ")";
  std::string hint = Hint(*this);
  if (!hint.empty()) text += ": " + hint;
  return Escape(text);
}
