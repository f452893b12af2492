// Byte layouts of the ledger's RocksDB keys and of a LedgerEntry as stored (see ledger/README.md).
#ifndef EJOURNAL_LEDGER_STORAGE_FORMAT_H_
#define EJOURNAL_LEDGER_STORAGE_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "schemas/big_endian.h"

namespace ejournal::storage {

// Keys and positions are big-endian (schemas/big_endian.h): RocksDB's bytewise order is numeric.
using ::ejournal::DecodeBigEndian;
using ::ejournal::EncodeBigEndian64;
inline uint64_t DecodeBigEndian64(std::string_view in) { return DecodeBigEndian(in, 8); }

// The canonical protobuf encoding of ejournal.v1.LedgerEntry {sequence, recorded_at_us, event},
// with `signed_event` (a serialised SignedEvent) embedded byte for byte as field 3, exactly as
// received. Equal to what protobuf's serializer produces for canonical input.
std::string EncodeLedgerEntry(uint64_t sequence, int64_t recorded_at_us,
                              std::string_view signed_event);

}  // namespace ejournal::storage

#endif  // EJOURNAL_LEDGER_STORAGE_FORMAT_H_
