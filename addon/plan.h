// A mount plan as the helper receives it: a flat list of operations, built entirely by the
// TypeScript planner (src/overlay/) and executed here in order, as bubblewrap runs its SetupOp
// list. The wire format is a sequence of NUL-terminated byte strings:
//   "RUNNER-PLAN-1" then, per operation, its name and its arguments; a list argument is written
//   as its count followed by its items. See src/overlay/serialize.ts for the writer.
#pragma once
#include <string>
#include <vector>

struct Op {
  std::string name;                 // userns mountns private writelayer group overlay remove
                                    // personality nonewprivs fallback env exec
  std::vector<std::string> args;    // fixed arguments
  std::vector<std::string> list;    // the one list argument, if the operation has one
};

// `bindfile SOURCE TARGET CREATE` bind-mounts a file onto TARGET (CREATE 1: made first, in the
// overlay mounted on TARGET's directory).
// `remove TARGET RELATIVE` removes RELATIVE inside the overlay mounted on TARGET, resolved beneath
// that mount without following symlinks.
// Reads a plan from fd; on a malformed plan returns false and sets *error.
bool ReadPlan(int fd, std::vector<Op>* ops, std::string* error);
