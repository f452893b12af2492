#include "ledger/backup.h"

#include <rocksdb/env.h>
#include <rocksdb/utilities/backup_engine.h>

#include <filesystem>
#include <memory>

#include "schemas/rocksdb_status.h"

namespace ejournal::backup {
namespace {

BackupInfo InfoOf(const rocksdb::BackupInfo& b) {
  BackupInfo info{.id = b.backup_id, .timestamp = b.timestamp, .bytes = b.size, .ledger_size = 0};
  if (b.app_metadata.starts_with("ledger-size ")) {
    info.ledger_size = std::strtoull(b.app_metadata.c_str() + 12, nullptr, 10);
  }
  return info;
}

Result<std::unique_ptr<rocksdb::BackupEngineReadOnly>> OpenReadOnly(const std::string& dir) {
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  EJ_RETURN_IF_ERROR(
      FromRocks(rocksdb::BackupEngineReadOnly::Open(rocksdb::Env::Default(),
                                                    rocksdb::BackupEngineOptions(dir), &raw),
                "opening the backup directory " + dir));
  return std::unique_ptr<rocksdb::BackupEngineReadOnly>(raw);
}

}  // namespace

Result<BackupInfo> CreateBackup(const Ledger& ledger, const std::string& backup_dir,
                                uint32_t keep) {
  std::error_code ec;
  std::filesystem::create_directories(backup_dir, ec);
  if (ec) return Err(IoError("cannot create " + backup_dir + ": " + ec.message()));
  rocksdb::BackupEngine* raw = nullptr;
  EJ_RETURN_IF_ERROR(
      FromRocks(rocksdb::BackupEngine::Open(rocksdb::Env::Default(),
                                            rocksdb::BackupEngineOptions(backup_dir), &raw),
                "opening the backup directory " + backup_dir));
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  // The write-ahead log is copied too (no flush first): the column families stay consistent with
  // each other, batch by batch.
  rocksdb::CreateBackupOptions options;
  options.flush_before_backup = false;
  const uint64_t size = ledger.size();
  rocksdb::BackupID id = 0;
  EJ_RETURN_IF_ERROR(
      FromRocks(engine->CreateNewBackupWithMetadata(options, ledger.db(),
                                                    "ledger-size " + std::to_string(size), &id),
                "backing up the ledger"));
  if (keep > 0) {
    EJ_RETURN_IF_ERROR(FromRocks(engine->PurgeOldBackups(keep), "purging old backups"));
  }
  rocksdb::BackupInfo info;
  EJ_RETURN_IF_ERROR(FromRocks(engine->GetBackupInfo(id, &info), "reading the new backup"));
  return InfoOf(info);
}

Result<std::vector<BackupInfo>> ListBackups(const std::string& backup_dir) {
  EJ_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                      OpenReadOnly(backup_dir));
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  std::vector<BackupInfo> out;
  for (const auto& b : infos) out.push_back(InfoOf(b));
  return out;
}

Status VerifyBackups(const std::string& backup_dir) {
  EJ_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                      OpenReadOnly(backup_dir));
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  if (infos.empty()) return NotFound("no backup in " + backup_dir);
  for (const auto& b : infos) {
    EJ_RETURN_IF_ERROR(FromRocks(engine->VerifyBackup(b.backup_id, /*verify_with_checksum=*/true),
                                 "backup " + std::to_string(b.backup_id)));
  }
  return Status::Ok();
}

Result<BackupInfo> RestoreBackup(const std::string& backup_dir, const std::string& ledger_path,
                                 uint32_t id) {
  if (std::filesystem::exists(ledger_path + "/CURRENT")) {
    return Err(AlreadyExists(ledger_path + " holds a database: restore into an empty directory"));
  }
  EJ_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                      OpenReadOnly(backup_dir));
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  if (infos.empty()) return Err(NotFound("no backup in " + backup_dir));
  const rocksdb::BackupInfo* chosen = &infos.back();
  for (const auto& b : infos) {
    if (b.backup_id == id) chosen = &b;
  }
  if (id != 0 && chosen->backup_id != id) {
    return Err(NotFound("no backup " + std::to_string(id) + " in " + backup_dir));
  }
  std::error_code ec;
  std::filesystem::create_directories(ledger_path, ec);
  if (ec) return Err(IoError("cannot create " + ledger_path + ": " + ec.message()));
  EJ_RETURN_IF_ERROR(
      FromRocks(engine->RestoreDBFromBackup(chosen->backup_id, ledger_path, ledger_path),
                "restoring backup " + std::to_string(chosen->backup_id)));
  return InfoOf(*chosen);
}

}  // namespace ejournal::backup
