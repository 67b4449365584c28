#include "batch-stat.h"

#include <fcntl.h>
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>

namespace {
constexpr unsigned kRingEntries = 256;
constexpr unsigned kMask =
    STATX_TYPE | STATX_MODE | STATX_INO | STATX_SIZE | STATX_MTIME | STATX_CTIME | STATX_UID | STATX_GID;

// dev is makedev(major, minor), as Node's BigIntStats has it.
std::string Identity(int error, const struct statx& st, bool owner) {
  if (error) return "E" + std::to_string(error);
  if (owner) return std::to_string(st.stx_uid) + ":" + std::to_string(st.stx_gid) + ":" + std::to_string(st.stx_mode);
  auto ns = [](const struct statx_timestamp& t) { return std::to_string(t.tv_sec * 1000000000LL + t.tv_nsec); };
  return std::to_string(static_cast<unsigned long long>(makedev(st.stx_dev_major, st.stx_dev_minor))) + ":" +
         std::to_string(st.stx_ino) + ":" + std::to_string(st.stx_mode) + ":" + std::to_string(st.stx_size) + ":" +
         ns(st.stx_mtime) + ":" + ns(st.stx_ctime);
}

void StatEach(std::vector<StatQuery>* queries, size_t from) {
  for (size_t i = from; i < queries->size(); i++) {
    StatQuery& q = (*queries)[i];
    q.identity = IdentityOf(q.path, q.follow, q.owner);
  }
}

struct Ring {
  int fd = -1;
  unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
  io_uring_sqe* sqes;
  io_uring_cqe* cqes;

  bool Open() {
    io_uring_params p{};
    fd = static_cast<int>(syscall(__NR_io_uring_setup, kRingEntries, &p));
    if (fd < 0) return false;
    size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
    bool single = p.features & IORING_FEAT_SINGLE_MMAP;
    if (single) sq_size = cq_size = sq_size > cq_size ? sq_size : cq_size;
    auto map = [&](size_t size, off_t offset) {
      void* at = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
      return at == MAP_FAILED ? nullptr : static_cast<char*>(at);
    };
    char* sq = map(sq_size, IORING_OFF_SQ_RING);
    char* cq = single ? sq : map(cq_size, IORING_OFF_CQ_RING);
    sqes = reinterpret_cast<io_uring_sqe*>(map(p.sq_entries * sizeof(io_uring_sqe), IORING_OFF_SQES));
    if (!sq || !cq || !sqes) return false;
    sq_tail = reinterpret_cast<unsigned*>(sq + p.sq_off.tail);
    sq_mask = reinterpret_cast<unsigned*>(sq + p.sq_off.ring_mask);
    sq_array = reinterpret_cast<unsigned*>(sq + p.sq_off.array);
    cq_head = reinterpret_cast<unsigned*>(cq + p.cq_off.head);
    cq_tail = reinterpret_cast<unsigned*>(cq + p.cq_off.tail);
    cq_mask = reinterpret_cast<unsigned*>(cq + p.cq_off.ring_mask);
    cqes = reinterpret_cast<io_uring_cqe*>(cq + p.cq_off.cqes);
    return true;
  }
};
}  // namespace

std::string IdentityOf(const std::string& path, bool follow, bool owner) {
  struct statx st {};
  int rc = statx(AT_FDCWD, path.c_str(), follow ? 0 : AT_SYMLINK_NOFOLLOW, kMask, &st);
  return Identity(rc == 0 ? 0 : errno, st, owner);
}

void StatAll(std::vector<StatQuery>* queries, bool threads_allowed) {
  Ring ring;
  // A few are not worth a ring. RUNNER_STAT_BATCH=0 takes the one-by-one path (for its tests).
  static const char* batch = getenv("RUNNER_STAT_BATCH");
  bool one_by_one = !threads_allowed || queries->size() < 8 || (batch && batch[0] == '0');
  if (one_by_one || !ring.Open()) {
    if (ring.fd >= 0) close(ring.fd);
    StatEach(queries, 0);
    return;
  }
  std::vector<struct statx> results(queries->size());
  size_t done = 0;
  while (done < queries->size()) {
    unsigned batch = static_cast<unsigned>(std::min<size_t>(kRingEntries, queries->size() - done));
    unsigned tail = *ring.sq_tail;
    for (unsigned i = 0; i < batch; i++) {
      const StatQuery& q = (*queries)[done + i];
      unsigned slot = (tail + i) & *ring.sq_mask;
      io_uring_sqe& sqe = ring.sqes[slot];
      sqe = io_uring_sqe{};
      sqe.opcode = IORING_OP_STATX;
      sqe.fd = AT_FDCWD;
      sqe.addr = reinterpret_cast<unsigned long>(q.path.c_str());
      sqe.len = kMask;
      sqe.off = reinterpret_cast<unsigned long>(&results[done + i]);
      sqe.statx_flags = q.follow ? 0 : AT_SYMLINK_NOFOLLOW;
      sqe.user_data = done + i;
      ring.sq_array[slot] = slot;
    }
    __atomic_store_n(ring.sq_tail, tail + batch, __ATOMIC_RELEASE);
    unsigned seen = 0;
    unsigned to_submit = batch;
    while (seen < batch) {
      long rc = syscall(__NR_io_uring_enter, ring.fd, to_submit, batch - seen, IORING_ENTER_GETEVENTS, nullptr, 0);
      if (rc < 0 && errno != EINTR) {
        // The ring failed us half-way: what has no answer yet is asked one by one.
        close(ring.fd);
        StatEach(queries, done);
        return;
      }
      if (rc > 0) to_submit -= std::min<unsigned>(to_submit, static_cast<unsigned>(rc));
      unsigned head = *ring.cq_head;
      unsigned cq_tail = __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE);
      for (; head != cq_tail; head++, seen++) {
        const io_uring_cqe& cqe = ring.cqes[head & *ring.cq_mask];
        StatQuery& q = (*queries)[cqe.user_data];
        q.identity = Identity(cqe.res < 0 ? -cqe.res : 0, results[cqe.user_data], q.owner);
      }
      __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
    }
    done += batch;
  }
  close(ring.fd);
}
