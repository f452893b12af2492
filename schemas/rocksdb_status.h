// The one conversion of a RocksDB status into ours, where RocksDB's errors enter our code:
// NotFound stays NotFound, Corruption is DataLoss (stored data failed its checks),
// InvalidArgument stays InvalidArgument, everything else is IoError. The message is
// "<what>: <RocksDB's message>". Header-only: only the code that uses RocksDB includes it.
#ifndef EJOURNAL_SCHEMAS_ROCKSDB_STATUS_H_
#define EJOURNAL_SCHEMAS_ROCKSDB_STATUS_H_

#include <rocksdb/status.h>

#include <string>
#include <string_view>

#include "schemas/status.h"

namespace ejournal {

inline Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string message = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return NotFound(std::move(message));
  if (s.IsCorruption()) return DataLoss(std::move(message));
  if (s.IsInvalidArgument()) return InvalidArgument(std::move(message));
  return IoError(std::move(message));
}

}  // namespace ejournal

#endif  // EJOURNAL_SCHEMAS_ROCKSDB_STATUS_H_
