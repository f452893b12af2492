#include "ledger/entry_stream.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <string>
#include <string_view>

namespace ejournal {
namespace {

using google::protobuf::internal::WireFormatLite;

// The two fields of a stored ejournal.v1.LedgerEntry that a replay needs, read in place:
// recorded_at_us (2) and event (3).body (1). Parsing the whole LedgerEntry copied the body, the
// signature and the credential id into strings and freed and allocated its SignedEvent again for
// every entry: a quarter of the reading thread's instructions (docs/BENCHMARKS.md). The
// wire format is checked as protobuf's parser checks it (tags, lengths, every field skipped
// whole; the last occurrence of a field wins), except that the fields not read here are not
// decoded (the credential id's UTF-8): the body is parsed in full by the caller. False if the
// bytes are not a well-formed message.
bool ReadLedgerEntry(std::string_view bytes, int64_t* recorded_at_us, std::string_view* body) {
  constexpr uint32_t kRecordedAt =
      WireFormatLite::MakeTag(2, WireFormatLite::WIRETYPE_VARINT);  // LedgerEntry.recorded_at_us
  constexpr uint32_t kEvent =
      WireFormatLite::MakeTag(3, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);  // LedgerEntry.event
  constexpr uint32_t kBody =
      WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);  // SignedEvent.body
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  *recorded_at_us = 0;
  *body = {};
  // The remaining bytes of `in` as a view (the whole entry is one flat buffer).
  auto rest = [&in]() -> std::string_view {
    const void* data = nullptr;
    int size = 0;
    if (!in.GetDirectBufferPointer(&data, &size)) return {};
    return {static_cast<const char*>(data), static_cast<size_t>(size)};
  };
  while (const uint32_t tag = in.ReadTag()) {
    if (tag == kRecordedAt) {
      uint64_t v = 0;
      if (!in.ReadVarint64(&v)) return false;
      *recorded_at_us = static_cast<int64_t>(v);
    } else if (tag == kEvent) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return false;
      const auto limit = in.PushLimit(static_cast<int>(length));
      while (const uint32_t inner = in.ReadTag()) {
        if (inner == kBody) {
          uint32_t size = 0;
          if (!in.ReadVarint32(&size)) return false;
          const std::string_view data = rest();
          if (data.size() < size || !in.Skip(static_cast<int>(size))) return false;
          *body = data.substr(0, size);
        } else if (!WireFormatLite::SkipField(&in, inner)) {
          return false;
        }
      }
      if (!in.ConsumedEntireMessage()) return false;
      in.PopLimit(limit);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return false;
    }
  }
  return in.ConsumedEntireMessage();
}

}  // namespace

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
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.notify_all();
  reader_.join();
}

EntryStream::Batch* EntryStream::TakeFree() {
  UniqueLock lock(&mu_);
  lock.Wait(cv_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !free_.empty(); });
  if (stop_) return nullptr;
  Batch* batch = free_.back();
  free_.pop_back();
  return batch;
}

void EntryStream::Run(const Ledger& ledger, uint64_t first) {
  Batch* batch = TakeFree();
  Status failed;
  Status read = batch == nullptr
                    ? Status::Ok()
                    : ledger.ForEachEntry(first, [&](uint64_t seq, std::string_view bytes) {
                        ParsedEntry& out = batch->entries[batch->size];
                        std::string_view body;
                        if (!ReadLedgerEntry(bytes, &out.recorded_at_us, &body) ||
                            !out.body.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
                          failed = DataLoss("entry " + std::to_string(seq) + " does not parse");
                          return false;
                        }
                        out.sequence = seq;
                        if (++batch->size < batch->entries.size()) return true;
                        {
                          MutexLock lock(&mu_);
                          full_.push_back(batch);
                        }
                        cv_.notify_all();
                        batch = TakeFree();
                        return batch != nullptr;
                      });
  MutexLock lock(&mu_);
  if (batch != nullptr && batch->size > 0) full_.push_back(batch);
  error_ = !failed.ok() ? failed : read;
  done_ = true;
  cv_.notify_all();
}

Result<std::span<const ParsedEntry>> EntryStream::Next() {
  UniqueLock lock(&mu_);
  if (current_ != nullptr) {
    current_->size = 0;
    free_.push_back(current_);
    current_ = nullptr;
    cv_.notify_all();
  }
  lock.Wait(cv_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done_ || !full_.empty(); });
  if (!full_.empty()) {
    current_ = full_.front();
    full_.pop_front();
    return std::span<const ParsedEntry>(current_->entries.data(), current_->size);
  }
  if (!error_.ok()) return Err(error_);
  return std::span<const ParsedEntry>();
}

}  // namespace ejournal
