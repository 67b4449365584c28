// runner-exec: the single-threaded executor. Node execve()s into it (the pid stays the same), it
// reads a plan (see plan.h), builds the private view, and execve()s the command. Being a fresh
// single-threaded process is what makes unshare(CLONE_NEWUSER) possible at all.
//
//   runner-exec --plan-fd N     run the plan in fd N
//   runner-exec --plan FILE     run the plan in FILE
//   runner-exec --check DIR     probe what this kernel and user allow, with DIR as a layer
//
// Exit codes of its own (the README's table): 122 the view could not be built, 125 bad plan or
// usage, 126 the command cannot be executed, 127 the command was not found.
#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "executor.h"
#include "plan.h"
#include "probes.h"
#include "view-builder.h"

namespace {
int OpenPlan(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "--plan-fd") == 0) return atoi(argv[2]);
  if (argc == 3 && strcmp(argv[1], "--plan") == 0) {
    int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
    if (fd < 0) Die(kExitUsage, std::string("open ") + argv[2] + ": " + strerror(errno));
    return fd;
  }
  Die(kExitUsage, "usage: runner-exec --plan-fd N | --plan FILE | --check DIR");
}
}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "--check") == 0) return ProbeKernel(argv[2]);
  int plan_fd = OpenPlan(argc, argv);
  std::string data, error;
  std::vector<Op> ops;
  if (!ReadAll(plan_fd, &data) || !ParseOps(data, kPlanMagic, &ops, &error))
    Die(kExitUsage, "bad plan: " + (error.empty() ? std::string("reading it: ") + strerror(errno) : error));
  close(plan_fd);
  RunPlan(ops, /*restore_caller=*/true);
}
