// Backups of a ledger (the second carrier, DOMAIN.md "Archive and paper"; docs/OPERATIONS.md):
// RocksDB's BackupEngine copies the live database, every column family (entries, tree, checkpoints,
// views) and the write-ahead log, while the writer keeps appending. A backup is consistent: the
// entries and the views of one group commit are in one WriteBatch, and the restored database
// recovers to the last whole batch the copied log holds. Later backups share unchanged files.
//
// Thread-safety: CreateBackup may run on any thread while the ledger appends; the functions on a
// backup directory must not run at the same time on the same directory.
#ifndef EJOURNAL_LEDGER_BACKUP_H_
#define EJOURNAL_LEDGER_BACKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "schemas/status.h"

namespace ejournal::backup {

struct BackupInfo {
  uint32_t id = 0;
  int64_t timestamp = 0;     // seconds since the Unix epoch
  uint64_t bytes = 0;        // payload of the files it references
  uint64_t ledger_size = 0;  // the ledger's size when the backup started (at least this many)
};

// Backs up `ledger` into `backup_dir` (created if missing); keeps the newest `keep` backups
// (0: all). IoError if the disk says no.
[[nodiscard]] Result<BackupInfo> CreateBackup(const Ledger& ledger, const std::string& backup_dir,
                                              uint32_t keep = 0);

// The backups in `backup_dir`, oldest first.
[[nodiscard]] Result<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir);

// Checks every file of every backup against its recorded size and checksum.
[[nodiscard]] Status VerifyBackups(const std::string& backup_dir);

// Restores backup `id` (0: the newest) into `ledger_path`, which must not hold a database yet.
[[nodiscard]] Result<BackupInfo> RestoreBackup(const std::string& backup_dir,
                                               const std::string& ledger_path, uint32_t id = 0);

}  // namespace ejournal::backup

#endif  // EJOURNAL_LEDGER_BACKUP_H_
