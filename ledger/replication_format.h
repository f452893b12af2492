// The replication stream's message format (ledger/README.md, "Replication"): one ledger = one
// Kafka partition carrying, in sequence order, every entry and the checkpoints that cover them.
//
//   entry       key "<sequence>", value = the stored LedgerEntry bytes, exactly as in `entries`
//               headers ej-kind=entry, ej-seq=<sequence>, ej-leaf=<hex SHA-256(0x00 || value)>
//   checkpoint  key "<tree size>", value = the signed note (C2SP tlog-checkpoint) as stored
//               headers ej-kind=checkpoint, ej-seq=<tree size>
//
// A checkpoint of size S always follows entry S in the partition (possibly after later entries).
// After a writer restart the stream may repeat entries and checkpoints it already carried: a
// consumer dedupes by sequence (a repeated entry must be byte-identical to the first one).
//
// Pure data, no Kafka client here: shared by the relay, the replica and the tests.
#ifndef EJOURNAL_LEDGER_REPLICATION_FORMAT_H_
#define EJOURNAL_LEDGER_REPLICATION_FORMAT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schemas/status.h"

namespace ejournal::replication {

inline constexpr char kHeaderKind[] = "ej-kind";
inline constexpr char kHeaderSequence[] = "ej-seq";
inline constexpr char kHeaderLeaf[] = "ej-leaf";
inline constexpr char kKindEntry[] = "entry";
inline constexpr char kKindCheckpoint[] = "checkpoint";

enum class MessageKind { kEntry, kCheckpoint };

// One message of the stream, as produced and as consumed.
struct Message {
  MessageKind kind = MessageKind::kEntry;
  uint64_t sequence = 0;  // the entry's sequence, or the checkpoint's tree size
  std::string leaf_hex;   // entries only
  std::string key;
  std::string value;

  // The Kafka headers, in order: (name, value).
  std::vector<std::pair<std::string, std::string>> Headers() const;
};

Message EntryMessage(uint64_t sequence, std::string_view entry_bytes);
Message CheckpointMessage(uint64_t tree_size, std::string_view signed_note);

// Rebuilds a Message from what a consumer received: `header` returns a header's last value (or
// nullopt). InvalidArgument naming the header that is missing or malformed.
[[nodiscard]] Result<Message> ParseMessage(
    std::string_view key, std::string_view value,
    const std::function<std::optional<std::string>(const char*)>& header);

}  // namespace ejournal::replication

#endif  // EJOURNAL_LEDGER_REPLICATION_FORMAT_H_
