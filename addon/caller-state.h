// RUNNER_CALLER_STATE: what runner-front found the caller had handed over before Node started,
// for the addon (descriptors to keep open across its execve) and runner-exec (signals and the
// soft limit on open files to restore):
//   RUNNER_CALLER_STATE=fds=3,5;closed=1;ignored=1,13;blocked=10;nofile=1024
// (`closed`: standard descriptors the caller closed, held on /dev/null until the program's exec;
// on the warm path the state is only that.)
// One place for the format: front.cc writes it with CallerStateField, the others read CallerStateList.
#pragma once
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

constexpr const char* kCallerState = "RUNNER_CALLER_STATE";

// RUNNER_ARGV_FD=N: the caller's words (after Runner's own name), each NUL-terminated, in the
// memory file N, where they did not fit on Node's command line beside the words the front adds
// (a command line at the kernel's limit). The CLI reads and removes it (src/base/raw-args.ts).
constexpr const char* kArgvFd = "RUNNER_ARGV_FD";

// The caller's NODE_* variables are for the program, not for Runner's own Node: NODE_OPTIONS can
// name flags this Node refuses (Runner would not start) or preload code into it, NODE_DEBUG prints
// into the program's stderr, NODE_EXTRA_CA_CERTS adds ~70 ms to the start. runner-front moves each
// to RUNNER_KEPT_<name> before starting Node; the executor gives it its name back for the program
// (and the planner reads it there: src/base/raw-args.ts).
constexpr const char* kKeptPrefix = "RUNNER_KEPT_";
constexpr const char* kNodePrefix = "NODE_";

// `key=1,2,3` for the state string.
inline std::string CallerStateField(const char* key, const std::vector<int>& values) {
  std::string field = std::string(key) + "=";
  for (size_t i = 0; i < values.size(); i++) field += (i ? "," : "") + std::to_string(values[i]);
  return field;
}

// The numbers listed under `key` ("fds", "closed", "ignored", "blocked", "nofile") in this process's state, if any.
inline std::vector<int> CallerStateList(const char* key) {
  std::vector<int> values;
  const char* state = getenv(kCallerState);
  if (!state) return values;
  std::string wanted = std::string(key) + "=";
  for (const char* at = state; at && *at; at = strchr(at, ';') ? strchr(at, ';') + 1 : nullptr) {
    if (strncmp(at, wanted.c_str(), wanted.size()) != 0) continue;
    for (const char* p = at + wanted.size(); *p >= '0' && *p <= '9';) {
      char* end = nullptr;
      values.push_back(static_cast<int>(strtol(p, &end, 10)));
      p = *end == ',' ? end + 1 : end;
    }
  }
  return values;
}
