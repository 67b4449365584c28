// Thin wrappers over the system calls the view builder and the probes make, for the parts of
// the new mount API and openat2 that the C library (glibc 2.31, which the release builds against)
// has no wrappers for. No policy here; each returns what the system call returned.
#pragma once
#include <string>
#include <vector>

namespace sys {
constexpr unsigned kFsconfigSetFlag = 0, kFsconfigSetString = 1, kFsconfigCmdCreate = 6;
constexpr unsigned kMountAttrRdonly = 0x1;
constexpr unsigned kOpenTreeClone = 1;
constexpr unsigned kMoveMountFEmptyPath = 0x4;

int Fsopen(const char* fs);
int Fsconfig(int fd, unsigned cmd, const char* key, const char* value);
int Fsmount(int fd, unsigned attrs);
// Onto an already opened directory: the target was checked not to be a symlink when it was opened.
int MoveMount(int from, int to_fd);
// A mount target: a real directory, never a symlink in its last component (O_NOFOLLOW).
int OpenTarget(const std::string& target);
// The components of a relative path ("a/b" → a, b), as they are: empty ones included.
std::vector<std::string> PathParts(const std::string& relative);
// Opens `relative` as a directory beneath `root_fd`, following no symlink and leaving neither the
// directory tree nor the mount.
int OpenBeneath(int root_fd, const std::string& relative);
// The kernel explains fsconfig failures in the context's message log: its last line.
std::string KernelMessage(int fs_fd);
bool WriteFile(const char* path, const std::string& text);
std::string FdPath(int fd);
void CloseAll(std::vector<int>* fds);
}  // namespace sys
