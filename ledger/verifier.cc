#include "ledger/verifier.h"

#include <atomic>
#include <span>
#include <thread>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/credentials.h"
#include "ledger/event_codec.h"
#include "ledger/signed_note.h"

namespace ejournal {
namespace {

constexpr size_t kChunk = 4096;

std::string At(uint64_t seq) { return "entry " + std::to_string(seq) + ": "; }

struct PendingSignature {
  uint64_t sequence;
  DecodedEvent event;
  crypto::PublicKey key;
};

struct StoredCheckpoint {
  uint64_t size;
  note::Checkpoint checkpoint;
};

// The first (lowest-sequence) error among several candidates.
class FirstError {
 public:
  void Offer(uint64_t seq, Status st) {
    if (!st.ok() && (status_.ok() || seq < seq_)) {
      seq_ = seq;
      status_ = std::move(st);
    }
  }
  bool has() const { return !status_.ok(); }
  const Status& status() const { return status_; }

 private:
  uint64_t seq_ = 0;
  Status status_;
};

// Verifies the chunk's signatures on `threads` threads and its tree nodes with one batched read.
void FlushChunk(const Ledger& ledger, int threads, std::vector<PendingSignature>& signatures,
                std::vector<std::pair<merkle::NodeId, merkle::Hash>>& nodes, FirstError& first,
                uint64_t& signature_count) {
  std::vector<Status> results(signatures.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < signatures.size(); i = next.fetch_add(1)) {
      results[i] = VerifyEventSignature(signatures[i].event, signatures[i].key);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  for (size_t i = 0; i < signatures.size(); ++i) {
    first.Offer(signatures[i].sequence,
                results[i].ok()
                    ? Status::Ok()
                    : Status(results[i].code(), At(signatures[i].sequence) + results[i].message(),
                             results[i].rule()));
  }
  // Each event enters once: the idempotency index must point back at this very entry. (After the
  // signatures, so that an altered entry is reported as altered rather than as unindexed.)
  for (size_t i = 0; i < signatures.size(); ++i) {
    if (!results[i].ok()) continue;
    const uint64_t seq = signatures[i].sequence;
    const std::string& id = signatures[i].event.body.event_id();
    auto indexed = ledger.SequenceOf(id);
    if (!indexed || *indexed != seq) {
      first.Offer(seq, DataLoss(At(seq) + "event id " + id +
                                (indexed ? " is indexed at entry " + std::to_string(*indexed) +
                                               " (a duplicated or replayed event)"
                                         : " is missing from the event-id index")));
    }
  }
  signature_count += signatures.size();
  signatures.clear();

  if (nodes.empty()) return;
  std::vector<merkle::NodeId> ids;
  ids.reserve(nodes.size());
  for (const auto& [id, hash] : nodes) ids.push_back(id);
  auto stored = ledger.nodes().Nodes(ids);
  if (!stored) {
    // Name the nodes that cannot be read, one by one (rare: only a damaged store gets here).
    for (const auto& id : ids) {
      auto one = ledger.nodes().Nodes(std::span<const merkle::NodeId>(&id, 1));
      if (one) continue;
      const uint64_t first_leaf = id.index << id.level;
      const uint64_t last_leaf = ((id.index + 1) << id.level) - 1;
      const std::string node = "tree node level " + std::to_string(id.level) + " index " +
                               std::to_string(id.index) +
                               (id.level == 0 ? " (entry " + std::to_string(first_leaf + 1) + ")"
                                              : " (entries " + std::to_string(first_leaf + 1) +
                                                    ".." + std::to_string(last_leaf + 1) + ")");
      first.Offer(last_leaf + 1,
                  one.error().code() == StatusCode::kNotFound
                      ? DataLoss(At(last_leaf + 1) + node + " is missing")
                      : one.error().WithContext(At(last_leaf + 1) + "reading " + node));
    }
    // The batch failed but every node alone could be read: report the batch's error.
    if (!first.has()) first.Offer(ids.front().index << ids.front().level, stored.error());
  } else {
    for (size_t i = 0; i < ids.size(); ++i) {
      if ((*stored)[i] == nodes[i].second) continue;
      const auto& id = ids[i];
      const uint64_t first_leaf = id.index << id.level;
      const uint64_t last_leaf = ((id.index + 1) << id.level) - 1;
      if (id.level == 0) {
        first.Offer(first_leaf + 1,
                    DataLoss(At(first_leaf + 1) +
                             "its stored bytes do not match the tree: the leaf hash differs from "
                             "the one recorded when it was appended (the entry was altered)"));
      } else {
        first.Offer(last_leaf + 1,
                    DataLoss("tree node level " + std::to_string(id.level) + " index " +
                             std::to_string(id.index) + " (entries " +
                             std::to_string(first_leaf + 1) + ".." + std::to_string(last_leaf + 1) +
                             ") does not match the hash of its children"));
      }
    }
  }
  nodes.clear();
}

}  // namespace

Result<NodeKey> ParseNodeVerifierKey(std::string_view vkey) {
  auto p1 = vkey.find('+');
  auto p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {
    return Err(InvalidArgument("not a verifier key (name+keyid+key)"));
  }
  std::string hex(vkey.substr(p1 + 1, p2 - p1 - 1));
  if (hex.size() != 8 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    return Err(InvalidArgument("the verifier key id must be 8 hex digits"));
  }
  EJ_ASSIGN_OR_RETURN(std::string raw, crypto::Base64Decode(vkey.substr(p2 + 1)));
  if (raw.size() != 33 || raw[0] != 0x01) {
    return Err(InvalidArgument("the verifier key is not an Ed25519 key (type 0x01, 32 bytes)"));
  }
  EJ_ASSIGN_OR_RETURN(auto key,
                      crypto::PublicKey::FromRaw(crypto::KeyType::kEd25519, raw.substr(1)));
  return NodeKey{.name = std::string(vkey.substr(0, p1)),
                 .key_id = static_cast<uint32_t>(std::stoul(hex, nullptr, 16)),
                 .key = std::move(key)};
}

Result<VerifyReport> VerifyLedger(const Ledger& ledger, const VerifyOptions& options) {
  EJ_ASSIGN_OR_RETURN(NodeKey node, ParseNodeVerifierKey(options.node_verifier_key));
  EJ_ASSIGN_OR_RETURN(note::NoteVerifier note_verifier,
                      note::NoteVerifier::FromVerifierKey(options.node_verifier_key));
  CredentialRegistry registry(CredentialRegistry::KeyParsing::kAtApply);  // unadmitted data
  registry.AddNode(NodeCredentialId(node.key_id), node.key);

  const uint64_t total = ledger.size();
  VerifyReport report;

  // Checkpoints: signed by the node, this ledger's origin, within the ledger.
  std::vector<StoredCheckpoint> checkpoints;
  Status cp_status;
  EJ_RETURN_IF_ERROR(ledger.ForEachCheckpoint([&](uint64_t size, std::string_view text) {
    const std::string where = "checkpoint at size " + std::to_string(size) + ": ";
    auto opened = note_verifier.Open(text);
    if (!opened) {
      cp_status = Status(opened.error().code(), where + opened.error().message());
      return false;
    }
    auto cp = note::Checkpoint::Parse(*opened);
    if (!cp) {
      cp_status = DataLoss(where + cp.error().message());
      return false;
    }
    if (cp->origin != ledger.origin()) {
      cp_status =
          DataLoss(where + "names origin \"" + cp->origin + "\", not \"" + ledger.origin() + "\"");
      return false;
    }
    if (cp->size != size || size > total || size == 0) {
      cp_status = DataLoss(where + "claims " + std::to_string(cp->size) +
                           " entries; the ledger has " + std::to_string(total));
      return false;
    }
    checkpoints.push_back({size, std::move(*cp)});
    return true;
  }));
  EJ_RETURN_IF_ERROR(cp_status);

  merkle::CompactRange range;
  size_t next_checkpoint = 0;
  int64_t last_recorded_at = 0;
  FirstError first;
  std::vector<PendingSignature> signatures;
  std::vector<std::pair<merkle::NodeId, merkle::Hash>> nodes;
  DecodeLimits unlimited{.max_event_bytes = SIZE_MAX};

  Status scan = ledger.ForEachEntry(
      1,
      [&](uint64_t seq, std::string_view bytes) {
        v1::LedgerEntry entry;
        if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          first.Offer(seq, DataLoss(At(seq) + "its bytes do not parse as a LedgerEntry"));
          return false;
        }
        if (entry.sequence() != seq) {
          first.Offer(
              seq, DataLoss(At(seq) + "it carries sequence " + std::to_string(entry.sequence())));
          return false;
        }
        if (entry.recorded_at_us() < last_recorded_at) {
          first.Offer(seq, DataLoss(At(seq) + "its recorded-at time is earlier than entry " +
                                    std::to_string(seq - 1) + "'s"));
          return false;
        }
        last_recorded_at = entry.recorded_at_us();
        auto decoded = DecodeSignedEvent(entry.event().SerializeAsString(), unlimited);
        if (!decoded) {
          // Stored bytes that no longer decode are damaged data, not a caller's invalid argument.
          const StatusCode code = decoded.error().code() == StatusCode::kUnauthenticated
                                      ? StatusCode::kUnauthenticated
                                      : StatusCode::kDataLoss;
          first.Offer(seq,
                      Status(code, At(seq) + decoded.error().message(), decoded.error().rule()));
          return false;
        }
        auto key = registry.Authorize(decoded->body.credential_id(), decoded->body.school_id(),
                                      decoded->body.actor_id(), entry.recorded_at_us());
        if (!key) {
          first.Offer(
              seq, Status(key.error().code(), At(seq) + key.error().message(), key.error().rule()));
          return false;
        }
        Status applied = registry.Apply(decoded->body, seq, entry.recorded_at_us());
        if (!applied.ok()) {
          first.Offer(seq, DataLoss(At(seq) + applied.message()));
          return false;
        }
        signatures.push_back({seq, std::move(*decoded), std::move(*key)});
        range.Append(merkle::LeafHash(bytes), [&](const merkle::NodeId& id, const merkle::Hash& h) {
          nodes.emplace_back(id, h);
        });
        while (next_checkpoint < checkpoints.size() &&
               checkpoints[next_checkpoint].size == range.size()) {
          if (checkpoints[next_checkpoint].checkpoint.root != range.Root()) {
            first.Offer(seq,
                        DataLoss("checkpoint at size " + std::to_string(range.size()) +
                                 ": its root differs from the root recomputed from the entries"));
            return false;
          }
          ++next_checkpoint;
          ++report.checkpoints;
        }
        if (signatures.size() >= kChunk) {
          FlushChunk(ledger, options.threads, signatures, nodes, first, report.signatures);
          if (first.has()) return false;
          if (options.progress) options.progress(seq, total);
        }
        report.entries = seq;
        return true;
      },
      /*verify_checksums=*/false);
  FlushChunk(ledger, options.threads, signatures, nodes, first, report.signatures);
  if (first.has()) return Err(first.status());
  EJ_RETURN_IF_ERROR(scan);
  if (report.entries != total) {
    return Err(DataLoss("the ledger claims " + std::to_string(total) + " entries but " +
                        std::to_string(report.entries) + " were read"));
  }
  if (options.progress) options.progress(total, total);
  report.root = range.Root();
  return report;
}

}  // namespace ejournal
