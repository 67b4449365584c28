// The executor proper, shared by runner-exec (a plan from the TypeScript planner) and runner-front
// (a plan from the cache): builds the view the plan describes, in order, and execs its command.
#pragma once
#include <string>
#include <vector>

#include "plan.h"

// Exit codes of its own (the README's table).
constexpr int kExitView = 122, kExitUsage = 125, kExitNoExec = 126;

[[noreturn]] void Die(int code, const std::string& message);

// Runs `ops` and execs; never returns. The environment starts as this process's own and the
// plan's environment operations change it. `restore_caller`: set signal dispositions, the mask
// and the soft limit on open files to what the caller gave Runner (RUNNER_CALLER_STATE), because
// Node has changed them on the way; false where no Node ran and they are still the caller's own.
[[noreturn]] void RunPlan(const std::vector<Op>& ops, bool restore_caller);
