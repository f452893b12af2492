// Parts of Ledger shared by its source files (ledger.cc appends; ledger_tree.cc stores and reads
// the tree; ledger_read.cc reads entries, event ids and checkpoints). Not for other modules.
#ifndef EJOURNAL_LEDGER_LEDGER_INTERNAL_H_
#define EJOURNAL_LEDGER_LEDGER_INTERNAL_H_

#include <rocksdb/db.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/storage_format.h"

namespace ejournal::ledger_internal {

// The event-id index value: BE64 sequence || BE64 recorded-at || SHA-256(body).
inline std::string EventIdValue(uint64_t sequence, int64_t recorded_at_us,
                                const merkle::Hash& digest) {
  std::string v = storage::EncodeBigEndian64(sequence);
  v += storage::EncodeBigEndian64(static_cast<uint64_t>(recorded_at_us));
  v.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return v;
}

using EventIdRecord = Ledger::EventIdRecord;

inline Result<EventIdRecord> ParseEventIdValue(std::string_view v) {
  if (v.size() != 16 + 32) return Err(DataLoss("event-id index value has a wrong size"));
  EventIdRecord r{};
  r.sequence = storage::DecodeBigEndian64(v.substr(0, 8));
  r.recorded_at_us = static_cast<int64_t>(storage::DecodeBigEndian64(v.substr(8, 8)));
  std::copy(v.begin() + 16, v.end(), r.digest.begin());
  return r;
}

// The stored tree's nodes (column family `nodes`, in tiles: ledger/tree_tiles.h), read with one
// MultiGet per call; safe to call from several threads at once.
std::unique_ptr<merkle::NodeSource> MakeRocksNodeSource(rocksdb::DB* db,
                                                        rocksdb::ColumnFamilyHandle* nodes);

}  // namespace ejournal::ledger_internal

#endif  // EJOURNAL_LEDGER_LEDGER_INTERNAL_H_
