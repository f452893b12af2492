#include "tests/support/fault_injection_fs.h"

#include <filesystem>

namespace ejournal::testing {
namespace {

class FaultyWritableFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWritableFile(std::unique_ptr<rocksdb::FSWritableFile> target, FaultInjectionFileSystem* fs,
                     std::string path)
      : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs), path_(std::move(path)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    fs_->BeforeAppend(path_);
    if (fs_->power_cut()) return rocksdb::IOStatus::OK();
    if (fs_->disk_full()) return rocksdb::IOStatus::NoSpace("injected: disk full");
    auto s = FSWritableFileOwnerWrapper::Append(data, options, dbg);
    if (s.ok()) fs_->Appended(path_, data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    fs_->BeforeAppend(path_);
    if (fs_->power_cut()) return rocksdb::IOStatus::OK();
    if (fs_->disk_full()) return rocksdb::IOStatus::NoSpace("injected: disk full");
    auto s = FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    if (s.ok()) fs_->Appended(path_, data.size());
    return s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (fs_->power_cut()) return rocksdb::IOStatus::OK();
    if (fs_->sync_fails()) return rocksdb::IOStatus::IOError("injected: fsync failed");
    fs_->CountSync();
    auto s = FSWritableFileOwnerWrapper::Sync(options, dbg);
    if (s.ok()) fs_->Synced(path_);
    return s;
  }
  rocksdb::IOStatus RangeSync(uint64_t, uint64_t, const rocksdb::IOOptions&,
                              rocksdb::IODebugContext*) override {
    // A partial sync is not counted as durable here (conservative): only Sync/Fsync are.
    return rocksdb::IOStatus::OK();
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (fs_->power_cut()) return rocksdb::IOStatus::OK();
    return FSWritableFileOwnerWrapper::Close(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (fs_->power_cut()) return rocksdb::IOStatus::OK();
    if (fs_->sync_fails()) return rocksdb::IOStatus::IOError("injected: fsync failed");
    fs_->CountSync();
    auto s = FSWritableFileOwnerWrapper::Fsync(options, dbg);
    if (s.ok()) fs_->Synced(path_);
    return s;
  }

 private:
  FaultInjectionFileSystem* const fs_;
  const std::string path_;
};

}  // namespace

FaultInjectionFileSystem::FaultInjectionFileSystem()
    : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

void FaultInjectionFileSystem::Wrap(const std::string& path,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result) {
  // The size on the disk: a reopened file's own count starts at 0 (RocksDB's posix file), and a
  // file reopened to be synced (an ingested table file, linked into the database) would then be
  // taken for unsynced and emptied by DropUnsyncedData.
  std::error_code ec;
  const auto on_disk = std::filesystem::file_size(path, ec);
  Opened(path, ec ? (*result)->GetFileSize(rocksdb::IOOptions(), nullptr) : on_disk);
  *result = std::make_unique<FaultyWritableFile>(std::move(*result), this, path);
}

void FaultInjectionFileSystem::Opened(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  // A reopened file keeps what it had; a new one starts empty and unsynced.
  auto [it, inserted] = files_.try_emplace(path);
  if (inserted) it->second = FileState{size, size, power_cut()};
}

void FaultInjectionFileSystem::CutPowerAtFirstAppendTo(std::string name_part) {
  std::lock_guard<std::mutex> lock(mu_);
  cut_at_append_to_ = std::move(name_part);
}

void FaultInjectionFileSystem::BeforeAppend(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cut_at_append_to_.empty()) return;
  if (std::filesystem::path(path).filename().string().find(cut_at_append_to_) ==
      std::string::npos) {
    return;
  }
  cut_at_append_to_.clear();
  power_cut_.store(true);
}

void FaultInjectionFileSystem::Appended(const std::string& path, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[path].written += bytes;
}

void FaultInjectionFileSystem::Synced(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& f = files_[path];
  f.synced = f.written;
}

uint64_t FaultInjectionFileSystem::DropUnsyncedData() {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t dropped = 0;
  for (const auto& [path, f] : files_) {
    std::error_code ec;
    if (f.created_after_cut) {  // the disk never saw it
      dropped += std::filesystem::file_size(path, ec);
      std::filesystem::remove(path, ec);
      continue;
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec || size <= f.synced) continue;  // deleted since, or nothing unsynced
    dropped += size - f.synced;
    std::filesystem::resize_file(path, f.synced, ec);
  }
  return dropped;
}

rocksdb::IOStatus FaultInjectionFileSystem::NewWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  auto s = target()->NewWritableFile(fname, options, result, dbg);
  if (s.ok()) Wrap(fname, result);
  return s;
}

rocksdb::IOStatus FaultInjectionFileSystem::ReopenWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  auto s = target()->ReopenWritableFile(fname, options, result, dbg);
  if (s.ok()) Wrap(fname, result);
  return s;
}

rocksdb::IOStatus FaultInjectionFileSystem::ReuseWritableFile(
    const std::string& fname, const std::string& old_fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  auto s = target()->ReuseWritableFile(fname, old_fname, options, result, dbg);
  if (s.ok()) Wrap(fname, result);
  return s;
}

rocksdb::IOStatus FaultInjectionFileSystem::DeleteFile(const std::string& fname,
                                                       const rocksdb::IOOptions& options,
                                                       rocksdb::IODebugContext* dbg) {
  if (power_cut()) return rocksdb::IOStatus::OK();
  return target()->DeleteFile(fname, options, dbg);
}

rocksdb::IOStatus FaultInjectionFileSystem::RenameFile(const std::string& src,
                                                       const std::string& target_name,
                                                       const rocksdb::IOOptions& options,
                                                       rocksdb::IODebugContext* dbg) {
  if (power_cut()) return rocksdb::IOStatus::OK();
  return target()->RenameFile(src, target_name, options, dbg);
}

rocksdb::IOStatus FaultInjectionFileSystem::LinkFile(const std::string& src,
                                                     const std::string& target_name,
                                                     const rocksdb::IOOptions& options,
                                                     rocksdb::IODebugContext* dbg) {
  if (power_cut()) return rocksdb::IOStatus::OK();
  return target()->LinkFile(src, target_name, options, dbg);
}

rocksdb::IOStatus FaultInjectionFileSystem::Truncate(const std::string& fname, size_t size,
                                                     const rocksdb::IOOptions& options,
                                                     rocksdb::IODebugContext* dbg) {
  if (power_cut()) return rocksdb::IOStatus::OK();
  return target()->Truncate(fname, size, options, dbg);
}

rocksdb::IOStatus FaultInjectionFileSystem::DeleteDir(const std::string& dirname,
                                                      const rocksdb::IOOptions& options,
                                                      rocksdb::IODebugContext* dbg) {
  if (power_cut()) return rocksdb::IOStatus::OK();
  return target()->DeleteDir(dirname, options, dbg);
}

}  // namespace ejournal::testing
