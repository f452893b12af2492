// Byte layouts of the ledger's RocksDB keys and of a LedgerEntry as stored (see ledger/README.md).
#ifndef EJOURNAL_LEDGER_STORAGE_FORMAT_H_
#define EJOURNAL_LEDGER_STORAGE_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace ejournal::storage {

// Big-endian so that RocksDB's bytewise order is numeric order.
std::string EncodeBigEndian64(uint64_t v);
// Precondition: in.size() >= 8 (reads the first 8 bytes).
uint64_t DecodeBigEndian64(std::string_view in);

// The canonical protobuf encoding of ejournal.v1.LedgerEntry {sequence, recorded_at_us, event},
// with `signed_event` (a serialised SignedEvent) embedded byte for byte as field 3, exactly as
// received. Equal to what protobuf's serializer produces for canonical input.
std::string EncodeLedgerEntry(uint64_t sequence, int64_t recorded_at_us,
                              std::string_view signed_event);

}  // namespace ejournal::storage

#endif  // EJOURNAL_LEDGER_STORAGE_FORMAT_H_
