#include "ledger/replica.h"

#include <pthread.h>
#include <rocksdb/db.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

#include "ejournal/v1/ledger.pb.h"
#include "ledger/credentials.h"
#include "ledger/storage_format.h"
#include "ledger/verifier.h"
#include "schemas/rocksdb_status.h"

namespace ejournal {
namespace {

// Adds the time since `since` to `total` (nanoseconds) and restarts `since`.
void Account(std::atomic<int64_t>& total, std::chrono::steady_clock::time_point& since) {
  const auto now = std::chrono::steady_clock::now();
  total.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(now - since).count(),
                  std::memory_order_relaxed);
  since = now;
}

std::string EntryAt(uint64_t seq) { return "entry " + std::to_string(seq) + ": "; }
std::string CheckpointAt(uint64_t size) {
  return "checkpoint at size " + std::to_string(size) + ": ";
}

// Reads a protobuf varint in its shortest form (what storage::EncodeLedgerEntry writes).
bool ReadMinimalVarint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (size_t i = 0; i < in.size() && i < 10; ++i) {
    const auto byte = static_cast<uint8_t>(in[i]);
    if (i == 9 && byte > 1) return false;  // beyond 64 bits
    value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      if (i > 0 && byte == 0) return false;  // a redundant high byte: not the shortest form
      in.remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

// The fields of a LedgerEntry whose bytes are exactly storage::EncodeLedgerEntry(sequence,
// recorded_at_us, signed_event), read without parsing the event (that is DecodeSignedEvent's
// job, which also requires the event's own encoding to be the canonical one, so together they
// accept exactly the entries whose bytes are the canonical encoding of what they parse to).
struct EntryFields {
  uint64_t sequence = 0;
  int64_t recorded_at_us = 0;
  std::string_view signed_event;
};
std::optional<EntryFields> ReadCanonicalEntry(std::string_view in) {
  EntryFields f;
  uint64_t v = 0;
  // Field 1 (sequence, varint), present: sequence numbers start at 1.
  if (in.empty() || in[0] != 0x08) return std::nullopt;
  in.remove_prefix(1);
  if (!ReadMinimalVarint(in, f.sequence) || f.sequence == 0) return std::nullopt;
  // Field 2 (recorded_at_us, varint), present unless 0.
  if (!in.empty() && in[0] == 0x10) {
    in.remove_prefix(1);
    if (!ReadMinimalVarint(in, v) || v == 0) return std::nullopt;
    f.recorded_at_us = static_cast<int64_t>(v);
  }
  // Field 3 (event, length-delimited), always present, to the end.
  if (in.empty() || in[0] != 0x1a) return std::nullopt;
  in.remove_prefix(1);
  if (!ReadMinimalVarint(in, v) || v != in.size()) return std::nullopt;
  f.signed_event = in;
  return f;
}

// True if `hex` is the lower-case hex of `hash` (the ej-leaf header), without building a string.
bool HexEquals(const merkle::Hash& hash, std::string_view hex) {
  static constexpr char kDigits[] = "0123456789abcdef";
  if (hex.size() != 2 * hash.size()) return false;
  for (size_t i = 0; i < hash.size(); ++i) {
    if (hex[2 * i] != kDigits[hash[i] >> 4] || hex[2 * i + 1] != kDigits[hash[i] & 0x0f]) {
      return false;
    }
  }
  return true;
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

struct Replica::Verdict {
  Status problem;       // the first order-independent check that failed (named by entry/checkpoint)
  merkle::Hash leaf{};  // an entry's leaf hash; a checkpoint's root
  int64_t recorded_at_us = 0;
  std::optional<Result<AppendRequest>> request;  // Admission::Check, if the checks above passed
  size_t event_offset = 0;  // where the signed event starts in the entry's bytes
};

struct Replica::Slot {
  int64_t offset = 0;
  Result<replication::Message> message = Err(Internal("unset"));
  Verdict verdict;
};

struct Replica::Batch {
  std::vector<Slot> slots;
  // Guarded by the pool's mu_ (VerifyPool::Take; not ABSL_GUARDED_BY: the analysis cannot name
  // the pool's mutex from a Batch): slots a thread has started on.
  size_t taken = 0;
  std::atomic<size_t> verified{0};  // slots verified (the last one's thread wakes the waiter)
};

// Threads verifying the slots of the batches queued (Replica::Verify), batch after batch in the
// order queued, each slot taken by one thread.
class Replica::VerifyPool {
 public:
  VerifyPool(const Replica* replica, size_t threads) : replica_(replica) {
    for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
  }
  ~VerifyPool() {
    {
      MutexLock lock(&mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  VerifyPool(const VerifyPool&) = delete;
  VerifyPool& operator=(const VerifyPool&) = delete;

  // Queues `batch` (alive until Finish or Cancel returns).
  void Add(Batch* batch) ABSL_LOCKS_EXCLUDED(mu_) {
    if (batch->slots.empty()) return;
    {
      MutexLock lock(&mu_);
      work_.push_back(batch);
    }
    work_cv_.notify_all();
  }
  // Verifies what no thread has taken of `batch` on this thread, then waits until every slot is
  // verified. Returns how many slots this thread verified.
  size_t Finish(Batch* batch) ABSL_LOCKS_EXCLUDED(mu_) {
    size_t mine = 0;
    for (;;) {
      size_t i;
      {
        MutexLock lock(&mu_);
        if (!Take(batch, i)) break;
      }
      VerifyOne(batch, i);
      ++mine;
    }
    UniqueLock lock(&mu_);
    lock.Wait(done_cv_, [&] { return batch->verified.load() == batch->slots.size(); });
    return mine;
  }
  // Takes the rest of `batch` from the threads and waits for the slots they started on.
  void Cancel(Batch* batch) ABSL_LOCKS_EXCLUDED(mu_) {
    UniqueLock lock(&mu_);
    if (auto it = std::find(work_.begin(), work_.end(), batch); it != work_.end()) work_.erase(it);
    const size_t untaken = batch->slots.size() - batch->taken;
    batch->taken = batch->slots.size();
    batch->verified.fetch_add(untaken);
    lock.Wait(done_cv_, [&] { return batch->verified.load() == batch->slots.size(); });
  }

 private:
  // Takes the next slot of `batch`; false if none is left.
  bool Take(Batch* batch, size_t& index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (batch->taken == batch->slots.size()) return false;
    index = batch->taken++;
    if (batch->taken == batch->slots.size()) {
      if (auto it = std::find(work_.begin(), work_.end(), batch); it != work_.end()) {
        work_.erase(it);
      }
    }
    return true;
  }
  void VerifyOne(Batch* batch, size_t index) ABSL_LOCKS_EXCLUDED(mu_) {
    const size_t n = batch->slots.size();
    replica_->Verify(batch->slots[index]);
    // The batch may be gone as soon as the last slot is counted: nothing of it after this.
    if (batch->verified.fetch_add(1) + 1 == n) {
      MutexLock lock(&mu_);
      done_cv_.notify_all();
    }
  }
  void Work() ABSL_LOCKS_EXCLUDED(mu_) {
    pthread_setname_np(pthread_self(), "ej-verify");  // for top -H, /proc/PID/task/*/comm
    for (;;) {
      Batch* batch;
      size_t i;
      {
        UniqueLock lock(&mu_);
        lock.Wait(work_cv_,
                  [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !work_.empty(); });
        if (stop_) return;
        batch = work_.front();
        (void)Take(batch, i);  // a batch in work_ has a slot left
      }
      VerifyOne(batch, i);
    }
  }

  const Replica* const replica_;
  std::vector<std::thread> workers_;
  Mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<Batch*> work_ ABSL_GUARDED_BY(mu_);  // batches with slots not yet taken, in order
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
};

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
  if (options.max_batch == 0 || options.apply_ahead == 0 || options.verify_batch == 0 ||
      options.verify_ahead == 0) {
    return Err(InvalidArgument(
        "replica: max_batch, apply_ahead, verify_batch and verify_ahead must be > 0"));
  }
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
    return Err(FromRocks(s, "reading the replica offset"));
  }
  r->stored_offset_ = r->submitted_offset_ = r->next_offset_;
  r->next_offset_stat_ = r->next_offset_;
  r->read_offset_stat_ = r->next_offset_;

  // fetch.wait.max.ms: how long the broker may hold a fetch that finds nothing new. A real broker
  // answers as soon as data arrives; librdkafka's mock cluster (--kafka embedded) holds it for the
  // whole wait (the default 500 ms), which became the live replica's lag. 10 ms costs an idle
  // replica about 100 small requests a second; a user property overrides it.
  const kafka::Properties base = {
      {"client.id", "ejournal-replica"},
      {"group.id", "ejournal-replica." + ledger->origin()},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"fetch.wait.max.ms", "10"},
      {"log_level", "4"},
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
  size_t threads = r->options_.verify_threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  r->pool_ = std::make_unique<VerifyPool>(r.get(), threads);
  r->applier_ = std::thread([p = r.get()] { p->ApplyLoop(); });
  r->thread_ = std::thread([p = r.get()] { p->Run(); });
  return r;
}

Replica::~Replica() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  {
    MutexLock lock(&apply_mu_);
    apply_stop_ = true;
  }
  apply_cv_.notify_all();
  if (applier_.joinable()) applier_.join();
  pool_.reset();
  if (consumer_) {
    (void)rd_kafka_consumer_close(consumer_.get());
    consumer_.reset();
  }
}

void Replica::Read(Batch& batch, int wait_ms) {
  batch.slots.reserve(options_.verify_batch);
  // Waits up to wait_ms for the first message, then takes what is already there.
  for (int wait = wait_ms; batch.slots.size() < options_.verify_batch; wait = 0) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), wait);
    if (m == nullptr) break;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> message(
        m, rd_kafka_message_destroy);
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        RecordError(kafka::FromKafka(message->err, "consuming " + options_.topic));
      }
      continue;
    }
    Slot& slot = batch.slots.emplace_back();
    slot.offset = message->offset;
    slot.message = kafka::ParseKafkaMessage(*message);
    read_offset_stat_.store(message->offset + 1, std::memory_order_relaxed);
  }
}

bool Replica::HandleBatch(Batch& batch) {
  for (Slot& slot : batch.slots) {
    if (!slot.message) {
      Alarm(verified_.load() + 1, DataLoss("message at offset " + std::to_string(slot.offset) +
                                           ": " + slot.message.error().message()));
      return false;
    }
    if (!Handle(slot)) return false;
    next_offset_ = slot.offset + 1;
  }
  return true;
}

void Replica::Run() {
  pthread_setname_np(pthread_self(), "ej-consume");  // for top -H, /proc/PID/task/*/comm
  std::deque<std::unique_ptr<Batch>> ahead;  // read and queued for verification, oldest first
  bool halted = false;
  while (!halted && !stop_.load(std::memory_order_relaxed)) {
    auto since = std::chrono::steady_clock::now();
    // Read while fewer than verify_ahead batches are ahead of the in-order check; wait for
    // messages only when there is nothing else to do.
    bool read = false;
    if (ahead.size() < options_.verify_ahead) {
      auto batch = std::make_unique<Batch>();
      Read(*batch, ahead.empty() ? options_.poll_ms : 0);
      Account(ns_reading_, since);
      if (!batch->slots.empty()) {
        messages_.fetch_add(batch->slots.size(), std::memory_order_relaxed);
        stat_batches_.fetch_add(1, std::memory_order_relaxed);
        pool_->Add(batch.get());
        ahead.push_back(std::move(batch));
        read = true;
      }
    }
    if (ahead.empty()) {
      if (!Submit()) break;  // idle: apply what was verified
      Account(ns_waiting_, since);
      continue;
    }
    // The oldest batch in order once it is verified; waiting for it (and helping) only when no
    // more can be read.
    Batch& oldest = *ahead.front();
    if (read && oldest.verified.load() < oldest.slots.size()) continue;
    stat_helped_.fetch_add(pool_->Finish(&oldest), std::memory_order_relaxed);
    Account(ns_verifying_, since);
    halted = !HandleBatch(oldest);
    ahead.pop_front();
    Account(ns_handling_, since);
    if (halted) break;
    // Hand over when the replica ledger's writer and committer have nothing left, or a group of
    // max_batch is ready (each group is one synced commit: handed in small pieces while the
    // verification is the slower stage, they made many more commits for no gain).
    bool idle;
    {
      MutexLock lock(&apply_mu_);
      idle = unapplied_ == 0;
    }
    if ((idle || pending_.size() >= options_.max_batch) && !Submit()) break;
    Account(ns_waiting_, since);
  }
  // What is still queued for verification is not needed any more.
  for (auto& batch : ahead) pool_->Cancel(batch.get());
  if (!halted && stop_.load()) (void)Drain();  // stopping: apply what was verified
  if (halted || !stop_.load()) {
    // An alarm: what the applier refused was never applied.
    verified_.store(std::min(verified_.load(), ledger_->size()), std::memory_order_relaxed);
  }
}

void Replica::Verify(Slot& slot) const {
  if (!slot.message) return;
  const replication::Message& message = *slot.message;
  if (message.kind == replication::MessageKind::kCheckpoint) {
    VerifyCheckpoint(slot);
    return;
  }
  const uint64_t seq = message.sequence;
  Verdict& v = slot.verdict;
  v.leaf = merkle::LeafHash(message.value);
  if (!HexEquals(v.leaf, message.leaf_hex)) {
    v.problem =
        DataLoss(EntryAt(seq) + "its bytes do not match its leaf hash header (altered in transit)");
    return;
  }
  const std::optional<EntryFields> fields = ReadCanonicalEntry(message.value);
  if (!fields) {
    v.problem = DataLoss(EntryAt(seq) +
                         "its bytes are not the canonical entry encoding (sequence, recorded-at "
                         "time, event)");
    return;
  }
  if (fields->sequence != seq) {
    v.problem =
        DataLoss(EntryAt(seq) + "its bytes carry sequence " + std::to_string(fields->sequence));
    return;
  }
  v.recorded_at_us = fields->recorded_at_us;
  v.event_offset = message.value.size() - fields->signed_event.size();
  // Against the credentials as applied so far (never beyond seq - 1: seq is not yet verified, so
  // nothing after it can be applied). A refusal is checked again in order (HandleEntry).
  v.request = admission_->Check(std::string(fields->signed_event), v.recorded_at_us);
}

void Replica::VerifyCheckpoint(Slot& slot) const {
  const replication::Message& message = *slot.message;
  const uint64_t size = message.sequence;
  Verdict& v = slot.verdict;
  auto text = verifier_.Open(message.value);
  if (!text) {
    v.problem =
        Status(text.error().code() == StatusCode::kUnauthenticated ? StatusCode::kUnauthenticated
                                                                   : StatusCode::kDataLoss,
               CheckpointAt(size) + text.error().message());
    return;
  }
  auto cp = note::Checkpoint::Parse(*text);
  if (!cp) {
    v.problem = DataLoss(CheckpointAt(size) + cp.error().message());
    return;
  }
  if (cp->origin != ledger_->origin()) {
    v.problem = DataLoss(CheckpointAt(size) + "names origin \"" + cp->origin + "\", not \"" +
                         ledger_->origin() + "\"");
    return;
  }
  if (cp->size != size) {
    v.problem = DataLoss(CheckpointAt(size) + "its note says size " + std::to_string(cp->size));
    return;
  }
  v.leaf = cp->root;
}

bool Replica::Handle(Slot& slot) {
  return slot.message->kind == replication::MessageKind::kEntry ? HandleEntry(slot)
                                                                : HandleCheckpoint(slot);
}

bool Replica::HandleEntry(Slot& slot) {
  const replication::Message& message = *slot.message;
  const uint64_t seq = message.sequence;
  const uint64_t verified = range_.size();
  if (seq <= verified) {
    // A repeat (the writer restarted before its position was stored): it must be the same entry,
    // as the replica's ledger holds it (verified entries not yet applied are applied first:
    // repeats are rare, so no copy of every verified entry is kept for them).
    if (seq > ledger_->size() && !Drain()) return false;
    auto known = ledger_->Entry(seq);
    if (!known) {
      Alarm(seq, known.error().WithContext(EntryAt(seq) + "reading the applied entry"));
      return false;
    }
    if (*known != message.value) {
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
  Verdict& v = slot.verdict;
  if (!v.problem.ok()) {
    Alarm(seq, std::move(v.problem));
    return false;
  }
  if (v.recorded_at_us < last_at_us_) {
    Alarm(seq, DataLoss(EntryAt(seq) + "its recorded-at time is earlier than entry " +
                        std::to_string(seq - 1) + "'s"));
    return false;
  }
  if (!*v.request) {
    // The credential may come from an entry verified but not yet applied (CredentialIssued), or
    // applied since the verifier looked. First against the registry as it is now (the ledger's
    // writer folds while the next entries are verified; a state before entry seq - 1, as the
    // verifying threads' own, and the credential rules are checked again in order when the entry
    // is folded), and only if that fails once everything before it is applied.
    const std::string event(std::string_view(message.value).substr(v.event_offset));
    v.request = admission_->Check(event, v.recorded_at_us);
    if (!*v.request) {
      if (!Drain()) return false;
      stat_rechecks_.fetch_add(1, std::memory_order_relaxed);
      v.request = admission_->Check(event, v.recorded_at_us);
    }
  }
  if (!*v.request) {
    const Status& e = v.request->error();
    Alarm(seq, Status(e.code() == StatusCode::kUnauthenticated ? StatusCode::kUnauthenticated
                                                               : StatusCode::kDataLoss,
                      EntryAt(seq) + e.message(), e.rule()));
    return false;
  }
  AppendRequest request = std::move(**v.request);
  // The entry's bytes and leaf go along: the ledger's writer stores them as they are.
  request.presequenced = AppendRequest::Presequenced{.sequence = seq,
                                                     .recorded_at_us = v.recorded_at_us,
                                                     .entry_bytes = std::move(slot.message->value),
                                                     .leaf_hash = v.leaf};
  range_.Append(v.leaf, {});
  pending_.push_back(std::move(request));
  last_at_us_ = v.recorded_at_us;
  verified_.store(seq, std::memory_order_relaxed);
  return true;
}

bool Replica::HandleCheckpoint(Slot& slot) {
  const uint64_t size = slot.message->sequence;
  Verdict& v = slot.verdict;
  if (!v.problem.ok()) {  // its signature, note, origin or size (VerifyCheckpoint)
    Alarm(size, std::move(v.problem));
    return false;
  }
  const uint64_t verified = range_.size();
  if (size == 0 || size > verified) {
    Alarm(size, DataLoss(CheckpointAt(size) + "arrived before its entries (verified up to " +
                         std::to_string(verified) + ")"));
    return false;
  }
  // Our own root at that size: the relay sends checkpoint S right after entry S, so it is usually
  // the root of everything verified; otherwise the replica's ledger computes it (from the leaves
  // this replica hashed), once what was verified up to S is applied.
  merkle::Hash root;
  if (size == verified) {
    root = range_.Root();
  } else {
    if (size > ledger_->size() && !Drain()) return false;
    auto stored = ledger_->Root(size);
    if (!stored) {
      Alarm(size, stored.error().WithContext(CheckpointAt(size) + "computing our root"));
      return false;
    }
    root = *stored;
  }
  if (root != v.leaf) {
    Alarm(size, DataLoss(CheckpointAt(size) +
                         "its root differs from the root recomputed from the entries"));
    return false;
  }
  if (size > last_checkpoint_) {
    pending_checkpoints_.push_back({size, root, std::move(slot.message->value)});
    last_checkpoint_ = size;
  }
  return true;
}

bool Replica::Submit() {
  std::shared_ptr<Group> group;
  std::vector<AppendRequest> requests;
  {
    UniqueLock lock(&apply_mu_);
    // Back-pressure: room for the pending entries among those not yet durable (always for a
    // group when nothing is).
    lock.Wait(apply_cv_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_) {
      return apply_failed_ || unapplied_ == 0 ||
             unapplied_ + pending_.size() <= options_.apply_ahead;
    });
    if (apply_failed_) return false;
    if (pending_.empty() && pending_checkpoints_.empty() && next_offset_ == submitted_offset_) {
      return true;
    }
    group = std::make_shared<Group>();
    group->first = range_.size() - pending_.size() + 1;
    group->count = pending_.size();
    group->checkpoints = std::move(pending_checkpoints_);
    group->next_offset = next_offset_;
    group->durable = pending_.empty();
    groups_.push_back(group);
    unapplied_ += pending_.size();
    submitted_offset_ = next_offset_;
    requests = std::move(pending_);
    pending_.clear();
    pending_checkpoints_.clear();
  }
  stat_groups_.fetch_add(1, std::memory_order_relaxed);
  if (requests.empty()) {
    apply_cv_.notify_all();  // checkpoints or an offset only
    return true;
  }
  // Only this thread hands groups over: the ledger appends them in the order of groups_.
  ledger_->AppendBatchAsync(std::move(requests),
                            [this, group](std::vector<Result<AppendResult>> results) {
                              // Notified under the lock: once the applier sees the group
                              // durable, the replica may be destroyed; nothing of it after.
                              MutexLock lock(&apply_mu_);
                              group->results = std::move(results);
                              group->durable = true;
                              apply_cv_.notify_all();
                            });
  return true;
}

bool Replica::Drain() {
  if (!Submit()) return false;
  auto since = std::chrono::steady_clock::now();
  UniqueLock lock(&apply_mu_);
  lock.Wait(apply_cv_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_) {
    return apply_failed_ || (groups_.empty() && !applying_);
  });
  const bool ok = !apply_failed_;
  lock.Unlock();
  Account(ns_draining_, since);
  return ok;
}

void Replica::ApplyLoop() {
  pthread_setname_np(pthread_self(), "ej-apply");
  std::vector<std::shared_ptr<Group>> durable;
  for (;;) {
    bool failed;
    {
      auto since = std::chrono::steady_clock::now();
      UniqueLock lock(&apply_mu_);
      lock.Wait(apply_cv_, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_) {
        return (apply_stop_ && groups_.empty()) || (!groups_.empty() && groups_.front()->durable);
      });
      Account(ns_apply_idle_, since);
      if (groups_.empty()) return;  // stopping, nothing left
      // Every group durable by now, in order: their offset is stored once.
      while (!groups_.empty() && groups_.front()->durable) {
        durable.push_back(std::move(groups_.front()));
        groups_.pop_front();
      }
      applying_ = true;
      failed = apply_failed_;
    }
    size_t entries = 0;
    for (size_t i = 0; i < durable.size(); ++i) {
      entries += durable[i]->count;
      // After a refusal the groups handed after it were refused by the ledger too (a
      // presequenced entry must be the next): nothing more to check.
      if (!failed && !Apply(*durable[i], i + 1 == durable.size())) failed = true;
    }
    durable.clear();
    {
      MutexLock lock(&apply_mu_);
      applying_ = false;
      unapplied_ -= entries;
      apply_failed_ = failed;
    }
    apply_cv_.notify_all();
    // WaitApplied checks the ledger's size under mu_: taking it here orders this notification
    // after any check that saw the old size, so the waiter is waiting when it comes.
    { MutexLock lock(&mu_); }
    changed_.notify_all();
  }
}

bool Replica::Apply(Group& group, bool store_offset) {
  for (size_t i = 0; i < group.results.size(); ++i) {
    const uint64_t seq = group.first + i;
    const auto& r = group.results[i];
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
      Halt(seq, std::move(problem));
      return false;
    }
  }
  if (!group.checkpoints.empty()) {
    // The group's checkpoints in one write (a generated year has one every few entries, and a
    // synced write each cost more than the rest of the apply), each checked as
    // Ledger::StoreVerifiedCheckpoint checks one: within the ledger, and its root the root the
    // replica's own ledger now holds at its size.
    rocksdb::WriteBatch batch;
    const uint64_t applied = ledger_->size();
    for (const VerifiedCheckpoint& cp : group.checkpoints) {
      if (cp.size > applied) {
        Halt(cp.size, Internal(CheckpointAt(cp.size) + "storing: the replica's ledger has " +
                               std::to_string(applied) + " entries"));
        return false;
      }
      auto root = ledger_->Root(cp.size);
      if (!root) {
        Halt(cp.size, root.error().WithContext(CheckpointAt(cp.size) + "storing"));
        return false;
      }
      if (*root != cp.root) {
        Halt(cp.size, DataLoss(CheckpointAt(cp.size) +
                               "its root differs from the replica ledger's root at that size"));
        return false;
      }
      batch.Put(ledger_->column_families().checkpoints, storage::EncodeBigEndian64(cp.size),
                cp.note);
    }
    // Not synced: the offset stored next is not synced either, and RocksDB loses only a suffix of
    // unsynced writes in a crash; the next group's synced commit makes both durable. A crash
    // before that leaves an older offset, from which the checkpoints are verified and stored again.
    rocksdb::Status s = ledger_->db()->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) {
      Halt(group.checkpoints.front().size,
           FromRocks(s, CheckpointAt(group.checkpoints.front().size) + "storing"));
      return false;
    }
    checkpoints_.fetch_add(group.checkpoints.size(), std::memory_order_relaxed);
  }
  if (store_offset && group.next_offset != stored_offset_) {
    rocksdb::Status s = ledger_->db()->Put(
        rocksdb::WriteOptions(), ledger_->column_families().meta, kReplicaOffsetKey,
        storage::EncodeBigEndian64(static_cast<uint64_t>(group.next_offset)));
    if (s.ok()) {
      stored_offset_ = group.next_offset;
    } else {
      RecordError(FromRocks(s, "storing the replica offset"));
    }
  }
  next_offset_stat_.store(group.next_offset, std::memory_order_relaxed);
  return true;
}

void Replica::Alarm(uint64_t sequence, Status status) {
  // Keep what was verified before the problem.
  if (!Drain()) return;  // the applier raised its own (earlier) alarm
  Halt(sequence, std::move(status));
}

void Replica::Halt(uint64_t sequence, Status status) {
  spdlog::error("replica of {}: stopped at {}: {}", ledger_->origin(), sequence, status.ToString());
  {
    MutexLock lock(&mu_);
    if (!halted_) {
      halted_ = true;
      alarm_sequence_ = sequence;
      alarm_ = std::move(status);
    }
  }
  changed_.notify_all();
}

void Replica::RecordError(const Status& status) {
  MutexLock lock(&mu_);
  if (last_error_ != status.message()) {
    spdlog::warn("replica of {}: {}", ledger_->origin(), status.ToString());
  }
  last_error_ = status.message();
}

Status Replica::WaitApplied(uint64_t sequence, std::chrono::milliseconds timeout) {
  UniqueLock lock(&mu_);
  lock.WaitFor(changed_, timeout, [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return halted_ || ledger_->size() >= sequence;
  });
  if (ledger_->size() >= sequence) return Status::Ok();
  if (halted_) return alarm_;
  return Unavailable("the replica holds " + std::to_string(ledger_->size()) + " entries, not " +
                     std::to_string(sequence) +
                     (last_error_.empty() ? "" : " (last error: " + last_error_ + ")"));
}

Status Replica::WaitHalted(std::chrono::milliseconds timeout) {
  UniqueLock lock(&mu_);
  if (lock.WaitFor(changed_, timeout,
                   [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return halted_; })) {
    return alarm_;
  }
  return Unavailable("the replica did not halt (it holds " + std::to_string(ledger_->size()) +
                     " entries)");
}

Status Replica::alarm() const {
  MutexLock lock(&mu_);
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
  s.read_offset = read_offset_stat_.load(std::memory_order_relaxed);
  auto seconds = [](const std::atomic<int64_t>& ns) {
    return static_cast<double>(ns.load(std::memory_order_relaxed)) / 1e9;
  };
  s.pipeline.batches = stat_batches_.load(std::memory_order_relaxed);
  s.pipeline.groups = stat_groups_.load(std::memory_order_relaxed);
  s.pipeline.rechecks = stat_rechecks_.load(std::memory_order_relaxed);
  s.pipeline.helped = stat_helped_.load(std::memory_order_relaxed);
  s.pipeline.reading_s = seconds(ns_reading_);
  s.pipeline.verifying_s = seconds(ns_verifying_);
  s.pipeline.handling_s = seconds(ns_handling_);
  s.pipeline.waiting_s = seconds(ns_waiting_);
  s.pipeline.draining_s = seconds(ns_draining_);
  s.pipeline.apply_idle_s = seconds(ns_apply_idle_);
  // The cached value from the last fetch response: no request to the broker.
  int64_t low = 0, high = 0;
  if (rd_kafka_get_watermark_offsets(consumer_.get(), options_.topic.c_str(), options_.partition,
                                     &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      high >= 0) {
    s.high_watermark = high;
  }
  MutexLock lock(&mu_);
  s.halted = halted_;
  s.alarm_sequence = alarm_sequence_;
  s.alarm = alarm_.ok() ? "" : alarm_.ToString();
  s.last_error = last_error_;
  return s;
}

}  // namespace ejournal
