// Numbers of the system calls Runner makes through syscall(2) that an older C library's headers
// do not name (glibc 2.31, which the release builds against, predates most of them). Since Linux
// 5.1 a new system call has the same number on every architecture, so one table serves x86-64 and
// arm64 alike.
#pragma once
#include <sys/syscall.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
