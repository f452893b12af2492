#include "ledger/storage_format.h"

namespace ejournal::storage {
namespace {

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

}  // namespace

std::string EncodeLedgerEntry(uint64_t sequence, int64_t recorded_at_us,
                              std::string_view signed_event) {
  std::string out;
  out.reserve(signed_event.size() + 24);
  if (sequence != 0) {
    out.push_back(0x08);  // field 1, varint
    AppendVarint(out, sequence);
  }
  if (recorded_at_us != 0) {
    out.push_back(0x10);  // field 2, varint (int64: two's complement)
    AppendVarint(out, static_cast<uint64_t>(recorded_at_us));
  }
  out.push_back(0x1a);  // field 3, length-delimited
  AppendVarint(out, signed_event.size());
  out.append(signed_event);
  return out;
}

}  // namespace ejournal::storage
