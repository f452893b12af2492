#include "ledger/replica.h"

#include <rocksdb/db.h>
#include <spdlog/spdlog.h>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/credentials.h"
#include "ledger/storage_format.h"
#include "ledger/verifier.h"

namespace ejournal {
namespace {

std::string EntryAt(uint64_t seq) { return "entry " + std::to_string(seq) + ": "; }
std::string CheckpointAt(uint64_t size) {
  return "checkpoint at size " + std::to_string(size) + ": ";
}

}  // namespace

Result<ReplicaStore> OpenReplicaStore(const std::string& path, const std::string& origin,
                                      const std::string& source_verifier_key) {
  EJ_ASSIGN_OR_RETURN(NodeKey node, ParseNodeVerifierKey(source_verifier_key));
  ReplicaStore s;
  s.registry = std::make_unique<CredentialRegistry>();
  s.registry->AddNode(NodeCredentialId(node.key_id), node.key);
  s.state = std::make_unique<school::SchoolState>();
  s.admission = std::make_unique<Admission>(s.registry.get(), DecodeLimits{}, s.state.get());
  LedgerOptions lo;
  lo.path = path;
  lo.origin = origin;
  lo.observer = s.admission.get();  // no checkpoint signer: a replica signs nothing
  EJ_ASSIGN_OR_RETURN(s.ledger, Ledger::Open(lo));
  EJ_RETURN_IF_ERROR(s.admission->CatchUp(*s.ledger));
  return s;
}

Replica::Replica(Ledger* ledger, const Admission* admission, ReplicaOptions options,
                 note::NoteVerifier verifier)
    : ledger_(ledger),
      admission_(admission),
      options_(std::move(options)),
      verifier_(std::move(verifier)) {}

Result<std::unique_ptr<Replica>> Replica::Start(Ledger* ledger, const Admission* admission,
                                                ReplicaOptions options) {
  if (ledger == nullptr || admission == nullptr) {
    return Err(InvalidArgument("replica: no ledger or admission"));
  }
  if (options.topic.empty()) return Err(InvalidArgument("replica: no topic"));
  if (options.max_batch == 0) return Err(InvalidArgument("replica: max_batch must be > 0"));
  EJ_ASSIGN_OR_RETURN(note::NoteVerifier verifier,
                      note::NoteVerifier::FromVerifierKey(options.source_verifier_key));
  std::unique_ptr<Replica> r(new Replica(ledger, admission, std::move(options), verifier));

  // Where it stands: its own ledger, its last stored checkpoint, the stored offset.
  const uint64_t size = ledger->size();
  EJ_ASSIGN_OR_RETURN(r->range_, merkle::CompactRange::Load(ledger->nodes(), size));
  r->verified_ = size;
  if (size > 0) {
    EJ_ASSIGN_OR_RETURN(std::string last, ledger->Entry(size));
    v1::LedgerEntry entry;
    if (!entry.ParseFromString(last)) return Err(DataLoss(EntryAt(size) + "does not parse"));
    r->last_at_us_ = entry.recorded_at_us();
  }
  EJ_RETURN_IF_ERROR(ledger->ForEachCheckpoint([&](uint64_t cp_size, std::string_view) {
    r->last_checkpoint_ = cp_size;
    return true;
  }));
  std::string offset;
  rocksdb::Status s = ledger->db()->Get(rocksdb::ReadOptions(), ledger->column_families().meta,
                                        kReplicaOffsetKey, &offset);
  if (s.ok() && offset.size() == 8) {
    r->next_offset_ = static_cast<int64_t>(storage::DecodeBigEndian64(offset));
  } else if (!s.ok() && !s.IsNotFound()) {
    return Err(IoError("reading the replica offset: " + s.ToString()));
  }
  r->stored_offset_ = r->next_offset_;
  r->next_offset_stat_ = r->next_offset_;

  const kafka::Properties base = {
      {"client.id", "ejournal-replica"}, {"group.id", "ejournal-replica." + ledger->origin()},
      {"enable.auto.commit", "false"},   {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"}, {"log_level", "4"},
  };
  EJ_ASSIGN_OR_RETURN(kafka::Conf conf, kafka::MakeConf(base, r->options_.kafka));
  EJ_ASSIGN_OR_RETURN(r->consumer_, kafka::NewHandle(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_poll_set_consumer(r->consumer_.get());
  std::unique_ptr<rd_kafka_topic_partition_list_t, kafka::TopicPartitionListDeleter> assignment(
      rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(assignment.get(), r->options_.topic.c_str(),
                                    r->options_.partition)
      ->offset = r->next_offset_;
  if (rd_kafka_resp_err_t err = rd_kafka_assign(r->consumer_.get(), assignment.get()); err) {
    return Err(kafka::FromKafka(err, "assigning " + r->options_.topic));
  }
  spdlog::info("replica of {}: {} entries, reading topic {} partition {} from offset {}",
               ledger->origin(), size, r->options_.topic, r->options_.partition, r->next_offset_);
  r->thread_ = std::thread([p = r.get()] { p->Run(); });
  return r;
}

Replica::~Replica() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (consumer_) {
    (void)rd_kafka_consumer_close(consumer_.get());
    consumer_.reset();
  }
}

void Replica::Run() {
  while (!stop_.load(std::memory_order_relaxed)) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), options_.poll_ms);
    if (m == nullptr) {
      if (!Flush()) break;
      continue;
    }
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> message(
        m, rd_kafka_message_destroy);
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        RecordError(kafka::FromKafka(message->err, "consuming " + options_.topic));
      }
      continue;
    }
    messages_.fetch_add(1, std::memory_order_relaxed);
    auto parsed = kafka::ParseKafkaMessage(*message);
    if (!parsed) {
      Alarm(verified_.load() + 1, DataLoss("message at offset " + std::to_string(message->offset) +
                                           ": " + parsed.error().message()));
      break;
    }
    if (!Handle(*parsed)) break;
    next_offset_ = message->offset + 1;
    if (pending_.size() >= options_.max_batch && !Flush()) break;
  }
  if (!stop_.load()) return;  // halted: the alarm already applied what was verified
  (void)Flush();
}

bool Replica::Handle(const replication::Message& message) {
  return message.kind == replication::MessageKind::kEntry ? HandleEntry(message)
                                                          : HandleCheckpoint(message);
}

bool Replica::HandleEntry(const replication::Message& message) {
  const uint64_t seq = message.sequence;
  const uint64_t verified = range_.size();
  const uint64_t applied = verified - pending_.size();
  if (seq <= verified) {
    // A repeat (the writer restarted before its position was stored): it must be the same entry.
    std::string known;
    if (seq > applied) {
      known = pending_bytes_[seq - applied - 1];
    } else {
      auto stored = ledger_->Entry(seq);
      if (!stored) {
        Alarm(seq, stored.error().WithContext(EntryAt(seq) + "reading the applied entry"));
        return false;
      }
      known = std::move(*stored);
    }
    if (known != message.value) {
      Alarm(seq, DataLoss(EntryAt(seq) +
                          "differs from the entry already verified at this sequence (the stream "
                          "holds two different entries " +
                          std::to_string(seq) + ")"));
      return false;
    }
    duplicates_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  if (seq != verified + 1) {
    Alarm(seq, DataLoss(EntryAt(seq) + "arrived where entry " + std::to_string(verified + 1) +
                        " was expected (entries are missing or out of order in the stream)"));
    return false;
  }
  v1::LedgerEntry entry;
  if (!entry.ParseFromString(message.value)) {
    Alarm(seq, DataLoss(EntryAt(seq) + "its bytes do not parse as a LedgerEntry"));
    return false;
  }
  if (entry.sequence() != seq) {
    Alarm(seq,
          DataLoss(EntryAt(seq) + "its bytes carry sequence " + std::to_string(entry.sequence())));
    return false;
  }
  const merkle::Hash leaf = merkle::LeafHash(message.value);
  if (merkle::ToHex(leaf) != message.leaf_hex) {
    Alarm(seq, DataLoss(EntryAt(seq) +
                        "its bytes do not match its leaf hash header (altered in transit)"));
    return false;
  }
  std::string signed_event = entry.event().SerializeAsString();
  if (storage::EncodeLedgerEntry(seq, entry.recorded_at_us(), signed_event) != message.value) {
    Alarm(seq, DataLoss(EntryAt(seq) + "its bytes are not the canonical entry encoding"));
    return false;
  }
  if (entry.recorded_at_us() < last_at_us_) {
    Alarm(seq, DataLoss(EntryAt(seq) + "its recorded-at time is earlier than entry " +
                        std::to_string(seq - 1) + "'s"));
    return false;
  }
  auto request = admission_->Check(signed_event, entry.recorded_at_us());
  if (!request && !pending_.empty()) {
    // The credential may come from a pending entry (CredentialIssued): apply those, then retry.
    if (!Flush()) return false;
    request = admission_->Check(signed_event, entry.recorded_at_us());
  }
  if (!request) {
    const Status& e = request.error();
    Alarm(seq, Status(e.code() == StatusCode::kUnauthenticated ? StatusCode::kUnauthenticated
                                                               : StatusCode::kDataLoss,
                      EntryAt(seq) + e.message(), e.rule()));
    return false;
  }
  request->presequenced = AppendRequest::Presequenced{seq, entry.recorded_at_us()};
  range_.Append(leaf, {});
  pending_.push_back(std::move(*request));
  pending_bytes_.push_back(message.value);
  pending_roots_.push_back(range_.Root());
  last_at_us_ = entry.recorded_at_us();
  verified_.store(seq, std::memory_order_relaxed);
  return true;
}

bool Replica::HandleCheckpoint(const replication::Message& message) {
  const uint64_t size = message.sequence;
  auto text = verifier_.Open(message.value);
  if (!text) {
    Alarm(size,
          Status(text.error().code() == StatusCode::kUnauthenticated ? StatusCode::kUnauthenticated
                                                                     : StatusCode::kDataLoss,
                 CheckpointAt(size) + text.error().message()));
    return false;
  }
  auto cp = note::Checkpoint::Parse(*text);
  if (!cp) {
    Alarm(size, DataLoss(CheckpointAt(size) + cp.error().message()));
    return false;
  }
  if (cp->origin != ledger_->origin()) {
    Alarm(size, DataLoss(CheckpointAt(size) + "names origin \"" + cp->origin + "\", not \"" +
                         ledger_->origin() + "\""));
    return false;
  }
  if (cp->size != size) {
    Alarm(size, DataLoss(CheckpointAt(size) + "its note says size " + std::to_string(cp->size)));
    return false;
  }
  const uint64_t verified = range_.size();
  const uint64_t applied = verified - pending_.size();
  if (size == 0 || size > verified) {
    Alarm(size, DataLoss(CheckpointAt(size) + "arrived before its entries (verified up to " +
                         std::to_string(verified) + ")"));
    return false;
  }
  merkle::Hash root;
  if (size > applied) {
    root = pending_roots_[size - applied - 1];
  } else {
    auto stored = ledger_->Root(size);
    if (!stored) {
      Alarm(size, stored.error().WithContext(CheckpointAt(size) + "computing our root"));
      return false;
    }
    root = *stored;
  }
  if (root != cp->root) {
    Alarm(size, DataLoss(CheckpointAt(size) +
                         "its root differs from the root recomputed from the entries"));
    return false;
  }
  if (size > last_checkpoint_ &&
      (pending_checkpoints_.empty() || pending_checkpoints_.back().first < size)) {
    pending_checkpoints_.emplace_back(size, message.value);
  }
  return true;
}

bool Replica::Flush() {
  if (!pending_.empty()) {
    const uint64_t first = range_.size() - pending_.size() + 1;
    auto results = ledger_->AppendBatch(std::move(pending_));
    pending_.clear();
    pending_bytes_.clear();
    pending_roots_.clear();
    for (size_t i = 0; i < results.size(); ++i) {
      const uint64_t seq = first + i;
      const auto& r = results[i];
      Status problem;
      if (!r) {
        problem =
            r.error().code() == StatusCode::kUnavailable || r.error().code() == StatusCode::kIoError
                ? r.error().WithContext(EntryAt(seq) + "the replica's ledger")
                : Status(StatusCode::kDataLoss,
                         EntryAt(seq) + "refused on the replica: " + r.error().message(),
                         r.error().rule());
      } else if (r->duplicate || r->sequence != seq) {
        problem = DataLoss(EntryAt(seq) + "the replica's ledger already holds its event at entry " +
                           std::to_string(r->sequence) + " (a replayed event)");
      }
      if (!problem.ok()) {
        // What follows it was verified against a state that no longer holds: drop it.
        range_ = merkle::CompactRange();
        auto loaded = merkle::CompactRange::Load(ledger_->nodes(), ledger_->size());
        if (loaded) range_ = std::move(*loaded);
        verified_.store(ledger_->size(), std::memory_order_relaxed);
        Alarm(seq, std::move(problem));
        return false;
      }
    }
  }
  const uint64_t applied = ledger_->size();
  size_t stored = 0;
  for (; stored < pending_checkpoints_.size(); ++stored) {
    const auto& [size, note] = pending_checkpoints_[stored];
    if (size > applied) break;
    Status st = ledger_->StoreVerifiedCheckpoint(note);
    if (!st.ok()) {
      Alarm(size, st.WithContext(CheckpointAt(size) + "storing"));
      return false;
    }
    last_checkpoint_ = size;
    checkpoints_.fetch_add(1, std::memory_order_relaxed);
  }
  pending_checkpoints_.erase(pending_checkpoints_.begin(),
                             pending_checkpoints_.begin() + static_cast<ptrdiff_t>(stored));
  if (next_offset_ != stored_offset_ && pending_checkpoints_.empty()) {
    rocksdb::Status s = ledger_->db()->Put(
        rocksdb::WriteOptions(), ledger_->column_families().meta, kReplicaOffsetKey,
        storage::EncodeBigEndian64(static_cast<uint64_t>(next_offset_)));
    if (s.ok()) {
      stored_offset_ = next_offset_;
    } else {
      RecordError(IoError("storing the replica offset: " + s.ToString()));
    }
  }
  next_offset_stat_.store(next_offset_, std::memory_order_relaxed);
  { std::lock_guard<std::mutex> lock(mu_); }
  changed_.notify_all();
  return true;
}

void Replica::Alarm(uint64_t sequence, Status status) {
  // Keep what was verified before the problem.
  if (!pending_.empty()) {
    if (!Flush()) return;  // Flush raised its own (earlier) alarm
  }
  spdlog::error("replica of {}: stopped at {}: {}", ledger_->origin(), sequence, status.ToString());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!halted_) {
      halted_ = true;
      alarm_sequence_ = sequence;
      alarm_ = std::move(status);
    }
  }
  changed_.notify_all();
}

void Replica::RecordError(const Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (last_error_ != status.message()) {
    spdlog::warn("replica of {}: {}", ledger_->origin(), status.ToString());
  }
  last_error_ = status.message();
}

Status Replica::WaitApplied(uint64_t sequence, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_for(lock, timeout, [&] { return halted_ || ledger_->size() >= sequence; });
  if (ledger_->size() >= sequence) return Status::Ok();
  if (halted_) return alarm_;
  return Unavailable("the replica holds " + std::to_string(ledger_->size()) + " entries, not " +
                     std::to_string(sequence) +
                     (last_error_.empty() ? "" : " (last error: " + last_error_ + ")"));
}

Status Replica::WaitHalted(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (changed_.wait_for(lock, timeout, [&] { return halted_; })) return alarm_;
  return Unavailable("the replica did not halt (it holds " + std::to_string(ledger_->size()) +
                     " entries)");
}

Status Replica::alarm() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alarm_;
}

ReplicaStats Replica::stats() const {
  ReplicaStats s;
  s.applied = ledger_->size();
  s.verified = verified_.load(std::memory_order_relaxed);
  s.checkpoints = checkpoints_.load(std::memory_order_relaxed);
  s.messages = messages_.load(std::memory_order_relaxed);
  s.duplicates = duplicates_.load(std::memory_order_relaxed);
  s.next_offset = next_offset_stat_.load(std::memory_order_relaxed);
  // The cached value from the last fetch response: no request to the broker.
  int64_t low = 0, high = 0;
  if (rd_kafka_get_watermark_offsets(consumer_.get(), options_.topic.c_str(), options_.partition,
                                     &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      high >= 0) {
    s.high_watermark = high;
  }
  std::lock_guard<std::mutex> lock(mu_);
  s.halted = halted_;
  s.alarm_sequence = alarm_sequence_;
  s.alarm = alarm_.ok() ? "" : alarm_.ToString();
  s.last_error = last_error_;
  return s;
}

}  // namespace ejournal
