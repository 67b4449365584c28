#include "plan.h"

#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <map>

namespace {

struct Shape {
  size_t fixed;   // number of fixed arguments
  bool has_list;  // followed by a counted list
};

// The arity of every operation; anything else is a malformed plan.
const std::map<std::string, Shape> kShapes = {
    // the view and the command
    {"userns", {0, false}},
    {"mountns", {0, false}},
    {"private", {1, false}},
    {"writelayer", {2, false}},
    {"group", {1, true}},
    {"overlay", {1, true}},
    {"remove", {2, false}},
    {"personality", {1, false}},
    {"nonewprivs", {0, false}},
    {"fallback", {1, false}},
    {"bindfile", {3, false}},
    {"binddir", {2, false}},
    {"exec", {2, true}},
    {"warn", {1, false}},
    {"upperdir", {2, false}},
    {"whiteout", {2, false}},
    {"rechdir", {0, false}},
    // named views (src/views/)
    {"attach", {1, false}},
    {"keepindex", {2, false}},
    {"nsid", {1, false}},
    {"join", {3, false}},
    {"chdir", {1, false}},
    {"creds", {2, true}},
    {"commit", {2, false}},
    // the environment (env-ops.h)
    {"unsetenv", {1, false}},
    {"prependenv", {1, true}},
    {"setenv", {2, true}},
    // a cached plan's records (cache.h)
    {"build", {1, false}},
    {"uid", {1, false}},
    {"words", {0, true}},
    {"env", {2, false}},
    {"noenv", {1, false}},
    {"cwd", {1, false}},
    {"stat", {2, false}},
    {"lstat", {2, false}},
    {"owner", {2, false}},
    {"realpath", {2, false}},
    {"argvfrom", {1, false}},
};

}  // namespace

bool ReadAll(int fd, std::string* out) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, n);
  }
}

bool ParseOps(const std::string& data, const char* magic, std::vector<Op>* ops, std::string* error) {
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\0', start);
    if (end == std::string::npos) {
      *error = "the plan does not end with a NUL byte";
      return false;
    }
    tokens.emplace_back(data, start, end - start);
    start = end + 1;
  }
  if (tokens.empty() || tokens[0] != magic) {
    *error = std::string("not a ") + magic + " plan";
    return false;
  }
  size_t i = 1;
  auto take = [&](std::string* out) {
    if (i >= tokens.size()) return false;
    *out = tokens[i++];
    return true;
  };
  while (i < tokens.size()) {
    Op op;
    take(&op.name);
    auto shape = kShapes.find(op.name);
    if (shape == kShapes.end()) {
      *error = "unknown operation '" + op.name + "'";
      return false;
    }
    for (size_t a = 0; a < shape->second.fixed; a++) {
      std::string arg;
      if (!take(&arg)) {
        *error = "operation '" + op.name + "' is cut short";
        return false;
      }
      op.args.push_back(arg);
    }
    if (shape->second.has_list) {
      std::string count_text;
      if (!take(&count_text)) {
        *error = "operation '" + op.name + "' has no count";
        return false;
      }
      char* end = nullptr;
      unsigned long count = strtoul(count_text.c_str(), &end, 10);
      if (count_text.empty() || *end != '\0' || count > tokens.size() - i) {
        *error = "operation '" + op.name + "' has a bad count '" + count_text + "'";
        return false;
      }
      op.list.assign(tokens.begin() + i, tokens.begin() + i + count);
      i += count;
    }
    ops->push_back(std::move(op));
  }
  return true;
}
