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

std::string EncodeBigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t DecodeBigEndian64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

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
