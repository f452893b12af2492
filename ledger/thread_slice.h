#pragma once

#include <chrono>

namespace ejournal {

// Asks the kernel to run the calling thread in short time slices: a latency hint for threads that
// answer requests (the HTTP workers, issue 4's diary reads; the load tool's clients).
//
// On Linux 6.12 and later the fair scheduler (EEVDF) takes a SCHED_OTHER thread's
// `sched_attr::sched_runtime` as the slice it requests (0.1 to 100 ms; the default is the
// scheduler's base slice, 3 ms here): a thread with a shorter slice gets an earlier virtual
// deadline, so when it wakes on a busy CPU it runs before — and may preempt — threads with longer
// slices (the ledger's writer, a compaction, a build), and after its slice it yields to them in
// turn. Its share of the CPU does not change (that is what nice does). The thread's policy and nice
// value are kept. Needs no privilege for the calling thread.
//
// Returns true if the kernel took the request. Older kernels accept the call and ignore the
// value for fair threads: the kernel's answer (`ThreadSlice`) tells whether it was kept.
bool RequestThreadSlice(std::chrono::microseconds slice);

// The calling thread's requested slice as the kernel reports it (0: none, or not supported).
std::chrono::microseconds ThreadSlice();

}  // namespace ejournal
