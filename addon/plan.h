// A mount plan as the executor receives it: a flat list of operations, built entirely by the
// TypeScript planner (src/overlay/) and executed in order, as bubblewrap runs its SetupOp list.
// The wire format is a sequence of NUL-terminated byte strings: a magic word, then per operation
// its name and its arguments; a list argument is written as its count followed by its items.
// See src/overlay/serialize.ts for the writer.
//
// A plan from the cache (src/cache/entry.ts, read by cache.cc) has the same form under its own
// magic word, with records of what the plan was derived from before the plan's operations.
#pragma once
#include <string>
#include <vector>

constexpr const char* kPlanMagic = "RUNNER-PLAN-1";
constexpr const char* kCacheMagic = "RUNNER-CACHE-1";

struct Op {
  std::string name;               // see kShapes in plan.cc
  std::vector<std::string> args;  // fixed arguments
  std::vector<std::string> list;  // the one list argument, if the operation has one
};

// `bindfile SOURCE TARGET CREATE` bind-mounts a file onto TARGET (CREATE 1: made first, in the
// overlay mounted on TARGET's directory).
// `binddir SOURCE TARGET` bind-mounts the directory SOURCE, read-only, onto TARGET, a directory
// made first in the overlay mounted on TARGET's directory (an Alien version at a colon-free path).
// `remove TARGET RELATIVE` removes RELATIVE inside the overlay mounted on TARGET, resolved beneath
// that mount without following symlinks.
// `whiteout TARGET RELATIVE` (before the `overlay` on TARGET) hides RELATIVE, at the top of that
// overlay or in a directory an `upperdir` makes, with a whiteout made in its upper before it is
// mounted.
// The environment operations are in env-ops.h, the cache's records in cache.h.

// Reads fd to its end.
bool ReadAll(int fd, std::string* out);
// Splits `data` (which must start with `magic`) into operations; on a malformed plan returns
// false and sets *error.
bool ParseOps(const std::string& data, const char* magic, std::vector<Op>* ops, std::string* error);
