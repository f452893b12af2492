#include "ledger/thread_slice.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace ejournal {
namespace {

// The kernel's `struct sched_attr`, its first version (SCHED_ATTR_SIZE_VER0, 48 bytes; the kernel
// takes the size from the first field). <linux/sched/types.h> cannot be included beside glibc's
// <sched.h> (both define sched_param), and glibc 2.36 (Debian 12) has no wrappers for
// sched_setattr/sched_getattr: the system calls.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;  // SCHED_OTHER on Linux 6.12+: the requested slice, ns
  uint64_t sched_deadline;
  uint64_t sched_period;
};
static_assert(sizeof(SchedAttr) == 48);

bool GetAttr(SchedAttr& attr) {
  attr = {};
  return syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) == 0;
}

}  // namespace

bool RequestThreadSlice(std::chrono::microseconds slice) {
  SchedAttr attr;
  if (!GetAttr(attr)) return false;
  if (attr.sched_policy != SCHED_OTHER && attr.sched_policy != SCHED_BATCH) return false;
  attr.size = sizeof attr;
  attr.sched_flags = 0;
  attr.sched_runtime = static_cast<uint64_t>(slice.count()) * 1000;  // ns
  return syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

std::chrono::microseconds ThreadSlice() {
  SchedAttr attr;
  if (!GetAttr(attr)) return std::chrono::microseconds(0);
  return std::chrono::microseconds(attr.sched_runtime / 1000);
}

}  // namespace ejournal
