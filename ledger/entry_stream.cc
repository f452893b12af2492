#include "ledger/entry_stream.h"

#include <string>

#include "ejournal/v1/ledger.pb.h"

namespace ejournal {

EntryStream::EntryStream(const Ledger& ledger, uint64_t first, Options options)
    : options_(options) {
  for (size_t i = 0; i < std::max<size_t>(options_.batches, 2); ++i) {
    auto batch = std::make_unique<Batch>();
    batch->entries.resize(std::max<size_t>(options_.batch_entries, 1));
    free_.push_back(batch.get());
    pool_.push_back(std::move(batch));
  }
  reader_ = std::thread([this, &ledger, first] { Run(ledger, first); });
}

EntryStream::~EntryStream() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  reader_.join();
}

EntryStream::Batch* EntryStream::TakeFree() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stop_ || !free_.empty(); });
  if (stop_) return nullptr;
  Batch* batch = free_.back();
  free_.pop_back();
  return batch;
}

void EntryStream::Run(const Ledger& ledger, uint64_t first) {
  v1::LedgerEntry entry;  // reused: its strings keep their capacity
  Batch* batch = TakeFree();
  Status failed;
  Status read = batch == nullptr
                    ? Status::Ok()
                    : ledger.ForEachEntry(first, [&](uint64_t seq, std::string_view bytes) {
                        ParsedEntry& out = batch->entries[batch->size];
                        if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
                            !out.body.ParseFromString(entry.event().body())) {
                          failed = DataLoss("entry " + std::to_string(seq) + " does not parse");
                          return false;
                        }
                        out.sequence = seq;
                        out.recorded_at_us = entry.recorded_at_us();
                        if (++batch->size < batch->entries.size()) return true;
                        {
                          std::lock_guard lock(mu_);
                          full_.push_back(batch);
                        }
                        cv_.notify_all();
                        batch = TakeFree();
                        return batch != nullptr;
                      });
  std::lock_guard lock(mu_);
  if (batch != nullptr && batch->size > 0) full_.push_back(batch);
  error_ = !failed.ok() ? failed : read;
  done_ = true;
  cv_.notify_all();
}

Result<std::span<const ParsedEntry>> EntryStream::Next() {
  std::unique_lock lock(mu_);
  if (current_ != nullptr) {
    current_->size = 0;
    free_.push_back(current_);
    current_ = nullptr;
    cv_.notify_all();
  }
  cv_.wait(lock, [&] { return done_ || !full_.empty(); });
  if (!full_.empty()) {
    current_ = full_.front();
    full_.pop_front();
    return std::span<const ParsedEntry>(current_->entries.data(), current_->size);
  }
  if (!error_.ok()) return Err(error_);
  return std::span<const ParsedEntry>();
}

}  // namespace ejournal
