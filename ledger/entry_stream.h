// EntryStream: the ledger's entries from a position on, read and parsed on a second thread.
//
// A replay (Admission::CatchUp) spends about half of its fold reading entries from RocksDB and
// parsing them (each LedgerEntry's recorded time and body, read in place, then the EventBody); the
// other half folds them, which must happen in order on one thread. The stream overlaps the two: a
// reader thread fills batches of parsed entries while the caller folds the previous ones. Batches
// and their messages are reused (a bounded pool), so the steady state allocates only what
// protobuf's parsing itself needs.
//
// Thread-safety: one consumer thread calls Next(); the stream owns its reader thread and joins it
// in the destructor (stopping it early if the consumer stops first).
#ifndef EJOURNAL_LEDGER_ENTRY_STREAM_H_
#define EJOURNAL_LEDGER_ENTRY_STREAM_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "ledger/ledger.h"
#include "schemas/mutex.h"
#include "schemas/status.h"

namespace ejournal {

struct ParsedEntry {
  uint64_t sequence = 0;
  int64_t recorded_at_us = 0;
  v1::EventBody body;
};

class EntryStream {
 public:
  struct Options {
    size_t batch_entries = 512;  // entries a batch holds
    size_t batches = 8;          // batches in flight (the reader's lead over the consumer)
  };
  // Starts reading `ledger` from sequence `first` (the ledger must outlive the stream).
  EntryStream(const Ledger& ledger, uint64_t first, Options options);
  EntryStream(const Ledger& ledger, uint64_t first) : EntryStream(ledger, first, Options{}) {}
  EntryStream(const EntryStream&) = delete;
  EntryStream& operator=(const EntryStream&) = delete;
  ~EntryStream();

  // The next entries in sequence order, valid until the next call; empty at the end of the
  // ledger. An error (kDataLoss naming the entry) if an entry could not be read or parsed; the
  // entries before it were all returned first.
  Result<std::span<const ParsedEntry>> Next();

 private:
  struct Batch {
    std::vector<ParsedEntry> entries;
    size_t size = 0;
  };
  void Run(const Ledger& ledger, uint64_t first);
  // Waits for a free batch (null if the consumer stopped).
  Batch* TakeFree() ABSL_LOCKS_EXCLUDED(mu_);

  const Options options_;
  std::vector<std::unique_ptr<Batch>> pool_;
  Mutex mu_;
  std::condition_variable cv_;
  std::vector<Batch*> free_ ABSL_GUARDED_BY(mu_);
  std::deque<Batch*> full_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;  // the reader has finished (see error_)
  bool stop_ ABSL_GUARDED_BY(mu_) = false;  // the consumer is gone
  Status error_ ABSL_GUARDED_BY(mu_);
  Batch* current_ = nullptr;  // the consumer's batch (handed back to free_ under mu_)
  std::thread reader_;
};

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_ENTRY_STREAM_H_
