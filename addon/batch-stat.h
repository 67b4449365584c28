// The identities of many paths at once, for the plan cache's re-check: statx requests through one
// io_uring (a handful of syscalls for hundreds of paths), or one statx each where io_uring is not
// available (kernels before 5.6, io_uring disabled by sysctl or seccomp).
#pragma once
#include <string>
#include <vector>

struct StatQuery {
  std::string path;
  bool follow;           // stat (true) or lstat (false)
  std::string identity;  // filled in: dev:ino:mode:size:mtime_ns:ctime_ns, or E<errno>
  bool owner = false;    // only uid:gid:mode (an "owner" record: root's trust, not the contents)
};

// The identity of one path, as StatAll fills it in: what the planner records (src/cache/observe.ts,
// through the addon) is then printed by the very code that re-checks it.
std::string IdentityOf(const std::string& path, bool follow, bool owner);

// `threads_allowed`: io_uring runs statx on worker threads of this process, which linger for
// seconds; a process that is to enter a user namespace must stay single-threaded (unshare fails
// with EINVAL otherwise), so it asks one by one.
void StatAll(std::vector<StatQuery>* queries, bool threads_allowed);
