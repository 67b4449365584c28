#include "env-ops.h"

#include <cstdlib>

namespace {
// The kernel's limit on one "NAME=value" string with its NUL (MAX_ARG_STRLEN): exec refuses more.
constexpr size_t kMaxEnvString = 128 * 1024;

std::vector<std::string>::iterator Find(std::vector<std::string>* env, const std::string& name) {
  for (auto it = env->begin(); it != env->end(); ++it)
    if (it->size() > name.size() && it->compare(0, name.size(), name) == 0 && (*it)[name.size()] == '=') return it;
  return env->end();
}

bool IsSet(std::vector<std::string>* env, const std::string& name) { return Find(env, name) != env->end(); }

std::string ValueOf(std::vector<std::string>* env, const std::string& name) {
  auto it = Find(env, name);
  return it == env->end() ? "" : it->substr(name.size() + 1);
}

void Set(std::vector<std::string>* env, const std::string& name, const std::string& value) {
  auto it = Find(env, name);
  if (it == env->end())
    env->push_back(name + "=" + value);
  else
    *it = name + "=" + value;
}
}  // namespace

bool IsEnvOp(const std::string& name) { return name == "unsetenv" || name == "prependenv" || name == "setenv"; }

void ApplyEnvOp(const Op& op, std::vector<std::string>* env, std::string* warning) {
  warning->clear();
  const std::string& name = op.args[0];
  if (op.name == "unsetenv") {
    auto it = Find(env, name);
    if (it != env->end()) env->erase(it);
    return;
  }
  std::string value;
  if (op.name == "prependenv") {
    for (const auto& dir : op.list) value += (value.empty() ? "" : ":") + dir;
    std::string existing = ValueOf(env, name);
    for (size_t start = 0; start <= existing.size();) {
      size_t colon = existing.find(':', start);
      if (colon == std::string::npos) colon = existing.size();
      if (colon > start) value += (value.empty() ? "" : ":") + existing.substr(start, colon - start);
      start = colon + 1;
    }
  } else {
    for (size_t i = 0; i < op.list.size(); i++) {
      const std::string& part = op.list[i];
      if (part.empty()) continue;
      if (part[0] == '?') {
        // "?OP COUNT NAME", then the COUNT parts of its word: those are skipped where the word
        // does not apply (and for '-' with the variable set, its value stands in for them).
        size_t space = part.find(' '), second = part.find(' ', space + 1);
        if (space == std::string::npos || space < 2 || second == std::string::npos) continue;
        std::string oper = part.substr(1, space - 1), var = part.substr(second + 1);
        size_t count = strtoul(part.c_str() + space + 1, nullptr, 10);
        bool set = IsSet(env, var) && (oper[0] != ':' || !ValueOf(env, var).empty());
        bool useWord = oper.back() == '-' ? !set : set;
        if (oper.back() == '-' && set) value += ValueOf(env, var);
        if (!useWord) i += count;
      } else {
        value += part[0] == '$' ? ValueOf(env, part.substr(1)) : part.substr(1);
      }
      // `A=$A$A` doubles a value per line: stop at what exec could take at all.
      if (name.size() + value.size() + 2 > kMaxEnvString) {
        *warning = op.args[1] + ": " + name + "=… grows beyond " + std::to_string(kMaxEnvString) +
                   " bytes, more than exec allows; line ignored";
        return;
      }
    }
  }
  Set(env, name, value);
}
