// Big-endian fixed-width unsigned integers, the one codec of the project's binary layouts: the
// ledger's and the views' RocksDB keys and positions (big-endian, so that RocksDB's bytewise order
// is numeric order), the archive's files and the signed notes' key ids.
#ifndef EJOURNAL_SCHEMAS_BIG_ENDIAN_H_
#define EJOURNAL_SCHEMAS_BIG_ENDIAN_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace ejournal {

// The low `bytes` (1..8) bytes of `v`, most significant first, appended to `out`.
inline void AppendBigEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// `v` as 8 bytes, most significant first.
inline std::string EncodeBigEndian64(uint64_t v) {
  std::string out;
  out.reserve(8);
  AppendBigEndian(out, v, 8);
  return out;
}

// The first min(`in.size()`, `bytes`) bytes of `in` as a big-endian number.
inline uint64_t DecodeBigEndian(std::string_view in, int bytes = 8) {
  uint64_t v = 0;
  for (size_t i = 0; i < in.size() && i < static_cast<size_t>(bytes); ++i) {
    v = (v << 8) | static_cast<uint8_t>(in[i]);
  }
  return v;
}

}  // namespace ejournal

#endif  // EJOURNAL_SCHEMAS_BIG_ENDIAN_H_
