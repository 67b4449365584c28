// The plan cache as runner-front reads it. The TypeScript CLI writes an entry after a launch
// (src/cache/entry.ts) into $XDG_CACHE_HOME/Runner/, named after the caller's uid and the words
// of the command line up to the command (the options and the command word; the command's own
// arguments are not part of the plan). An entry holds, after the magic word:
//   build IDENT                 identity of the CLI that wrote it (dist/bundle/cli.cjs)
//   uid N                       the caller it was made for
//   words W...                  the command line's words it is for (the file name is only a hash)
//   env NAME VALUE | noenv NAME every variable the planner read, with its value then
//   cwd DIR                     the working directory, when the planner used it
//   stat|lstat PATH IDENT       every file-system question the planner asked, with the answer's
//                               identity (dev:ino:mode:size:mtime_ns:ctime_ns, or E<errno>); a
//                               readlink is an lstat: a symlink's target never changes in place
//   owner PATH UID:GID:MODE     what root's trust in a directory rests on (src/base/root-safety.ts),
//                               without the times: a busy /tmp above a tree must not make plans stale
//   realpath PATH RESULT
//   argvfrom N                  the command's argv is the exec list + the caller's words from N
// and then the plan's own operations, and last `sum HEX`: FNV-1a 64 over every byte before it.
// An entry is used only when every record still holds; one that is corrupt, from another build,
// not the caller's own or writable by others is a miss.
#pragma once
#include <string>
#include <vector>

#include "plan.h"

// The cache's plan for this command line, validated, with the command's argv filled in; false
// when there is none (any doubt is a miss: the CLI then plans afresh).
bool LoadCachedPlan(const std::string& package_root, int argc, char** argv, std::vector<Op>* plan);
