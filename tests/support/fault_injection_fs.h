// A RocksDB FileSystem that fails on command: fsync errors, a full disk, and a power cut that
// loses every byte not yet synced (the file-system seam of LedgerOptions::file_system).
// Thread-safe; the faults apply to every writable file opened through it.
#ifndef EJOURNAL_TESTS_SUPPORT_FAULT_INJECTION_FS_H_
#define EJOURNAL_TESTS_SUPPORT_FAULT_INJECTION_FS_H_

#include <rocksdb/file_system.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace ejournal::testing {

class FaultInjectionFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FaultInjectionFileSystem();

  static const char* kClassName() { return "EjournalFaultInjectionFileSystem"; }
  const char* Name() const override { return kClassName(); }

  // Every Sync/Fsync fails with an I/O error while set.
  void SetSyncFails(bool fails) { sync_fails_.store(fails); }
  // Every Append fails with "no space left" while set.
  void SetDiskFull(bool full) { disk_full_.store(full); }
  // How many syncs succeeded (to see that group commit really syncs).
  uint64_t syncs() const { return syncs_.load(); }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname,
                                       const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  // After the power cut these answer OK and change nothing on the disk.
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& dirname, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;

  // The power cut: from now on nothing written or synced through this file system reaches the
  // disk (writes and syncs answer OK and do nothing, as if the process kept running in a dream).
  // Nor does any change to the directory: deleting, renaming or linking a file answers OK and
  // leaves the disk as it was, and a file created after the cut is gone after DropUnsyncedData.
  // (Letting those through would model a disk that kept a deletion the process made after it
  // died: RocksDB deletes a compaction's inputs once it believes the MANIFEST names the output.)
  void CutPower() { power_cut_.store(true); }
  // Cuts the power at the first append to a file whose name contains `name_part` (e.g.
  // "MANIFEST": between a compaction's synced output and the record that installs it); that
  // append is lost with the power.
  void CutPowerAtFirstAppendTo(std::string name_part);
  // After the database is closed: truncates every file written through this file system to the
  // bytes that were synced before the power cut. Returns how many bytes were dropped.
  uint64_t DropUnsyncedData();

  bool sync_fails() const { return sync_fails_.load(); }
  bool power_cut() const { return power_cut_.load(); }
  // Called by a file before each append: cuts the power if an armed cut names `path`.
  void BeforeAppend(const std::string& path);
  void Appended(const std::string& path, uint64_t bytes);
  void Synced(const std::string& path);
  void Opened(const std::string& path, uint64_t size);
  bool disk_full() const { return disk_full_.load(); }
  void CountSync() { syncs_.fetch_add(1); }

 private:
  void Wrap(const std::string& path, std::unique_ptr<rocksdb::FSWritableFile>* result);

  std::atomic<bool> sync_fails_{false};
  std::atomic<bool> disk_full_{false};
  std::atomic<uint64_t> syncs_{0};
  std::atomic<bool> power_cut_{false};

  struct FileState {
    uint64_t written = 0;
    uint64_t synced = 0;
    bool created_after_cut = false;  // never on the disk: removed by DropUnsyncedData
  };
  std::mutex mu_;
  std::map<std::string, FileState> files_;  // guarded by mu_
  std::string cut_at_append_to_;            // guarded by mu_; "" when no cut is armed
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_FAULT_INJECTION_FS_H_
