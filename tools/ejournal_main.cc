// ejournal: the command-line tool for operators and auditors.
//
//   ejournal init         a node key (0600), an empty ledger, a bootstrap admin key
//   ejournal keygen       an Ed25519 or P-256 credential key pair
//   ejournal ledger verify / checkpoint / proof inclusion / proof consistency
//   ejournal demo append  signed demo events through admission (until the server exists)
//   ejournal demo school  a new data directory with a generated school of this year, up to now
//   ejournal archive export / verify   the school-year archive (docs/ARCHIVE.md)
//   ejournal backup create / list / verify / restore   RocksDB backups (docs/OPERATIONS.md)
//   ejournal print summary / diary    print-ready HTML with the checkpoint (projections/paper.h)
//
// Errors are printed as "error: <code>: <message> [rule]" and exit with status 1.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

#include "ejournal/v1/event.pb.h"
#include "ejournal/v1/ledger.pb.h"
#include "ledger/admission.h"
#include "ledger/archive.h"
#include "ledger/backup.h"
#include "ledger/credentials.h"
#include "ledger/crypto.h"
#include "ledger/event_codec.h"
#include "ledger/ledger.h"
#include "ledger/node_key.h"
#include "ledger/verifier.h"
#include "projections/paper.h"
#include "projections/reports.h"
#include "projections/school_time.h"
#include "projections/views.h"
#include "tools/client.h"
#include "tools/data_dir.h"
#include "tools/synth/school_generator.h"

namespace ejournal::cli {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.ToString().c_str());
  return 1;
}

using tools::LedgerPath;
using tools::NodeKeyPath;
using tools::NodePubPath;

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string NewEventId() {
  static std::mt19937_64 rng(std::random_device{}());
  char buf[40];
  uint64_t a = rng(), b = rng();
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<uint32_t>(a >> 32),
                static_cast<uint32_t>((a >> 16) & 0xffff), static_cast<uint32_t>(a & 0xfff),
                static_cast<uint32_t>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

int64_t NowMicros() { return SystemClock::Default()->NowMicros(); }

// A ledger opened for writing with the node key, admission and the credential registry.
struct WritableLedger {
  explicit WritableLedger(NodeIdentity n) : node(std::move(n)) {}
  NodeIdentity node;
  tools::SchoolLedger school;  // registry, school state, admission (the school rules), ledger
  Ledger* ledger = nullptr;
  const Clock* clock = SystemClock::Default();

  Result<AppendResult> Submit(const std::string& signed_event) {
    EJ_ASSIGN_OR_RETURN(AppendRequest req,
                        school.admission->Check(signed_event, clock->NowMicros()));
    return ledger->Append(std::move(req));
  }

  // An event signed by the node itself.
  Result<AppendResult> SubmitAsNode(v1::EventBody body) {
    body.set_schema_version(kSchemaVersion);
    if (body.event_id().empty()) body.set_event_id(NewEventId());
    body.set_actor_id(kNodeUserId);
    body.set_credential_id(node.credential_id);
    body.set_client_time_us(clock->NowMicros());
    EJ_ASSIGN_OR_RETURN(std::string bytes, SignEvent(body, node.key));
    return Submit(bytes);
  }
};

// The data directory's ledger with the node key, the school rules and the views.
Result<std::unique_ptr<WritableLedger>> OpenWritable(const std::string& data,
                                                     const std::string& origin,
                                                     const Clock* clock = SystemClock::Default()) {
  EJ_ASSIGN_OR_RETURN(NodeIdentity node, LoadNodeIdentity(NodeKeyPath(data)));
  auto w = std::make_unique<WritableLedger>(std::move(node));
  w->clock = clock;
  EJ_ASSIGN_OR_RETURN(
      w->school,
      tools::OpenSchoolLedger(
          data, tools::OpenSchoolOptions{.clock = clock, .node = &w->node, .origin = origin}));
  w->ledger = w->school.ledger.get();
  return w;
}

Result<std::unique_ptr<Ledger>> OpenReadOnly(const std::string& data) {
  LedgerOptions options;
  options.path = LedgerPath(data);
  options.read_only = true;
  return Ledger::Open(options);
}

// ---- replay -----------------------------------------------------------------------------------

// Rebuilds the projections from zero: deletes every view, then folds the whole ledger into a
// fresh school state and writes the views again (Admission::CatchUp). Signatures were checked when
// the events were admitted and are not re-checked here (`ejournal ledger verify` does that).
int Replay(const std::string& data) {
  auto registry = std::make_unique<CredentialRegistry>();
  auto state = std::make_unique<school::SchoolState>();
  auto admission = std::make_unique<Admission>(registry.get(), DecodeLimits{}, state.get());
  LedgerOptions options;
  options.path = LedgerPath(data);
  options.observer = admission.get();
  auto ledger = Ledger::Open(options);
  if (!ledger) return Fail(ledger.error());
  rocksdb::ColumnFamilyHandle* views = (*ledger)->column_families().views;
  if (views == nullptr) return Fail(FailedPrecondition("the ledger has no views column family"));
  const int64_t start = NowMicros();
  if (Status s = school::ClearViews((*ledger)->db(), views); !s.ok()) return Fail(s);
  if (Status s = admission->CatchUp(**ledger); !s.ok()) return Fail(s);
  const double seconds = static_cast<double>(NowMicros() - start) / 1e6;
  const uint64_t events = state->size();
  std::printf("replayed %llu events in %.3f s (%.0f events/s)\n",
              static_cast<unsigned long long>(events), seconds,
              seconds > 0 ? static_cast<double>(events) / seconds : 0.0);
  return 0;
}

// ---- init -------------------------------------------------------------------------------------

// The instant of "YYYY-MM-DDTHH:MM" in `zone`.
Result<int64_t> LocalInstant(const school::SchoolZone& zone, const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5 ||
      h > 23 || mi > 59) {
    return Err(InvalidArgument("--now is YYYY-MM-DDTHH:MM in the school's time zone, not " + text));
  }
  v1::Date date;
  date.set_year(y);
  date.set_month(mo);
  date.set_day(d);
  EJ_ASSIGN_OR_RETURN(school::Day day, school::DayOf(date));
  return zone.InstantOf(day, h * 60 + mi);
}

// `now_text` (tests and demos): the moment the bootstrap is recorded, "YYYY-MM-DDTHH:MM" in the
// school's zone; a server started on this data with --clock-start from then on can write (the
// ledger's time never goes back).
int Init(const std::string& data, const std::string& origin, const std::string& admin,
         const std::string& school_id, const std::string& school_name, const std::string& time_zone,
         const std::string& now_text) {
  synth::SettableClock fixed;
  const Clock* clock = SystemClock::Default();
  if (!now_text.empty()) {
    auto zone = school::SchoolZone::Find(time_zone);
    if (!zone) return Fail(zone.error());
    auto at = LocalInstant(*zone, now_text);
    if (!at) return Fail(at.error());
    fixed.Set(*at);
    clock = &fixed;
  }
  auto node = tools::CreateDataDir(data, origin);
  if (!node) return Fail(node.error());

  auto w = OpenWritable(data, origin, clock);
  if (!w) return Fail(w.error());

  // Bootstrap: the node registers the school, its first administrator, and the administrator's
  // long-lived key.
  {
    v1::EventBody school;
    school.set_school_id(school_id);
    school.mutable_school_registered()->set_name(school_name);
    school.mutable_school_registered()->set_time_zone(time_zone);
    auto r = (*w)->SubmitAsNode(school);
    if (!r) return Fail(r.error());
  }
  auto admin_key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
  if (!admin_key) return Fail(admin_key.error());
  const std::string credential_id = "cred-" + admin + "-bootstrap";
  v1::EventBody user;
  user.set_school_id(school_id);
  auto* reg = user.mutable_user_registered();
  reg->set_user_id(admin);
  reg->add_roles(v1::ROLE_ADMIN);
  reg->set_display_name("Администратор");
  reg->set_login_name(admin);
  auto r = (*w)->SubmitAsNode(user);
  if (!r) return Fail(r.error());
  v1::EventBody cred;
  cred.set_school_id(school_id);
  auto* issued = cred.mutable_credential_issued();
  issued->set_credential_id(credential_id);
  issued->set_user_id(admin);
  issued->set_algorithm(v1::KEY_ALGORITHM_ED25519);
  issued->set_public_key(admin_key->public_key().raw());
  issued->set_kind(v1::CREDENTIAL_KIND_LONG_LIVED);
  issued->set_not_after_us(clock->NowMicros() + 365LL * 24 * 3600 * 1'000'000);
  issued->set_label("bootstrap administrator key (ejournal init)");
  r = (*w)->SubmitAsNode(cred);
  if (!r) return Fail(r.error());
  auto pem = admin_key->ToPem();
  if (!pem) return Fail(pem.error());
  Status st = crypto::WriteSecretFile(data + "/" + admin + ".key", *pem);
  if (!st.ok()) return Fail(st);
  st = crypto::WriteSecretFile(data + "/" + admin + ".credential", credential_id + "\n");
  if (!st.ok()) return Fail(st);
  auto cp = (*w)->ledger->Checkpoint();
  if (!cp) return Fail(cp.error());

  std::printf(
      "initialised %s\n  origin:       %s\n  node key:     %s (mode 0600)\n"
      "  verifier key: %s\n  admin:        %s, credential %s, key %s/%s.key\n",
      data.c_str(), origin.c_str(), NodeKeyPath(data).c_str(), node->VerifierKey().c_str(),
      admin.c_str(), credential_id.c_str(), data.c_str(), admin.c_str());
  return 0;
}

// ---- keygen -----------------------------------------------------------------------------------

int Keygen(const std::string& type_name, const std::string& out, bool overwrite) {
  auto type = crypto::ParseKeyType(type_name);
  if (!type) return Fail(type.error());
  auto key = crypto::PrivateKey::Generate(*type);
  if (!key) return Fail(key.error());
  auto pem = key->ToPem();
  if (!pem) return Fail(pem.error());
  Status st = crypto::WriteSecretFile(out, *pem, overwrite);
  if (!st.ok()) return Fail(st);
  const std::string pub = crypto::Base64Encode(key->public_key().raw());
  std::ofstream(out + ".pub") << crypto::KeyTypeName(*type) << " " << pub << "\n";
  std::printf("private key: %s (mode 0600)\npublic key (%s, base64): %s\n", out.c_str(),
              std::string(crypto::KeyTypeName(*type)).c_str(), pub.c_str());
  return 0;
}

// ---- ledger verify ----------------------------------------------------------------------------

int Verify(const std::string& data, std::string node_pub, int threads) {
  if (node_pub.empty()) node_pub = NodePubPath(data);
  auto vkey = ReadFile(node_pub);
  if (!vkey) return Fail(vkey.error());
  auto ledger = OpenReadOnly(data);
  if (!ledger) return Fail(ledger.error());
  VerifyOptions options;
  options.node_verifier_key = Trim(*vkey);
  options.threads = threads;
  const auto start = std::chrono::steady_clock::now();
  options.progress = [&](uint64_t done, uint64_t total) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\rverified %llu / %llu entries (%.0f%%, %.1f s)",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0,
                 secs);
  };
  auto report = VerifyLedger(**ledger, options);
  std::fprintf(stderr, "\n");
  if (!report) {
    std::fprintf(stderr, "LEDGER VERIFICATION FAILED\n");
    return Fail(report.error());
  }
  std::printf("ledger OK: %llu entries, %llu signatures, %llu checkpoints verified\nroot: %s\n",
              static_cast<unsigned long long>(report->entries),
              static_cast<unsigned long long>(report->signatures),
              static_cast<unsigned long long>(report->checkpoints),
              merkle::ToHex(report->root).c_str());
  return 0;
}

// ---- checkpoint ------------------------------------------------------------------------------

int Checkpoint(const std::string& data, bool make_new) {
  if (make_new) {
    auto w = OpenWritable(data, "");
    if (!w) return Fail(w.error());
    auto cp = (*w)->ledger->Checkpoint();
    if (!cp) return Fail(cp.error());
    std::fputs(cp->c_str(), stdout);
    return 0;
  }
  auto ledger = OpenReadOnly(data);
  if (!ledger) return Fail(ledger.error());
  auto cp = (*ledger)->LatestCheckpoint();
  if (!cp) return Fail(cp.error());
  std::fputs(cp->c_str(), stdout);
  return 0;
}

// The tree size a proof is made for: the given one, else the latest checkpoint's.
Result<uint64_t> ProofSize(const Ledger& ledger, uint64_t size) {
  if (size != 0) return size;
  EJ_ASSIGN_OR_RETURN(std::string note_text, ledger.LatestCheckpoint());
  auto end = note_text.find("\n\n");
  EJ_ASSIGN_OR_RETURN(auto cp, note::Checkpoint::Parse(note_text.substr(0, end + 1)));
  return cp.size;
}

int ProofInclusion(const std::string& data, uint64_t sequence, uint64_t size) {
  auto ledger = OpenReadOnly(data);
  if (!ledger) return Fail(ledger.error());
  auto tree_size = ProofSize(**ledger, size);
  if (!tree_size) return Fail(tree_size.error());
  if (sequence == 0) return Fail(InvalidArgument("sequence numbers start at 1"));
  auto entry = (*ledger)->Entry(sequence);
  if (!entry) return Fail(entry.error());
  auto proof = (*ledger)->InclusionProof(sequence - 1, *tree_size);
  if (!proof) return Fail(proof.error());
  auto root = (*ledger)->Root(*tree_size);
  if (!root) return Fail(root.error());
  const auto leaf = merkle::LeafHash(*entry);
  Status ok = merkle::VerifyInclusion(leaf, sequence - 1, *tree_size, *proof, *root);
  if (!ok.ok()) return Fail(ok);
  std::printf(
      "entry %llu (leaf index %llu) is in the tree of size %llu\nleaf hash: %s\nroot: %s\n"
      "proof (%zu hashes, RFC 9162 order):\n",
      static_cast<unsigned long long>(sequence), static_cast<unsigned long long>(sequence - 1),
      static_cast<unsigned long long>(*tree_size), merkle::ToHex(leaf).c_str(),
      merkle::ToHex(*root).c_str(), proof->size());
  for (const auto& h : *proof) std::printf("  %s\n", merkle::ToHex(h).c_str());
  return 0;
}

int ProofConsistency(const std::string& data, uint64_t old_size, uint64_t size) {
  auto ledger = OpenReadOnly(data);
  if (!ledger) return Fail(ledger.error());
  auto tree_size = ProofSize(**ledger, size);
  if (!tree_size) return Fail(tree_size.error());
  auto proof = (*ledger)->ConsistencyProof(old_size, *tree_size);
  if (!proof) return Fail(proof.error());
  auto root1 = (*ledger)->Root(old_size);
  auto root2 = (*ledger)->Root(*tree_size);
  if (!root1) return Fail(root1.error());
  if (!root2) return Fail(root2.error());
  Status ok = merkle::VerifyConsistency(old_size, *tree_size, *proof, *root1, *root2);
  if (!ok.ok()) return Fail(ok);
  std::printf(
      "the tree of size %llu is a prefix of the tree of size %llu\nold root: %s\n"
      "new root: %s\nproof (%zu hashes, RFC 9162 order):\n",
      static_cast<unsigned long long>(old_size), static_cast<unsigned long long>(*tree_size),
      merkle::ToHex(*root1).c_str(), merkle::ToHex(*root2).c_str(), proof->size());
  for (const auto& h : *proof) std::printf("  %s\n", merkle::ToHex(h).c_str());
  return 0;
}

// ---- archive ----------------------------------------------------------------------------------

// The school-year archive (ledger/archive.h, docs/ARCHIVE.md). Reads the ledger read-only, so it
// runs beside the server; the node key signs the manifest.
int ArchiveExport(const std::string& data, const std::string& school_id, int year,
                  const std::string& out) {
  auto node = LoadNodeIdentity(NodeKeyPath(data));
  if (!node) return Fail(node.error());
  auto ledger = OpenReadOnly(data);
  if (!ledger) return Fail(ledger.error());
  archive::Summary summary;
  auto bundle =
      archive::Export(**ledger, *node->signer,
                      archive::ExportOptions{.school_id = school_id, .year = year}, &summary);
  if (!bundle) return Fail(bundle.error());
  if (Status s = archive::WriteBundle(*bundle, out); !s.ok()) return Fail(s);
  std::printf(
      "archive of %s, academic year %d/%d, in %s\n  entries:     %llu of the ledger's %llu\n"
      "  subtrees:    %llu hashes for the rest\n  checkpoints: %llu\n  root:        %s\n",
      school_id.c_str(), year, year + 1, out.c_str(),
      static_cast<unsigned long long>(summary.entries),
      static_cast<unsigned long long>(summary.tree_size),
      static_cast<unsigned long long>(summary.subtrees),
      static_cast<unsigned long long>(summary.checkpoints), merkle::ToHex(summary.root).c_str());
  return 0;
}

int ArchiveVerify(const std::string& dir, const std::string& node_pub) {
  std::string trusted;
  if (!node_pub.empty()) {
    auto key = ReadFile(node_pub);
    if (!key) return Fail(key.error());
    trusted = Trim(*key);
  }
  auto bundle = archive::ReadBundle(dir);
  if (!bundle) return Fail(bundle.error());
  auto summary = archive::Verify(*bundle, trusted);
  if (!summary) {
    std::fprintf(stderr, "ARCHIVE VERIFICATION FAILED\n");
    return Fail(summary.error());
  }
  std::printf(
      "archive OK: school %s, academic year %d/%d, %llu entries and %llu signatures, the root of "
      "the ledger's %llu entries recomputed and signed; %llu checkpoints consistent\nroot: %s\n",
      summary->school_id.c_str(), summary->year, summary->year + 1,
      static_cast<unsigned long long>(summary->entries),
      static_cast<unsigned long long>(summary->signatures),
      static_cast<unsigned long long>(summary->tree_size),
      static_cast<unsigned long long>(summary->checkpoints), merkle::ToHex(summary->root).c_str());
  if (trusted.empty()) {
    std::printf("note: trusted the archive's own node.pub; pass --node-key with your copy\n");
  }
  return 0;
}

// ---- backup -----------------------------------------------------------------------------------

// Backups with RocksDB's BackupEngine (ledger/backup.h, docs/OPERATIONS.md). From the CLI the
// ledger is opened here, so the server must be stopped; the running server backs up through its
// own endpoint. node.pub goes beside the backups (the node key, a secret, does not).
int BackupCreate(const std::string& data, const std::string& to, uint32_t keep) {
  LedgerOptions options;
  options.path = LedgerPath(data);
  auto ledger = Ledger::Open(options);
  if (!ledger) {
    return Fail(ledger.error().WithContext(
        "opening the ledger (is the server running? then use its backup endpoint)"));
  }
  auto info = backup::CreateBackup(**ledger, to, keep);
  if (!info) return Fail(info.error());
  auto pub = ReadFile(NodePubPath(data));
  if (pub) std::ofstream(to + "/node.pub") << *pub;
  std::printf("backup %u of %s in %s: %llu entries, %llu bytes\n", info->id, data.c_str(),
              to.c_str(), static_cast<unsigned long long>(info->ledger_size),
              static_cast<unsigned long long>(info->bytes));
  return 0;
}

int BackupList(const std::string& from) {
  auto list = backup::ListBackups(from);
  if (!list) return Fail(list.error());
  for (const auto& b : *list) {
    std::printf("backup %u  at %lld  %llu entries  %llu bytes\n", b.id,
                static_cast<long long>(b.timestamp), static_cast<unsigned long long>(b.ledger_size),
                static_cast<unsigned long long>(b.bytes));
  }
  return 0;
}

int BackupVerify(const std::string& from) {
  Status s = backup::VerifyBackups(from);
  if (!s.ok()) return Fail(s);
  std::printf("every file of every backup in %s matches its checksum\n", from.c_str());
  return 0;
}

int BackupRestore(const std::string& from, const std::string& data, uint32_t id) {
  auto info = backup::RestoreBackup(from, LedgerPath(data), id);
  if (!info) return Fail(info.error());
  auto pub = ReadFile(from + "/node.pub");
  if (pub) std::ofstream(NodePubPath(data)) << *pub;
  std::printf("restored backup %u into %s (verify it: ejournal ledger verify --data %s)\n",
              info->id, data.c_str(), data.c_str());
  return 0;
}

// ---- print ------------------------------------------------------------------------------------

// Paper (projections/paper.h): the summary statement of a class's year and a student's diary week
// as print-ready HTML, stamped with the ledger position and the signed checkpoint.
int Print(const std::string& data, const std::string& what, const std::string& school_id,
          const std::string& id, const std::string& year_or_week, const std::string& out) {
  auto opened = tools::OpenSchoolLedger(data, tools::OpenSchoolOptions{});
  if (!opened) return Fail(opened.error().WithContext("opening the ledger (stop the server)"));
  const school::School* school = opened->state->FindSchool(school_id);
  if (school == nullptr) return Fail(NotFound("no school " + school_id));
  auto cp_text = opened->ledger->LatestCheckpoint();
  if (!cp_text) return Fail(cp_text.error());
  auto cp = note::Checkpoint::Parse(cp_text->substr(0, cp_text->find("\n\n") + 1));
  if (!cp) return Fail(cp.error());
  school::PaperStamp stamp{.origin = cp->origin,
                           .tree_size = cp->size,
                           .root_hex = merkle::ToHex(cp->root),
                           .printed_at = {}};
  const int64_t now = NowMicros();
  const int minutes = school->zone.LocalMinutes(now);
  char hhmm[32];
  std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", minutes / 60, minutes % 60);
  stamp.printed_at = school::DayString(school->zone.LocalDay(now)) + " " + hhmm;
  std::string html;
  if (what == "summary") {
    auto view = school::SummaryStatement(*opened->state, school_id, id, year_or_week);
    if (!view) return Fail(view.error());
    html = school::SummaryStatementHtml(*school, *view, stamp);
  } else {
    int y = 0, m = 0, dd = 0;
    if (std::sscanf(year_or_week.c_str(), "%d-%d-%d", &y, &m, &dd) != 3) {
      return Fail(InvalidArgument("--week is a date, YYYY-MM-DD"));
    }
    v1::Date d;
    d.set_year(y);
    d.set_month(m);
    d.set_day(dd);
    auto day = school::DayOf(d);
    if (!day) return Fail(day.error());
    school::ViewReader reader(opened->ledger->db(), opened->ledger->column_families().views);
    auto view = reader.DiaryWeek(*opened->state, school_id, id, school::WeekStart(*day));
    if (!view) return Fail(view.error());
    html = school::DiaryWeekHtml(*school, *view, stamp);
  }
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  file << html;
  if (!file.flush()) return Fail(IoError("cannot write " + out));
  std::printf("%s: %zu bytes of print-ready HTML (ledger position %llu, checkpoint %llu)\n",
              out.c_str(), html.size(), static_cast<unsigned long long>(opened->state->size()),
              static_cast<unsigned long long>(cp->size));
  return 0;
}

// ---- demo school ------------------------------------------------------------------------------

// A new data directory with a generated school (tools/synth) of this academic year, from 1
// September up to now: every event signed by its author's key and admitted through every school
// rule. The lessons of the coming three weeks are scheduled (at now, whatever the weekday: a walk
// through the pages moves and cancels coming lessons) but not yet held. Writes the keys of one user
// of every role to DATA/demo/<user>.key (PKCS#8, 0600) with <user>.credential, and prints them.
int DemoSchool(const std::string& data, synth::Options options, const std::string& now_text) {
  const std::string origin = "ejournal.demo/ledger/1";
  auto node = tools::CreateDataDir(data, origin);
  if (!node) return Fail(node.error());
  synth::SettableClock clock;
  auto opened = tools::OpenSchoolLedger(
      data, tools::OpenSchoolOptions{.clock = &clock, .node = &*node, .origin = origin});
  if (!opened) return Fail(opened.error());
  auto zone = school::SchoolZone::Find(options.zone);
  if (!zone) return Fail(zone.error());
  int64_t now = NowMicros();
  if (!now_text.empty()) {
    auto at = LocalInstant(*zone, now_text);
    if (!at) return Fail(at.error());
    now = *at;
  }
  const v1::Date today = school::DateOf(zone->LocalDay(now));
  options.year = today.month() >= 8 ? today.year() : today.year() - 1;
  options.stop_at_us = now;
  options.schedule_ahead_days = 21;
  synth::SchoolGenerator generator(options, node->credential_id, node->key);
  const auto start = std::chrono::steady_clock::now();
  auto driven = synth::Drive(
      generator, *opened->admission, *opened->ledger, clock, [&](const synth::DriveResult& r) {
        if (r.groups % 200 == 0) {
          std::fprintf(stderr, "\r%llu events", static_cast<unsigned long long>(r.appended));
        }
      });
  std::fprintf(stderr, "\n");
  if (!driven) return Fail(driven.error());
  auto cp = opened->ledger->Checkpoint();
  if (!cp) return Fail(cp.error());
  std::error_code ec;
  std::filesystem::create_directories(data + "/demo", ec);
  if (ec) return Fail(IoError("cannot create " + data + "/demo: " + ec.message()));
  const std::string school_id = generator.school_ids().front();
  std::printf("demo school %s, academic year %d/%d: %llu events in %.1f s\n", school_id.c_str(),
              options.year, options.year + 1, static_cast<unsigned long long>(driven->appended),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  std::printf("users (login = id), their keys in %s/demo/:\n", data.c_str());
  for (const auto& [role, user] : generator.sample_users()) {
    const crypto::PrivateKey* key = generator.KeyOf(school_id, user);
    const std::string credential = generator.CredentialOf(school_id, user);
    std::string key_file = "-";
    if (key != nullptr) {
      auto pem = key->ToPem();
      if (!pem) return Fail(pem.error());
      key_file = data + "/demo/" + user + ".key";
      Status st = crypto::WriteSecretFile(key_file, *pem, true);
      if (st.ok()) {
        st = crypto::WriteSecretFile(data + "/demo/" + user + ".credential", credential + "\n",
                                     true);
      }
      if (!st.ok()) return Fail(st);
    }
    std::printf("  %-14s %-18s credential %s\n", role.c_str(), user.c_str(),
                credential.empty() ? "-" : credential.c_str());
  }
  if (const auto& leak = generator.leak()) {
    std::printf("a credential leak: teacher %s, Act %s (R-SEC-3), %zu records re-entered\n",
                leak->teacher_id.c_str(), leak->act_id.c_str(), leak->reentry_event_ids.size());
  }
  // For the README's walkthrough: the sample teacher's latest held lesson in the sample
  // student's class, as shell variables in DATA/demo/walkthrough.env.
  std::map<std::string, std::string> who;
  for (const auto& [role, user] : generator.sample_users()) who[role] = user;
  const school::School* school = opened->state->FindSchool(school_id);
  const school::Student* student = nullptr;  // none in a very small demo school
  if (school != nullptr) {
    auto it = school->students.find(who["student"]);
    if (it != school->students.end()) student = &it->second;
  }
  const school::Lesson* latest = nullptr;
  if (student != nullptr && !student->memberships.empty()) {
    const std::string cls = student->memberships.back().class_id;
    for (const auto& [id, lesson] : school->lessons) {
      if (lesson.teacher_id != who["teacher"] || lesson.class_id != cls ||
          lesson.record.Current(*opened->state) == nullptr ||
          !school->InLesson(lesson, who["student"])) {
        continue;
      }
      if (latest == nullptr || std::tie(lesson.date, lesson.period, lesson.id) >
                                   std::tie(latest->date, latest->period, latest->id)) {
        latest = &lesson;
      }
    }
  }
  std::ofstream env(data + "/demo/walkthrough.env", std::ios::trunc);
  env << "SCHOOL=" << school_id << "\nNOW_US=" << now << "\n";
  for (const auto& [role, user] : who) {
    std::string var = role;
    for (auto& ch : var) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    env << var << "=" << user << "\n";
  }
  if (latest != nullptr) {
    env << "LESSON=" << latest->id << "\nLESSON_DATE=" << school::DayString(latest->date)
        << "\nCLASS=" << latest->class_id << "\nSUBJECT=" << latest->subject_id << "\n";
  }
  return 0;
}

// ---- demo append ------------------------------------------------------------------------------

int DemoAppend(const std::string& data, const std::string& admin, const std::string& school_id,
               int count) {
  auto w = OpenWritable(data, "");
  if (!w) return Fail(w.error());
  auto pem = ReadFile(data + "/" + admin + ".key");
  if (!pem) return Fail(pem.error());
  auto key = crypto::PrivateKey::FromPem(*pem);
  if (!key) return Fail(key.error());
  auto credential = ReadFile(data + "/" + admin + ".credential");
  if (!credential) return Fail(credential.error());
  const uint64_t before = (*w)->ledger->size();
  std::vector<AppendRequest> requests;
  for (int i = 0; i < count; ++i) {
    v1::EventBody body;
    body.set_schema_version(kSchemaVersion);
    body.set_event_id(NewEventId());
    body.set_school_id(school_id);
    body.set_actor_id(admin);
    body.set_credential_id(Trim(*credential));
    body.set_client_time_us(NowMicros());
    auto* user = body.mutable_user_registered();
    user->set_user_id("demo-student-" + std::to_string(before + static_cast<uint64_t>(i)));
    user->add_roles(v1::ROLE_STUDENT);
    user->set_display_name("Ученик " + std::to_string(before + static_cast<uint64_t>(i)));
    auto bytes = SignEvent(body, *key);
    if (!bytes) return Fail(bytes.error());
    auto req = (*w)->school.admission->Check(*bytes, NowMicros());
    if (!req) return Fail(req.error());
    requests.push_back(std::move(*req));
  }
  auto results = (*w)->ledger->AppendBatch(std::move(requests));
  for (const auto& r : results) {
    if (!r) return Fail(r.error());
  }
  auto cp = (*w)->ledger->Checkpoint();
  if (!cp) return Fail(cp.error());
  std::printf("appended %d signed events (sequences %llu..%llu); ledger size %llu\n", count,
              static_cast<unsigned long long>(before + 1),
              static_cast<unsigned long long>((*w)->ledger->size()),
              static_cast<unsigned long long>((*w)->ledger->size()));
  return 0;
}

// The values the operator commands' flags set; commands share them (every --data is `data`).
struct Args {
  std::string data = "ejournal-data";
  std::string origin = "ejournal.local/ledger/1";
  std::string admin = "admin";
  std::string init_school = "school-1", school_name = "Школа", time_zone = "Europe/Moscow";
  std::string key_type = "ed25519", key_out;
  bool overwrite = false;
  std::string node_pub;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool make_new = false;
  uint64_t sequence = 0, size = 0, old_size = 0;
  int count = 100;
  std::string school_id, archive_dir;
  int archive_year = 0;
  std::string backup_dir;
  uint32_t keep = 0, backup_id = 0;
  std::string print_id, print_period, print_out;
  synth::Options school_options = DemoSchoolOptions();
  std::string demo_now;  // `demo school --now`: empty for the clock's now
  std::string init_now;  // `init --now`: empty for the clock's now

  // `demo school`: a school of a demo's size (11 classes, 275 students, 24 teachers, up to 40
  // study weeks).
  static synth::Options DemoSchoolOptions() {
    synth::Options o;
    o.classes = 11;
    o.students = 275;
    o.teachers = 24;
    o.weeks = 40;
    return o;
  }
};

// The operator commands, to tell after parsing which one was chosen.
struct Commands {
  CLI::App *init = nullptr, *keygen = nullptr, *verify = nullptr, *checkpoint = nullptr,
           *inclusion = nullptr, *consistency = nullptr, *replay = nullptr, *demo_append = nullptr,
           *demo_school = nullptr, *archive_export = nullptr, *archive_verify = nullptr,
           *backup_create = nullptr, *backup_list = nullptr, *backup_verify = nullptr,
           *backup_restore = nullptr, *print_summary = nullptr, *print_diary = nullptr;
};

// init, keygen, ledger verify, checkpoint, proof inclusion / consistency, replay.
void AddLedgerCommands(CLI::App& app, Args& a, Commands& c) {
  c.init = app.add_subcommand("init", "create a node key, an empty ledger, a bootstrap admin");
  c.init->add_option("--data", a.data, "data directory")->capture_default_str();
  c.init->add_option("--origin", a.origin, "checkpoint origin / node key name")
      ->capture_default_str();
  c.init->add_option("--admin", a.admin, "login of the first administrator")->capture_default_str();
  c.init->add_option("--school", a.init_school, "the first school's id")->capture_default_str();
  c.init->add_option("--school-name", a.school_name, "its name")->capture_default_str();
  c.init->add_option("--time-zone", a.time_zone, "its IANA time zone (R-TIME-1)")
      ->capture_default_str();
  c.init->add_option("--now", a.init_now,
                     "tests and demos only: the moment of the bootstrap, YYYY-MM-DDTHH:MM in the "
                     "school's zone (default: the clock's); serve it with ejournald --clock-start");

  c.keygen = app.add_subcommand("keygen", "generate a credential key pair (PKCS#8 PEM, 0600)");
  c.keygen->add_option("--type", a.key_type, "ed25519 or p256")->capture_default_str();
  c.keygen->add_option("--out", a.key_out, "private key file (public key goes to FILE.pub)")
      ->required();
  c.keygen->add_flag("--force", a.overwrite, "overwrite an existing file");

  auto* ledger = app.add_subcommand("ledger", "ledger operations");
  ledger->require_subcommand(1);
  c.verify = ledger->add_subcommand(
      "verify", "check every entry, signature, tree node and checkpoint; name the first bad one");
  c.verify->add_option("--data", a.data, "data directory")->capture_default_str();
  c.verify->add_option("--node-key", a.node_pub,
                       "the node's verifier key file (default DATA/node.pub)");
  c.verify->add_option("--threads", a.threads, "signature-checking threads")->capture_default_str();

  c.checkpoint = app.add_subcommand("checkpoint", "print the latest signed checkpoint");
  c.checkpoint->add_option("--data", a.data, "data directory")->capture_default_str();
  c.checkpoint->add_flag("--new", a.make_new, "sign a checkpoint for the current tree first");

  auto* proof = app.add_subcommand("proof", "Merkle proofs (RFC 9162)");
  proof->require_subcommand(1);
  c.inclusion = proof->add_subcommand("inclusion", "prove that an entry is in the ledger");
  c.inclusion->add_option("--data", a.data, "data directory")->capture_default_str();
  c.inclusion->add_option("--sequence", a.sequence, "the entry's sequence number")->required();
  c.inclusion->add_option("--size", a.size, "tree size (default: the latest checkpoint's)");
  c.consistency =
      proof->add_subcommand("consistency", "prove that the ledger only grew between two sizes");
  c.consistency->add_option("--data", a.data, "data directory")->capture_default_str();
  c.consistency->add_option("--old-size", a.old_size, "the older tree size")->required();
  c.consistency->add_option("--size", a.size, "the newer tree size (default: latest checkpoint's)");

  c.replay = app.add_subcommand("replay", "rebuild the projections (views) from zero");
  c.replay->add_option("--data", a.data, "data directory")->capture_default_str();
}

// demo append, demo school.
void AddDemoCommands(CLI::App& app, Args& a, Commands& c) {
  auto* demo = app.add_subcommand("demo", "demo data");
  demo->require_subcommand(1);
  c.demo_append = demo->add_subcommand("append", "append signed demo events as the admin");
  c.demo_append->add_option("--data", a.data, "data directory")->capture_default_str();
  c.demo_append->add_option("--count", a.count, "how many")->capture_default_str();
  c.demo_append->add_option("--admin", a.admin, "the admin whose key signs")->capture_default_str();
  c.demo_append->add_option("--school", a.init_school, "the school (as given to init)")
      ->capture_default_str();

  synth::Options& o = a.school_options;
  c.demo_school = demo->add_subcommand(
      "school", "a new data directory with a generated school of this year, up to now");
  c.demo_school->add_option("--data", a.data, "a new data directory")->required();
  c.demo_school->add_option("--classes", o.classes, "classes")->capture_default_str();
  c.demo_school->add_option("--students", o.students, "students")->capture_default_str();
  c.demo_school->add_option("--teachers", o.teachers, "teachers")->capture_default_str();
  c.demo_school->add_option("--seed", o.seed, "seed")->capture_default_str();
  c.demo_school->add_option(
      "--now", a.demo_now,
      "the demo's now, YYYY-MM-DDTHH:MM in the school's zone (default: the clock's); serve it "
      "with ejournald --clock-start NOW_US from DATA/demo/walkthrough.env");
}

// archive export / verify, backup create / list / verify / restore.
void AddArchiveAndBackupCommands(CLI::App& app, Args& a, Commands& c) {
  auto* archive_cmd = app.add_subcommand("archive", "the school-year archive (docs/ARCHIVE.md)");
  archive_cmd->require_subcommand(1);
  c.archive_export = archive_cmd->add_subcommand("export", "write a school year's archive");
  c.archive_export->add_option("--data", a.data, "data directory")->capture_default_str();
  c.archive_export->add_option("--school", a.school_id, "school id")->required();
  c.archive_export->add_option("--year", a.archive_year, "academic year (2025: 2025/26)")
      ->required();
  c.archive_export->add_option("--out", a.archive_dir, "a directory for the archive")->required();
  c.archive_verify = archive_cmd->add_subcommand("verify", "check an archive offline");
  c.archive_verify->add_option("--dir", a.archive_dir, "the archive's directory")->required();
  c.archive_verify->add_option("--node-key", a.node_pub,
                               "the node's verifier key file you trust (default: the archive's)");

  auto* backup_cmd = app.add_subcommand("backup", "backups of the ledger (docs/OPERATIONS.md)");
  backup_cmd->require_subcommand(1);
  c.backup_create = backup_cmd->add_subcommand("create", "back up a stopped node's ledger");
  c.backup_create->add_option("--data", a.data, "data directory")->capture_default_str();
  c.backup_create->add_option("--to", a.backup_dir, "the backup directory")->required();
  c.backup_create->add_option("--keep", a.keep, "keep this many newest backups (0: all)");
  c.backup_list = backup_cmd->add_subcommand("list", "list the backups");
  c.backup_list->add_option("--from", a.backup_dir, "the backup directory")->required();
  c.backup_verify = backup_cmd->add_subcommand("verify", "check every backed-up file");
  c.backup_verify->add_option("--from", a.backup_dir, "the backup directory")->required();
  c.backup_restore = backup_cmd->add_subcommand("restore", "restore into a new data directory");
  c.backup_restore->add_option("--from", a.backup_dir, "the backup directory")->required();
  c.backup_restore->add_option("--data", a.data, "the new data directory")->required();
  c.backup_restore->add_option("--id", a.backup_id, "the backup (default: the newest)");
}

// print summary / diary.
void AddPrintCommands(CLI::App& app, Args& a, Commands& c) {
  auto* print_cmd = app.add_subcommand("print", "print-ready HTML (a stopped node)");
  print_cmd->require_subcommand(1);
  c.print_summary = print_cmd->add_subcommand("summary", "a class's summary statement");
  c.print_summary->add_option("--data", a.data, "data directory")->capture_default_str();
  c.print_summary->add_option("--school", a.school_id, "school id")->required();
  c.print_summary->add_option("--class", a.print_id, "class id")->required();
  c.print_summary->add_option("--year", a.print_period, "academic year id, e.g. 2025")->required();
  c.print_summary->add_option("--out", a.print_out, "the HTML file")->required();
  c.print_diary = print_cmd->add_subcommand("diary", "a student's diary week");
  c.print_diary->add_option("--data", a.data, "data directory")->capture_default_str();
  c.print_diary->add_option("--school", a.school_id, "school id")->required();
  c.print_diary->add_option("--student", a.print_id, "student id")->required();
  c.print_diary->add_option("--week", a.print_period, "a day of the week, YYYY-MM-DD")->required();
  c.print_diary->add_option("--out", a.print_out, "the HTML file")->required();
}

// Runs the chosen operator command.
int RunChosen(const Commands& c, const Args& a) {
  if (*c.init) {
    return Init(a.data, a.origin, a.admin, a.init_school, a.school_name, a.time_zone, a.init_now);
  }
  if (*c.keygen) return Keygen(a.key_type, a.key_out, a.overwrite);
  if (*c.verify) return Verify(a.data, a.node_pub, a.threads);
  if (*c.checkpoint) return Checkpoint(a.data, a.make_new);
  if (*c.inclusion) return ProofInclusion(a.data, a.sequence, a.size);
  if (*c.consistency) return ProofConsistency(a.data, a.old_size, a.size);
  if (*c.demo_append) return DemoAppend(a.data, a.admin, a.init_school, a.count);
  if (*c.demo_school) return DemoSchool(a.data, a.school_options, a.demo_now);
  if (*c.archive_export) return ArchiveExport(a.data, a.school_id, a.archive_year, a.archive_dir);
  if (*c.archive_verify) return ArchiveVerify(a.archive_dir, a.node_pub);
  if (*c.backup_create) return BackupCreate(a.data, a.backup_dir, a.keep);
  if (*c.print_summary) {
    return Print(a.data, "summary", a.school_id, a.print_id, a.print_period, a.print_out);
  }
  if (*c.print_diary) {
    return Print(a.data, "diary", a.school_id, a.print_id, a.print_period, a.print_out);
  }
  if (*c.backup_list) return BackupList(a.backup_dir);
  if (*c.backup_verify) return BackupVerify(a.backup_dir);
  if (*c.backup_restore) return BackupRestore(a.backup_dir, a.data, a.backup_id);
  if (*c.replay) return Replay(a.data);
  return 2;
}

}  // namespace
}  // namespace ejournal::cli

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  CLI::App app{"ejournal: the electronic class journal's command-line tool"};
  app.require_subcommand(1);
  using namespace ejournal::cli;
  Args args;
  Commands commands;
  AddLedgerCommands(app, args, commands);
  AddDemoCommands(app, args, commands);
  AddArchiveAndBackupCommands(app, args, commands);
  AddPrintCommands(app, args, commands);
  auto run_client = ejournal::client::AddClientCommands(app);

  CLI11_PARSE(app, argc, argv);
  if (int rc = run_client(); rc >= 0) return rc;
  return RunChosen(commands, args);
}
