// Reads of the ledger: entries, event ids, roots and proofs, checkpoints. Safe from any thread;
// they see entries up to size(), which the committer publishes after each durable write.
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "ledger/storage_format.h"
#include "schemas/rocksdb_status.h"

namespace ejournal {

using ledger_internal::ParseEventIdValue;

Result<std::string> Ledger::Entry(uint64_t sequence) const {
  if (sequence == 0 || sequence > size()) {
    return Err(NotFound("no entry " + std::to_string(sequence) + " (the ledger has " +
                        std::to_string(size()) + ")"));
  }
  std::string value;
  EJ_RETURN_IF_ERROR(FromRocks(
      db_->Get(rocksdb::ReadOptions(), cf_.entries, storage::EncodeBigEndian64(sequence), &value),
      "entry " + std::to_string(sequence)));
  return value;
}

Status Ledger::ForEachEntry(uint64_t first,
                            const std::function<bool(uint64_t, std::string_view)>& visit,
                            bool verify_checksums) const {
  const uint64_t last = size();
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.verify_checksums = verify_checksums;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_.entries));
  uint64_t expected = std::max<uint64_t>(first, 1);
  for (it->Seek(storage::EncodeBigEndian64(expected)); it->Valid() && expected <= last;
       it->Next(), ++expected) {
    uint64_t seq = storage::DecodeBigEndian64(std::string_view(it->key().data(), it->key().size()));
    if (seq != expected) {
      return DataLoss("entry " + std::to_string(expected) + " is missing (next stored is " +
                      std::to_string(seq) + ")");
    }
    if (!visit(seq, std::string_view(it->value().data(), it->value().size()))) {
      return Status::Ok();
    }
  }
  EJ_RETURN_IF_ERROR(FromRocks(it->status(), "reading entries"));
  if (expected <= last) return DataLoss("entry " + std::to_string(expected) + " is missing");
  return Status::Ok();
}

Result<uint64_t> Ledger::SequenceOf(std::string_view event_id) const {
  std::string value;
  EJ_RETURN_IF_ERROR(FromRocks(db_->Get(rocksdb::ReadOptions(), cf_.event_ids,
                                        rocksdb::Slice(event_id.data(), event_id.size()), &value),
                               "event id"));
  EJ_ASSIGN_OR_RETURN(auto record, ParseEventIdValue(value));
  return record.sequence;
}

Result<merkle::Hash> Ledger::Root(uint64_t tree_size) const {
  if (tree_size > size()) {
    return Err(InvalidArgument("tree size " + std::to_string(tree_size) +
                               " is larger than the ledger (" + std::to_string(size()) + ")"));
  }
  return merkle::Root(*node_source_, tree_size);
}

Result<std::vector<merkle::Hash>> Ledger::InclusionProof(uint64_t leaf_index,
                                                         uint64_t tree_size) const {
  if (tree_size > size()) {
    return Err(InvalidArgument("tree size " + std::to_string(tree_size) +
                               " is larger than the ledger (" + std::to_string(size()) + ")"));
  }
  return merkle::InclusionProof(*node_source_, leaf_index, tree_size);
}

Result<std::vector<merkle::Hash>> Ledger::ConsistencyProof(uint64_t size1, uint64_t size2) const {
  if (size2 > size()) {
    return Err(InvalidArgument("tree size " + std::to_string(size2) +
                               " is larger than the ledger (" + std::to_string(size()) + ")"));
  }
  return merkle::ConsistencyProof(*node_source_, size1, size2);
}

Result<std::string> Ledger::LatestCheckpoint() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_.checkpoints));
  it->SeekToLast();
  EJ_RETURN_IF_ERROR(FromRocks(it->status(), "reading checkpoints"));
  if (!it->Valid()) return Err(NotFound("no checkpoint has been written yet"));
  return it->value().ToString();
}

Status Ledger::StoreVerifiedCheckpoint(std::string_view signed_note) {
  if (options_.checkpoint_signer) {
    return FailedPrecondition("this ledger signs its own checkpoints; it stores no others");
  }
  auto text_end = signed_note.find("\n\n");
  if (text_end == std::string_view::npos) {
    return InvalidArgument("the checkpoint is not a signed note");
  }
  EJ_ASSIGN_OR_RETURN(auto checkpoint,
                      note::Checkpoint::Parse(signed_note.substr(0, text_end + 1)));
  const std::string where = "checkpoint at size " + std::to_string(checkpoint.size) + ": ";
  if (checkpoint.origin != origin_) {
    return FailedPrecondition(where + "names origin \"" + checkpoint.origin + "\"");
  }
  if (checkpoint.size == 0 || checkpoint.size > size()) {
    return FailedPrecondition(where + "the ledger has " + std::to_string(size()) + " entries");
  }
  EJ_ASSIGN_OR_RETURN(auto root, merkle::Root(*node_source_, checkpoint.size));
  if (root != checkpoint.root) return FailedPrecondition(where + "its root differs from ours");
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  return FromRocks(db_->Put(wo, cf_.checkpoints, storage::EncodeBigEndian64(checkpoint.size),
                            rocksdb::Slice(signed_note.data(), signed_note.size())),
                   "storing a checkpoint");
}

Status Ledger::ForEachCheckpoint(
    const std::function<bool(uint64_t, std::string_view)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_.checkpoints));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t size =
        storage::DecodeBigEndian64(std::string_view(it->key().data(), it->key().size()));
    if (!visit(size, std::string_view(it->value().data(), it->value().size()))) break;
  }
  return FromRocks(it->status(), "reading checkpoints");
}

}  // namespace ejournal
