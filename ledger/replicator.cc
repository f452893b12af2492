#include "ledger/replicator.h"

#include <rocksdb/db.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "ledger/storage_format.h"
#include "schemas/rocksdb_status.h"

namespace ejournal {
namespace {

// Delivery-report opaques: entries (sequence << 1), checkpoints (size << 1 | 1).
uint64_t EntryOpaque(uint64_t seq) { return seq << 1; }
uint64_t CheckpointOpaque(uint64_t size) { return (size << 1) | 1; }

// How long the relay waits for the topic's metadata when its producer starts.
constexpr int kLearnLeaderTimeoutMs = 2000;

Result<uint64_t> ReadMeta(const Ledger& ledger, const char* key) {
  std::string value;
  rocksdb::Status s =
      ledger.db()->Get(rocksdb::ReadOptions(), ledger.column_families().meta, key, &value);
  if (s.IsNotFound()) return uint64_t{0};
  if (!s.ok()) return Err(FromRocks(s, std::string("reading meta ") + key));
  if (value.size() != 8) return Err(DataLoss(std::string("meta ") + key + " is not 8 bytes"));
  return storage::DecodeBigEndian64(value);
}

}  // namespace

Result<uint64_t> Replicator::StoredPosition(const Ledger& ledger) {
  return ReadMeta(ledger, kReplicatedUpToKey);
}

rocksdb::Status Replicator::WritePosition(Ledger& ledger, uint64_t confirmed, uint64_t checkpoint,
                                          bool sync) {
  rocksdb::WriteBatch batch;
  batch.Put(ledger.column_families().meta, kReplicatedUpToKey,
            storage::EncodeBigEndian64(confirmed));
  batch.Put(ledger.column_families().meta, kReplicatedCheckpointKey,
            storage::EncodeBigEndian64(checkpoint));
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return ledger.db()->Write(wo, &batch);
}

Status Replicator::MarkReplicated(Ledger& ledger, uint64_t up_to) {
  if (up_to > ledger.size()) {
    return InvalidArgument("replicator: position " + std::to_string(up_to) +
                           " is beyond the ledger (" + std::to_string(ledger.size()) + ")");
  }
  const rocksdb::Status s = WritePosition(ledger, up_to, up_to, /*sync=*/true);
  if (!s.ok()) return FromRocks(s, "storing the replication position");
  return Status::Ok();
}

Replicator::Replicator(Ledger* ledger, ReplicatorOptions options)
    : ledger_(ledger), options_(std::move(options)) {}

Result<std::unique_ptr<Replicator>> Replicator::Start(Ledger* ledger, ReplicatorOptions options) {
  if (ledger == nullptr) return Err(InvalidArgument("replicator: no ledger"));
  if (options.topic.empty()) return Err(InvalidArgument("replicator: no topic"));
  if (options.partition < 0) return Err(InvalidArgument("replicator: negative partition"));
  if (options.max_in_flight == 0 || options.read_chunk == 0) {
    return Err(InvalidArgument("replicator: max_in_flight and read_chunk must be > 0"));
  }
  for (const auto& [name, required] :
       {std::pair<std::string, std::string>{"enable.idempotence", "true"}, {"acks", "all"}}) {
    auto it = options.kafka.find(name);
    if (it != options.kafka.end() && it->second != required &&
        !(name == "acks" && it->second == "-1")) {
      return Err(InvalidArgument("replicator: " + name + " must be " + required));
    }
  }
  std::unique_ptr<Replicator> r(new Replicator(ledger, std::move(options)));
  EJ_ASSIGN_OR_RETURN(uint64_t confirmed, ReadMeta(*ledger, kReplicatedUpToKey));
  EJ_ASSIGN_OR_RETURN(uint64_t cp, ReadMeta(*ledger, kReplicatedCheckpointKey));
  if (confirmed > ledger->size()) {
    return Err(DataLoss("replicator: the stored position " + std::to_string(confirmed) +
                        " is beyond the ledger (" + std::to_string(ledger->size()) + ")"));
  }
  r->confirmed_ = confirmed;
  r->stored_ = confirmed;
  r->next_ = confirmed + 1;
  r->cp_confirmed_ = r->cp_cursor_ = r->stored_cp_ = cp;
  r->produced_ = confirmed;
  EJ_RETURN_IF_ERROR(r->NewProducer());
  spdlog::info("replicator {}: resuming topic {} partition {} after entry {}", ledger->origin(),
               r->options_.topic, r->options_.partition, confirmed);
  r->thread_ = std::thread([p = r.get()] { p->Run(); });
  return r;
}

Replicator::~Replicator() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (producer_) {
    // As a crash would: what is not confirmed is dropped (the stored position stays behind it).
    rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT |
                                        RD_KAFKA_PURGE_F_NON_BLOCKING);
    rd_kafka_poll(producer_.get(), 0);
    producer_.reset();
  }
}

Status Replicator::NewProducer() {
  const kafka::Properties base = {
      {"client.id", "ejournal-replicator"},
      {"linger.ms", "5"},
      {"queue.buffering.max.messages", std::to_string(options_.max_in_flight + 1000)},
      {"queue.buffering.max.kbytes", "1048576"},
      {"log_level", "4"},
  };
  kafka::Properties user = options_.kafka;
  user["enable.idempotence"] = "true";
  user["acks"] = "all";
  EJ_ASSIGN_OR_RETURN(kafka::Conf conf, kafka::MakeConf(base, user));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Replicator::OnDelivery);
  rd_kafka_conf_set_error_cb(conf.get(), &Replicator::OnError);
  rd_kafka_conf_set_opaque(conf.get(), this);
  EJ_ASSIGN_OR_RETURN(producer_, kafka::NewHandle(RD_KAFKA_PRODUCER, std::move(conf)));
  producers_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

void Replicator::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  static_cast<Replicator*>(opaque)->Delivered(reinterpret_cast<uintptr_t>(message->_private),
                                              message->err);
}

void Replicator::OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<Replicator*>(opaque);
  Status st = kafka::FromKafka(static_cast<rd_kafka_resp_err_t>(err), reason);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk, fatal, sizeof fatal);
    st = kafka::FromKafka(cause, std::string("fatal producer error: ") + fatal);
    self->fatal_ = true;  // error callbacks run inside rd_kafka_poll, on the relay thread
  }
  self->RecordError(st);
}

void Replicator::RecordError(const Status& status) {
  MutexLock lock(&mu_);
  if (last_error_ != status.message()) {
    spdlog::warn("replicator {}: {}", ledger_->origin(), status.ToString());
  }
  last_error_ = status.message();
}

// On the relay thread (inside rd_kafka_poll).
void Replicator::Delivered(uint64_t opaque, rd_kafka_resp_err_t err) {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  const bool is_checkpoint = (opaque & 1) != 0;
  const uint64_t n = opaque >> 1;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    rewind_ = true;
    RecordError(kafka::FromKafka(err, std::string("delivering ") +
                                          (is_checkpoint ? "checkpoint " : "entry ") +
                                          std::to_string(n)));
    return;
  }
  if (is_checkpoint) {
    cp_confirmed_ = std::max(cp_confirmed_, n);
    checkpoints_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  uint64_t confirmed = confirmed_.load(std::memory_order_relaxed);
  if (n <= confirmed) return;  // a repeat after a rewind
  delivered_.insert(n);
  while (!delivered_.empty() && *delivered_.begin() <= confirmed + 1) {
    confirmed = std::max(confirmed, *delivered_.begin());
    delivered_.erase(delivered_.begin());
  }
  confirmed_.store(confirmed, std::memory_order_relaxed);
}

void Replicator::StorePosition() {
  const uint64_t confirmed = confirmed_.load(std::memory_order_relaxed);
  if (confirmed == stored_ && cp_confirmed_ == stored_cp_) return;
  // Not synced: a position lost in a crash is an older one, which only repeats messages.
  rocksdb::Status s = WritePosition(*ledger_, confirmed, cp_confirmed_, /*sync=*/false);
  if (!s.ok()) {
    RecordError(FromRocks(s, "storing the replication position"));
    return;
  }
  stored_cp_ = cp_confirmed_;
  {
    MutexLock lock(&mu_);
    stored_.store(confirmed, std::memory_order_release);
  }
  confirmed_cv_.notify_all();
}

Status Replicator::WaitConfirmed(uint64_t sequence, std::chrono::milliseconds timeout) {
  UniqueLock lock(&mu_);
  if (lock.WaitFor(confirmed_cv_, timeout,
                   [&] { return stored_.load(std::memory_order_acquire) >= sequence; })) {
    return Status::Ok();
  }
  return Unavailable("replication reached entry " + std::to_string(stored_.load()) + ", not " +
                     std::to_string(sequence) +
                     (last_error_.empty() ? "" : " (last error: " + last_error_ + ")"));
}

ReplicatorStats Replicator::stats() const {
  ReplicatorStats s;
  s.ledger_size = ledger_->size();
  s.produced = produced_.load(std::memory_order_relaxed);
  s.confirmed = stored_.load(std::memory_order_acquire);
  s.lag = s.ledger_size > s.confirmed ? s.ledger_size - s.confirmed : 0;
  s.checkpoints = checkpoints_.load(std::memory_order_relaxed);
  s.in_flight = in_flight_.load(std::memory_order_relaxed);
  s.failures = failures_.load(std::memory_order_relaxed);
  s.rewinds = rewinds_.load(std::memory_order_relaxed);
  s.producers = producers_.load(std::memory_order_relaxed);
  MutexLock lock(&mu_);
  s.last_error = last_error_;
  return s;
}

Result<std::vector<Replicator::Checkpoint>> Replicator::ReadCheckpoints(uint64_t after,
                                                                        uint64_t up_to) const {
  std::vector<Checkpoint> out;
  if (up_to <= after) return out;
  std::unique_ptr<rocksdb::Iterator> it(
      ledger_->db()->NewIterator(rocksdb::ReadOptions(), ledger_->column_families().checkpoints));
  for (it->Seek(storage::EncodeBigEndian64(after + 1)); it->Valid(); it->Next()) {
    const uint64_t size =
        storage::DecodeBigEndian64(std::string_view(it->key().data(), it->key().size()));
    if (size > up_to) break;
    out.push_back({size, it->value().ToString()});
  }
  if (!it->status().ok()) return Err(FromRocks(it->status(), "reading checkpoints"));
  return out;
}

bool Replicator::ProduceOne(const replication::Message& message, uint64_t opaque) {
  rd_kafka_resp_err_t err =
      kafka::Produce(producer_.get(), options_.topic, options_.partition, message,
                     reinterpret_cast<void*>(static_cast<uintptr_t>(opaque)));
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    RecordError(kafka::FromKafka(err, "producing to " + options_.topic));
  }
  return false;
}

bool Replicator::ProduceStep() {
  const uint64_t size = ledger_->size();
  const uint64_t room =
      options_.max_in_flight - std::min<uint64_t>(options_.max_in_flight, in_flight_.load());
  if (room == 0) return false;
  const uint64_t end =
      next_ > size
          ? next_ - 1
          : std::min<uint64_t>(size, next_ + std::min<uint64_t>(room, options_.read_chunk) - 1);
  // Nothing new since the last look (no entry to produce, no checkpoint written): no RocksDB read.
  const uint64_t written = ledger_->stats().checkpoints;
  if (next_ > end && size == seen_size_ && written == seen_checkpoints_) return false;
  auto checkpoints = ReadCheckpoints(cp_cursor_, end);
  if (!checkpoints) {
    RecordError(checkpoints.error());
    return false;
  }

  size_t next_cp = 0;
  bool blocked = false;
  bool produced = false;
  // Every checkpoint of size below `bound` that is still to go.
  auto produce_checkpoints = [&](uint64_t bound) {
    while (!blocked && next_cp < checkpoints->size() && (*checkpoints)[next_cp].size < bound) {
      const auto& cp = (*checkpoints)[next_cp];
      if (!ProduceOne(replication::CheckpointMessage(cp.size, cp.note),
                      CheckpointOpaque(cp.size))) {
        blocked = true;
        return;
      }
      cp_cursor_ = cp.size;
      produced = true;
      ++next_cp;
    }
  };
  if (next_ <= end) {
    Status read = ledger_->ForEachEntry(next_, [&](uint64_t seq, std::string_view bytes) {
      if (seq > end) return false;
      produce_checkpoints(seq);
      if (blocked) return false;
      if (!ProduceOne(replication::EntryMessage(seq, bytes), EntryOpaque(seq))) {
        blocked = true;
        return false;
      }
      produced = true;
      next_ = seq + 1;
      produced_.store(seq, std::memory_order_relaxed);
      return true;
    });
    if (!read.ok()) RecordError(read.WithContext("reading entries to replicate"));
  }
  produce_checkpoints(next_);
  if (!blocked && next_ > size) {
    // Every entry up to `size` and every checkpoint written before `written` was counted is
    // produced: the next look reads RocksDB only if one of them changes.
    seen_size_ = size;
    seen_checkpoints_ = written;
  } else {
    seen_size_ = UINT64_MAX;
  }
  return produced;
}

void Replicator::LearnLeader() {
  // Without this the producer learns the partition's leader from its 1-second metadata timer
  // after the first produce: the first second of entries after a start (or a new producer) waited
  // up to a second for it (seen with debug=broker,msg: "joining broker (2760 message(s)
  // queued)"). A failure only leaves it to that timer.
  rd_kafka_topic_t* topic = rd_kafka_topic_new(producer_.get(), options_.topic.c_str(), nullptr);
  if (topic == nullptr) return;
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(producer_.get(), 0, topic, &metadata, kLearnLeaderTimeoutMs) ==
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(metadata);
  }
  rd_kafka_topic_destroy(topic);
}

void Replicator::Run() {
  LearnLeader();
  while (!stop_.load(std::memory_order_relaxed)) {
    rd_kafka_poll(producer_.get(), 0);  // delivery reports and errors
    StorePosition();
    if (fatal_ || rewind_) {
      // Go back to the first entry not confirmed once no report is outstanding (or at once with a
      // dead producer, which reports nothing more).
      if (fatal_) {
        rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT |
                                            RD_KAFKA_PURGE_F_NON_BLOCKING);
        rd_kafka_poll(producer_.get(), 0);
        producer_.reset();
        in_flight_ = 0;
        Status made = NewProducer();
        if (!made.ok()) {
          RecordError(made);
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          continue;
        }
        fatal_ = false;
        LearnLeader();
      } else if (rd_kafka_outq_len(producer_.get()) > 0) {
        rd_kafka_poll(producer_.get(), options_.idle_poll_ms);
        continue;
      }
      rewind_ = false;
      seen_size_ = UINT64_MAX;  // the checkpoints are produced again too
      next_ = confirmed_.load(std::memory_order_relaxed) + 1;
      cp_cursor_ = cp_confirmed_;
      delivered_.clear();
      rewinds_.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("replicator {}: rewinding to entry {}", ledger_->origin(), next_);
    }
    if (!ProduceStep()) rd_kafka_poll(producer_.get(), options_.idle_poll_ms);
  }
  rd_kafka_poll(producer_.get(), 0);
  StorePosition();
}

}  // namespace ejournal
