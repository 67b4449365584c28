// The launched program's environment: the caller's environment of *this* launch, changed by the
// plan's environment operations in order (a cached plan never carries yesterday's environment):
//   unsetenv NAME                 drop NAME
//   prependenv NAME DIR...        DIR... in front of NAME's ':'-separated entries (empty ones dropped)
//   setenv NAME ORIGIN PART...    NAME = the PARTs joined: "=text" is literal, "$VAR" is VAR's value
//                                 so far (empty when unset); "?OP N VAR" is ${VAR OP word}, its
//                                 word the N parts after it (OP: - :- + :+, as in sh); ORIGIN
//                                 ("file:line") names the line
// TypeScript (src/overlay/environment.ts) compiles Environment files into these; this file is the
// only place they are applied (the executor, and the addon for the planner's preview).
#pragma once
#include <string>
#include <vector>

#include "plan.h"

bool IsEnvOp(const std::string& name);

// Applies one operation to `env` ("NAME=value" strings). A value longer than exec can take is not
// set, and *warning says so (empty otherwise).
void ApplyEnvOp(const Op& op, std::vector<std::string>* env, std::string* warning);
