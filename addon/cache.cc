#include "cache.h"

#include "batch-stat.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {
// More words than this before the command is not worth a lookup per prefix.
constexpr int kMaxPrefixWords = 32;
// A sanity bound, not a budget: a view that hides 150,000 Index entries of another version has
// an entry of about 24 MB. src/cache/entry.ts writes none larger (MAX_ENTRY_BYTES).
constexpr off_t kMaxEntryBytes = 64 << 20;

// FNV-1a, 64 bits, continued from `hash` over `size` bytes (src/base/fnv.ts computes the same).
uint64_t Fnv1a64(uint64_t hash, const char* data, size_t size) {
  for (size_t i = 0; i < size; i++) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;

// FNV-1a, 64 bits, over "<uid>\0<word>\0<word>\0…": only a file name (the entry repeats the words).
std::string EntryName(uid_t uid, char** words, int count) {
  const std::string id = std::to_string(uid);
  uint64_t hash = Fnv1a64(kFnvOffset, id.c_str(), id.size() + 1);
  for (int i = 0; i < count; i++) hash = Fnv1a64(hash, words[i], strlen(words[i]) + 1);
  char name[32];
  snprintf(name, sizeof name, "plan-%016llx", static_cast<unsigned long long>(hash));
  return name;
}

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (!realpath(path.c_str(), buf)) return "E" + std::to_string(errno);
  return buf;
}

std::string CurrentDirectory() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof buf) ? buf : "";
}

std::string Variable(const std::string& name) {
  const char* value = getenv(name.c_str());
  return value ? value : "";
}

// $XDG_CACHE_HOME/Runner, or ~/.cache/Runner; only an absolute setting counts (as in xdg.ts).
int OpenCacheDir() {
  std::string base;
  const char* xdg = getenv("XDG_CACHE_HOME");
  const char* home = getenv("HOME");
  if (xdg && xdg[0] == '/')
    base = xdg;
  else if (home && home[0] == '/')
    base = std::string(home) + "/.cache";
  else
    return -1;
  int fd = open((base + "/Runner").c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st {};
  if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_uid != getuid() || (st.st_mode & 022) != 0)) {
    close(fd);
    return -1;
  }
  return fd;
}

// An entry ends with "sum\0" and the FNV-1a 64 of everything before it in 16 hex digits and a NUL
// (src/cache/entry.ts: withChecksum): one flipped byte anywhere, and it is not run.
constexpr size_t kChecksumTail = 4 + 16 + 1;

// Takes the checksum off `data`, when it holds.
bool ChecksumHolds(std::string* data) {
  if (data->size() < kChecksumTail) return false;
  const size_t body = data->size() - kChecksumTail;
  if (data->compare(body, 4, std::string("sum\0", 4)) != 0 || (*data)[data->size() - 1] != '\0') return false;
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(Fnv1a64(kFnvOffset, data->data(), body)));
  if (data->compare(body + 4, 16, hex) != 0) return false;
  data->resize(body);
  return true;
}

// The entry's text when it is a regular file of the caller's own that nobody else can write.
bool ReadEntry(int dir, const std::string& name, std::string* data) {
  int fd = openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == getuid() && (st.st_mode & 077) == 0 &&
            st.st_size <= kMaxEntryBytes && ReadAll(fd, data);
  close(fd);
  return ok;
}

// Whether one record other than stat/lstat still holds for this launch.
bool Holds(const Op& op, char** words, int count) {
  const std::string& name = op.name;
  if (name == "uid") return op.args[0] == std::to_string(getuid());
  if (name == "words") {
    if (op.list.size() != static_cast<size_t>(count)) return false;
    for (int i = 0; i < count; i++)
      if (op.list[i] != words[i]) return false;
    return true;
  }
  if (name == "env") return getenv(op.args[0].c_str()) && Variable(op.args[0]) == op.args[1];
  if (name == "noenv") return getenv(op.args[0].c_str()) == nullptr;
  if (name == "cwd") return CurrentDirectory() == op.args[0];
  if (name == "realpath") return RealPath(op.args[0]) == op.args[1];
  return false;
}

bool IsRecord(const std::string& name) {
  return name == "build" || name == "uid" || name == "words" || name == "env" || name == "noenv" || name == "cwd" ||
         name == "stat" || name == "lstat" || name == "owner" || name == "realpath";
}

// Checks the entry's records and turns the rest into the plan to run, with the caller's command
// words (from argv[first], the command word) appended to the exec operation.
bool Validate(std::vector<Op>* ops, const std::string& package_root, char** argv, int prefix, int argc) {
  std::vector<Op> plan;
  size_t argv_from = SIZE_MAX;
  bool has_build = false, has_uid = false, has_words = false;
  // The file identities are asked all at once (batch-stat.h), the rest as they come.
  std::vector<StatQuery> queries;
  std::vector<std::string> expected;
  for (Op& op : *ops) {
    if (op.name == "stat" || op.name == "lstat" || op.name == "owner" || op.name == "build") {
      bool build = op.name == "build";
      queries.push_back({build ? package_root + "/dist/bundle/cli.cjs" : op.args[0], op.name == "stat" || build, "",
                         op.name == "owner"});
      expected.push_back(build ? op.args[0] : op.args[1]);
      has_build |= build;
    } else if (IsRecord(op.name)) {
      if (!Holds(op, argv + 1, prefix)) return false;
      has_uid |= op.name == "uid", has_words |= op.name == "words";
    } else if (op.name == "argvfrom") {
      argv_from = strtoul(op.args[0].c_str(), nullptr, 10);
    } else {
      plan.push_back(std::move(op));
    }
  }
  bool userns = false;
  for (const Op& op : plan) userns |= op.name == "userns";
  StatAll(&queries, /*threads_allowed=*/!userns);
  for (size_t i = 0; i < queries.size(); i++)
    if (queries[i].identity != expected[i]) return false;
  // Records that every entry has: without them it is not one we wrote.
  if (!has_build || !has_uid || !has_words || argv_from == SIZE_MAX || plan.empty() || plan.back().name != "exec")
    return false;
  int first = prefix + static_cast<int>(argv_from);  // argv[prefix] is the command word
  for (int i = first; i < argc; i++) plan.back().list.emplace_back(argv[i]);
  *ops = std::move(plan);
  return true;
}
}  // namespace

bool LoadCachedPlan(const std::string& package_root, int argc, char** argv, std::vector<Op>* plan) {
  const char* off = getenv("RUNNER_NO_CACHE");
  if (off && off[0] != '\0' && strcmp(off, "0") != 0) return false;
  int dir = OpenCacheDir();
  if (dir < 0) return false;
  bool hit = false;
  // The words up to the command are a prefix of argv; which prefix, only the CLI knows: try each.
  for (int prefix = 1; prefix < argc && prefix <= kMaxPrefixWords; prefix++) {
    std::string data, error;
    if (!ReadEntry(dir, EntryName(getuid(), argv + 1, prefix), &data)) continue;
    std::vector<Op> ops;
    hit = ChecksumHolds(&data) && ParseOps(data, kCacheMagic, &ops, &error) &&
          Validate(&ops, package_root, argv, prefix, argc);
    if (hit) *plan = std::move(ops);
    break;
  }
  close(dir);
  return hit;
}
