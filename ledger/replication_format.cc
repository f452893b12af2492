#include "ledger/replication_format.h"

#include <charconv>

#include "ledger/merkle.h"

namespace ejournal::replication {

std::vector<std::pair<std::string, std::string>> Message::Headers() const {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.emplace_back(kHeaderKind, kind == MessageKind::kEntry ? kKindEntry : kKindCheckpoint);
  headers.emplace_back(kHeaderSequence, std::to_string(sequence));
  if (kind == MessageKind::kEntry) headers.emplace_back(kHeaderLeaf, leaf_hex);
  return headers;
}

Message EntryMessage(uint64_t sequence, std::string_view entry_bytes) {
  return Message{.kind = MessageKind::kEntry,
                 .sequence = sequence,
                 .leaf_hex = merkle::ToHex(merkle::LeafHash(entry_bytes)),
                 .key = std::to_string(sequence),
                 .value = std::string(entry_bytes)};
}

Message CheckpointMessage(uint64_t tree_size, std::string_view signed_note) {
  return Message{.kind = MessageKind::kCheckpoint,
                 .sequence = tree_size,
                 .leaf_hex = {},
                 .key = std::to_string(tree_size),
                 .value = std::string(signed_note)};
}

Result<Message> ParseMessage(std::string_view key, std::string_view value,
                             const std::function<std::optional<std::string>(const char*)>& header) {
  Message m;
  auto kind = header(kHeaderKind);
  if (!kind) return Err(InvalidArgument("no ej-kind header"));
  if (*kind == kKindEntry) {
    m.kind = MessageKind::kEntry;
  } else if (*kind == kKindCheckpoint) {
    m.kind = MessageKind::kCheckpoint;
  } else {
    return Err(InvalidArgument("unknown ej-kind \"" + *kind + "\""));
  }
  auto seq = header(kHeaderSequence);
  if (!seq) return Err(InvalidArgument("no ej-seq header"));
  const char* end = seq->data() + seq->size();
  auto [ptr, ec] = std::from_chars(seq->data(), end, m.sequence);
  if (ec != std::errc() || ptr != end || m.sequence == 0) {
    return Err(InvalidArgument("ej-seq \"" + *seq + "\" is not a sequence number"));
  }
  if (m.kind == MessageKind::kEntry) {
    auto leaf = header(kHeaderLeaf);
    if (!leaf) return Err(InvalidArgument("no ej-leaf header"));
    m.leaf_hex = std::move(*leaf);
  }
  m.key = std::string(key);
  m.value = std::string(value);
  return m;
}

}  // namespace ejournal::replication
