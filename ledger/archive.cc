#include "ledger/archive.h"

#include <algorithm>
#include <bit>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "ejournal/v1/ledger.pb.h"
#include "ledger/credentials.h"
#include "ledger/crypto.h"
#include "ledger/event_codec.h"
#include "ledger/verifier.h"
#include "projections/school_time.h"
#include "schemas/big_endian.h"

namespace ejournal::archive {
namespace {

constexpr char kManifest[] = "MANIFEST";
constexpr char kEntries[] = "entries.bin";
constexpr char kSubtrees[] = "subtrees.bin";
constexpr char kCheckpoints[] = "checkpoints.bin";
constexpr char kNodePub[] = "node.pub";
// The files the manifest lists, in the order it lists them.
const char* const kListed[] = {kCheckpoints, kEntries, kNodePub, kSubtrees};

// Reads big-endian integers and byte strings from one file; every short read names the file.
class Reader {
 public:
  Reader(std::string_view file, std::string_view data) : file_(file), data_(data) {}
  bool done() const { return pos_ == data_.size(); }
  size_t pos() const { return pos_; }
  Result<uint64_t> BE(int bytes) {
    if (data_.size() - pos_ < static_cast<size_t>(bytes)) return Err(Short());
    const uint64_t v = DecodeBigEndian(data_.substr(pos_), bytes);
    pos_ += static_cast<size_t>(bytes);
    return v;
  }
  Result<std::string_view> Bytes(uint64_t n) {
    if (data_.size() - pos_ < n) return Err(Short());
    std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  Status Short() const {
    return DataLoss(file_ + ": ends in the middle of a record at byte " + std::to_string(pos_));
  }
  std::string file_;
  std::string_view data_;
  size_t pos_ = 0;
};

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  const merkle::Hash h = crypto::Sha256(data);
  return Hex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

// The end of academic year `year` (1 September of year + 1, 00:00 school-local).
Result<int64_t> YearEnd(const std::string& zone_name, int year) {
  EJ_ASSIGN_OR_RETURN(school::SchoolZone zone, school::SchoolZone::Find(zone_name));
  v1::Date d;
  d.set_year(year + 1);
  d.set_month(9);
  d.set_day(1);
  EJ_ASSIGN_OR_RETURN(school::Day day, school::DayOf(d));
  return zone.InstantOf(day, 0);
}

// The text of a signed note (before the blank line).
std::string NoteText(std::string_view note) {
  const size_t end = note.find("\n\n");
  return std::string(end == std::string_view::npos ? note : note.substr(0, end + 1));
}

struct Subtree {
  uint64_t begin = 0, end = 0;
  merkle::Hash hash{};
};

// The RFC 6962 subtrees of [begin, end) that hold none of `included` (sorted leaf indexes), left
// to right, as the tree hash recursion meets them.
void PrunedRanges(const std::vector<uint64_t>& included, uint64_t begin, uint64_t end,
                  std::vector<std::pair<uint64_t, uint64_t>>& out) {
  auto first = std::lower_bound(included.begin(), included.end(), begin);
  if (first == included.end() || *first >= end) {
    out.emplace_back(begin, end);
    return;
  }
  if (end - begin == 1) return;  // an included leaf
  const uint64_t k = std::bit_floor(end - begin - 1);
  PrunedRanges(included, begin, begin + k, out);
  PrunedRanges(included, begin + k, end, out);
}

struct ParsedEntry {
  uint64_t seq = 0;
  std::string_view bytes;
};

// MTH(D[begin:end]) from the archive's entries and subtree hashes, consumed left to right.
class RootBuilder {
 public:
  RootBuilder(const std::vector<ParsedEntry>& entries, const std::vector<Subtree>& subtrees)
      : entries_(entries), subtrees_(subtrees) {}
  Result<merkle::Hash> Mth(uint64_t begin, uint64_t end) {
    if (si_ < subtrees_.size() && subtrees_[si_].begin == begin && subtrees_[si_].end == end) {
      return subtrees_[si_++].hash;
    }
    if (end - begin == 1) {
      if (ei_ < entries_.size() && entries_[ei_].seq == begin + 1) {
        return merkle::LeafHash(entries_[ei_++].bytes);
      }
      return Err(DataLoss(std::string(kSubtrees) + ": no entry and no subtree hash covers entry " +
                          std::to_string(begin + 1)));
    }
    const uint64_t k = std::bit_floor(end - begin - 1);
    EJ_ASSIGN_OR_RETURN(merkle::Hash left, Mth(begin, begin + k));
    EJ_ASSIGN_OR_RETURN(merkle::Hash right, Mth(begin + k, end));
    return merkle::NodeHash(left, right);
  }
  Status Finish() const {
    if (ei_ != entries_.size()) {
      return DataLoss(std::string(kEntries) + ": entry " + std::to_string(entries_[ei_].seq) +
                      " lies under a subtree hash of " + kSubtrees);
    }
    if (si_ != subtrees_.size()) {
      return DataLoss(std::string(kSubtrees) + ": record " + std::to_string(si_) +
                      " is not a subtree of the tree");
    }
    return Status::Ok();
  }

 private:
  const std::vector<ParsedEntry>& entries_;
  const std::vector<Subtree>& subtrees_;
  size_t ei_ = 0, si_ = 0;
};

}  // namespace

Result<Bundle> Export(const Ledger& ledger, const note::NoteSigner& node,
                      const ExportOptions& options, Summary* summary) {
  EJ_ASSIGN_OR_RETURN(std::string latest, ledger.LatestCheckpoint());
  EJ_ASSIGN_OR_RETURN(note::Checkpoint final_cp, note::Checkpoint::Parse(NoteText(latest)));
  const uint64_t n = final_cp.size;
  // The school's entries of the year: its events recorded before the year's end.
  std::string entries_bin;
  std::vector<uint64_t> included;  // leaf indexes
  int64_t year_end = 0, year_start = 0;
  bool registered = false;
  uint64_t beyond = 0;  // an entry of the year after the checkpoint
  Status failed;
  EJ_RETURN_IF_ERROR(ledger.ForEachEntry(1, [&](uint64_t seq, std::string_view bytes) {
    v1::LedgerEntry entry;
    v1::EventBody body;
    if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        !body.ParseFromString(entry.event().body())) {
      failed = DataLoss("entry " + std::to_string(seq) + " does not parse");
      return false;
    }
    if (body.school_id() != options.school_id) return true;
    if (!registered && body.has_school_registered()) {
      auto end = YearEnd(body.school_registered().time_zone(), options.year);
      auto start = YearEnd(body.school_registered().time_zone(), options.year - 1);
      if (!end || !start) {
        failed = end ? start.error() : end.error();
        return false;
      }
      year_end = *end;
      year_start = *start;
      registered = true;
    }
    if (!registered || entry.recorded_at_us() >= year_end) return true;
    if (seq > n) {
      beyond = seq;
      return false;
    }
    included.push_back(seq - 1);
    AppendBigEndian(entries_bin, seq, 8);
    AppendBigEndian(entries_bin, bytes.size(), 4);
    entries_bin.append(bytes);
    return true;
  }));
  EJ_RETURN_IF_ERROR(failed);
  if (!registered) return Err(NotFound("school " + options.school_id + " is not in this ledger"));
  if (beyond != 0) {
    return Err(FailedPrecondition("the latest checkpoint covers " + std::to_string(n) +
                                  " entries but the year has entry " + std::to_string(beyond) +
                                  ": sign a new checkpoint (ejournal checkpoint --new) first"));
  }
  // The subtrees without the school's entries: complete nodes in one batch, right-edge ranges
  // one by one.
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  if (n > 0) PrunedRanges(included, 0, n, ranges);
  std::string subtrees_bin;
  std::vector<merkle::NodeId> ids;
  std::vector<size_t> id_of_range(ranges.size(), SIZE_MAX);
  for (size_t i = 0; i < ranges.size(); ++i) {
    const auto [b, e] = ranges[i];
    const uint64_t width = e - b;
    if (std::has_single_bit(width) && b % width == 0) {
      id_of_range[i] = ids.size();
      ids.push_back(merkle::NodeId{static_cast<uint32_t>(std::countr_zero(width)), b / width});
    }
  }
  std::vector<merkle::Hash> hashes;
  for (size_t i = 0; i < ids.size(); i += 4096) {
    const size_t count = std::min<size_t>(4096, ids.size() - i);
    EJ_ASSIGN_OR_RETURN(auto part,
                        ledger.nodes().Nodes(std::span<const merkle::NodeId>(&ids[i], count)));
    hashes.insert(hashes.end(), part.begin(), part.end());
  }
  for (size_t i = 0; i < ranges.size(); ++i) {
    merkle::Hash h;
    if (id_of_range[i] != SIZE_MAX) {
      h = hashes[id_of_range[i]];
    } else {
      EJ_ASSIGN_OR_RETURN(h,
                          merkle::SubtreeRoot(ledger.nodes(), ranges[i].first, ranges[i].second));
    }
    AppendBigEndian(subtrees_bin, ranges[i].first, 8);
    AppendBigEndian(subtrees_bin, ranges[i].second, 8);
    subtrees_bin.append(reinterpret_cast<const char*>(h.data()), h.size());
  }
  // The last checkpoint of each day of the year, and the final one, with consistency proofs.
  std::vector<std::pair<uint64_t, std::string>> daily;  // (size, note), the last per day
  int64_t last_day = INT64_MIN;
  EJ_RETURN_IF_ERROR(ledger.ForEachCheckpoint([&](uint64_t size, std::string_view note) {
    if (size >= n) return false;
    auto bytes = ledger.Entry(size);
    v1::LedgerEntry entry;
    if (!bytes || !entry.ParseFromString(*bytes)) {
      failed = DataLoss("entry " + std::to_string(size) + " does not parse");
      return false;
    }
    const int64_t at = entry.recorded_at_us();
    if (at < year_start - 31 * school::kMicrosPerDay || at >= year_end) return true;
    // One checkpoint per UTC day of the ledger's time (the last of that day).
    const int64_t day = at / school::kMicrosPerDay;
    if (day == last_day && !daily.empty()) {
      daily.back() = {size, std::string(note)};
    } else {
      daily.emplace_back(size, std::string(note));
      last_day = day;
    }
    return true;
  }));
  EJ_RETURN_IF_ERROR(failed);
  daily.emplace_back(n, latest);
  std::string checkpoints_bin;
  for (const auto& [size, note] : daily) {
    AppendBigEndian(checkpoints_bin, note.size(), 4);
    checkpoints_bin.append(note);
    std::vector<merkle::Hash> proof;
    if (size != n) {
      EJ_ASSIGN_OR_RETURN(proof, ledger.ConsistencyProof(size, n));
    }
    AppendBigEndian(checkpoints_bin, proof.size(), 4);
    for (const auto& h : proof) checkpoints_bin.append(reinterpret_cast<const char*>(h.data()), 32);
  }
  Bundle bundle;
  bundle[kEntries] = std::move(entries_bin);
  bundle[kSubtrees] = std::move(subtrees_bin);
  bundle[kCheckpoints] = std::move(checkpoints_bin);
  bundle[kNodePub] = node.VerifierKey() + "\n";
  std::string text = std::string(kFormatLine) + "\norigin " + final_cp.origin + "\nschool " +
                     options.school_id + "\nyear " + std::to_string(options.year) + "\ntree-size " +
                     std::to_string(n) + "\nroot " + merkle::ToHex(final_cp.root) + "\nentries " +
                     std::to_string(included.size()) + "\n";
  for (const char* name : kListed) {
    text += std::string("file ") + name + " " + std::to_string(bundle[name].size()) + " " +
            Sha256Hex(bundle[name]) + "\n";
  }
  EJ_ASSIGN_OR_RETURN(bundle[kManifest], node.Sign(text));
  if (summary != nullptr) {
    *summary = Summary{.origin = final_cp.origin,
                       .school_id = options.school_id,
                       .year = options.year,
                       .tree_size = n,
                       .entries = included.size(),
                       .subtrees = ranges.size(),
                       .checkpoints = daily.size(),
                       .signatures = 0,
                       .root = final_cp.root};
  }
  return bundle;
}

namespace {

// 1. The manifest's fields (its signature already checked: `text` is what it signed), each file's
// size and SHA-256 against its line, and the root.
Result<Summary> ReadManifest(const Bundle& bundle, const std::string& text) {
  Summary s;
  merkle::Hash manifest_root{};
  std::istringstream in(text);
  std::string line;
  auto field = [&](const std::string& key) -> Result<std::string> {
    if (!std::getline(in, line) || !line.starts_with(key + " ")) {
      return Err(DataLoss(std::string(kManifest) + ": expected the line \"" + key + " ...\""));
    }
    return line.substr(key.size() + 1);
  };
  auto number = [&](const std::string& key) -> Result<uint64_t> {
    EJ_ASSIGN_OR_RETURN(std::string v, field(key));
    if (v.empty() || v.size() > 19 || !std::all_of(v.begin(), v.end(), ::isdigit)) {
      return Err(DataLoss(std::string(kManifest) + ": " + key + " is not a number"));
    }
    return std::stoull(v);
  };
  if (!std::getline(in, line) || line != kFormatLine) {
    return Err(DataLoss(std::string(kManifest) + ": not \"" + kFormatLine + "\""));
  }
  EJ_ASSIGN_OR_RETURN(s.origin, field("origin"));
  EJ_ASSIGN_OR_RETURN(s.school_id, field("school"));
  EJ_ASSIGN_OR_RETURN(uint64_t year, number("year"));
  s.year = static_cast<int>(year);
  EJ_ASSIGN_OR_RETURN(s.tree_size, number("tree-size"));
  EJ_ASSIGN_OR_RETURN(std::string root_hex, field("root"));
  EJ_ASSIGN_OR_RETURN(uint64_t entries, number("entries"));
  for (const char* name : kListed) {
    EJ_ASSIGN_OR_RETURN(std::string v, field("file"));
    const std::string& data = bundle.at(name);
    const std::string expected =
        std::string(name) + " " + std::to_string(data.size()) + " " + Sha256Hex(data);
    if (!v.starts_with(std::string(name) + " ")) {
      return Err(
          DataLoss(std::string(kManifest) + ": expected the line \"file " + name + " ...\""));
    }
    if (v != expected) {
      return Err(DataLoss(std::string(name) + ": its size or SHA-256 differs from the manifest"));
    }
  }
  if (std::getline(in, line)) {
    return Err(DataLoss(std::string(kManifest) + ": unexpected line \"" + line + "\""));
  }
  auto nibble = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  bool hex = root_hex.size() == 64;
  for (size_t i = 0; hex && i < 32; ++i) {
    const int hi = nibble(root_hex[2 * i]), lo = nibble(root_hex[2 * i + 1]);
    hex = hi >= 0 && lo >= 0;
    manifest_root[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  if (!hex) return Err(DataLoss(std::string(kManifest) + ": root is not 64 hex digits"));
  s.root = manifest_root;
  s.entries = entries;
  return s;
}

// 2. The checkpoints: signed, this origin, growing, consistent with the manifest's last.
Status VerifyCheckpoints(const Bundle& bundle, const note::NoteVerifier& verifier, Summary& s) {
  const merkle::Hash& manifest_root = s.root;
  std::vector<std::pair<note::Checkpoint, std::vector<merkle::Hash>>> checkpoints;
  Reader r(kCheckpoints, bundle.at(kCheckpoints));
  while (!r.done()) {
    const size_t at = r.pos();
    EJ_ASSIGN_OR_RETURN(uint64_t len, r.BE(4));
    EJ_ASSIGN_OR_RETURN(std::string_view note, r.Bytes(len));
    const std::string where =
        std::string(kCheckpoints) + ": the record at byte " + std::to_string(at) + ": ";
    auto opened = verifier.Open(note);
    if (!opened) return Err(Status(StatusCode::kUnauthenticated, where + opened.error().message()));
    auto cp = note::Checkpoint::Parse(*opened);
    if (!cp) return Err(DataLoss(where + cp.error().message()));
    if (cp->origin != s.origin) return Err(DataLoss(where + "names another origin"));
    if (!checkpoints.empty() && cp->size <= checkpoints.back().first.size) {
      return Err(DataLoss(where + "the sizes do not grow"));
    }
    EJ_ASSIGN_OR_RETURN(uint64_t count, r.BE(4));
    std::vector<merkle::Hash> proof;
    for (uint64_t i = 0; i < count; ++i) {
      EJ_ASSIGN_OR_RETURN(std::string_view h, r.Bytes(32));
      EJ_ASSIGN_OR_RETURN(proof.emplace_back(), merkle::HashFromBytes(h));
    }
    checkpoints.emplace_back(std::move(*cp), std::move(proof));
  }
  if (checkpoints.empty() || checkpoints.back().first.size != s.tree_size ||
      checkpoints.back().first.root != manifest_root) {
    return Err(DataLoss(std::string(kCheckpoints) +
                        ": the last checkpoint is not the manifest's tree size and root"));
  }
  for (const auto& [cp, proof] : checkpoints) {
    Status ok =
        cp.size == s.tree_size
            ? (proof.empty() ? Status::Ok() : DataLoss("a proof where none is due"))
            : merkle::VerifyConsistency(cp.size, s.tree_size, proof, cp.root, manifest_root);
    if (!ok.ok()) {
      return Err(DataLoss(std::string(kCheckpoints) + ": checkpoint at size " +
                          std::to_string(cp.size) + ": " + ok.message()));
    }
  }
  s.checkpoints = checkpoints.size();
  return Status::Ok();
}

// 3. The entries: bytes, sequence, school, time, credential, signature.
Result<std::vector<ParsedEntry>> VerifyEntries(const Bundle& bundle, const NodeKey& node,
                                               Summary& s) {
  std::vector<ParsedEntry> entries;
  Reader r(kEntries, bundle.at(kEntries));
  CredentialRegistry registry(CredentialRegistry::KeyParsing::kAtApply);  // unadmitted data
  registry.AddNode(NodeCredentialId(node.key_id), node.key);
  int64_t last_time = 0, year_end = 0;
  DecodeLimits unlimited{.max_event_bytes = SIZE_MAX};
  while (!r.done()) {
    EJ_ASSIGN_OR_RETURN(uint64_t seq, r.BE(8));
    EJ_ASSIGN_OR_RETURN(uint64_t len, r.BE(4));
    EJ_ASSIGN_OR_RETURN(std::string_view bytes, r.Bytes(len));
    const std::string where = std::string(kEntries) + ": entry " + std::to_string(seq) + ": ";
    if (seq == 0 || seq > s.tree_size || (!entries.empty() && seq <= entries.back().seq)) {
      return Err(DataLoss(where + "out of order or beyond the tree size"));
    }
    v1::LedgerEntry entry;
    if (!entry.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        entry.sequence() != seq || entry.SerializeAsString() != bytes) {
      return Err(DataLoss(where + "its bytes are not the stored entry of that sequence"));
    }
    if (entry.recorded_at_us() < last_time) return Err(DataLoss(where + "time goes back"));
    last_time = entry.recorded_at_us();
    auto decoded = DecodeSignedEvent(entry.event().SerializeAsString(), unlimited);
    if (!decoded) return Err(Status(decoded.error().code(), where + decoded.error().message()));
    if (decoded->body.school_id() != s.school_id) {
      return Err(DataLoss(where + "belongs to school " + decoded->body.school_id()));
    }
    if (year_end == 0 && decoded->body.has_school_registered()) {
      auto end = YearEnd(decoded->body.school_registered().time_zone(), s.year);
      if (!end) return Err(DataLoss(where + end.error().message()));
      year_end = *end;
    }
    if (year_end == 0 || entry.recorded_at_us() >= year_end) {
      return Err(
          DataLoss(where + "is not of the school's academic year " + std::to_string(s.year)));
    }
    auto key = registry.Authorize(decoded->body.credential_id(), decoded->body.school_id(),
                                  decoded->body.actor_id(), entry.recorded_at_us());
    if (!key && !registry.Find(decoded->body.credential_id())) {
      // The archive holds every credential its school issued: one it lacks was issued in
      // another school, or nowhere (R-ACC-6).
      return Err(PermissionDenied(where + "credential " + decoded->body.credential_id() +
                                      " was not issued in school " + s.school_id,
                                  "R-ACC-6"));
    }
    if (!key)
      return Err(Status(key.error().code(), where + key.error().message(), key.error().rule()));
    Status sig = VerifyEventSignature(*decoded, *key);
    if (!sig.ok()) return Err(Status(sig.code(), where + sig.message()));
    Status applied = registry.Apply(decoded->body, seq, entry.recorded_at_us());
    if (!applied.ok()) return Err(DataLoss(where + applied.message()));
    ++s.signatures;
    entries.push_back({seq, bytes});
  }
  if (entries.size() != s.entries) {
    return Err(DataLoss(std::string(kEntries) + ": holds " + std::to_string(entries.size()) +
                        " entries; the manifest says " + std::to_string(s.entries)));
  }
  return entries;
}

}  // namespace

Result<Summary> Verify(const Bundle& bundle, const std::string& trusted_node_key) {
  for (const char* name : {kManifest, kEntries, kSubtrees, kCheckpoints, kNodePub}) {
    if (!bundle.contains(name)) return Err(DataLoss(std::string(name) + ": missing"));
  }
  std::string vkey = trusted_node_key.empty() ? bundle.at(kNodePub) : trusted_node_key;
  while (!vkey.empty() && (vkey.back() == '\n' || vkey.back() == '\r')) vkey.pop_back();
  auto verifier = note::NoteVerifier::FromVerifierKey(vkey);
  if (!verifier)
    return Err(DataLoss("node.pub: not a node verifier key: " + verifier.error().message()));
  EJ_ASSIGN_OR_RETURN(NodeKey node, ParseNodeVerifierKey(vkey));
  auto text = verifier->Open(bundle.at(kManifest));
  if (!text) {
    return Err(Status(StatusCode::kUnauthenticated,
                      std::string(kManifest) + ": " + text.error().message()));
  }
  EJ_ASSIGN_OR_RETURN(Summary s, ReadManifest(bundle, *text));
  if (!trusted_node_key.empty() && bundle.at(kNodePub) != trusted_node_key + "\n" &&
      bundle.at(kNodePub) != trusted_node_key) {
    return Err(DataLoss("node.pub: differs from the trusted node key"));
  }
  EJ_RETURN_IF_ERROR(VerifyCheckpoints(bundle, *verifier, s));
  EJ_ASSIGN_OR_RETURN(std::vector<ParsedEntry> entries, VerifyEntries(bundle, node, s));
  // 4. The root from the entries and the subtree hashes (the manifest's, which step 2 tied to
  // the signed final checkpoint).
  std::vector<Subtree> subtrees;
  {
    Reader r(kSubtrees, bundle.at(kSubtrees));
    while (!r.done()) {
      Subtree t;
      EJ_ASSIGN_OR_RETURN(t.begin, r.BE(8));
      EJ_ASSIGN_OR_RETURN(t.end, r.BE(8));
      EJ_ASSIGN_OR_RETURN(std::string_view h, r.Bytes(32));
      EJ_ASSIGN_OR_RETURN(t.hash, merkle::HashFromBytes(h));
      subtrees.push_back(t);
    }
    s.subtrees = subtrees.size();
  }
  RootBuilder builder(entries, subtrees);
  merkle::Hash root = merkle::EmptyRoot();
  if (s.tree_size > 0) {
    EJ_ASSIGN_OR_RETURN(root, builder.Mth(0, s.tree_size));
    EJ_RETURN_IF_ERROR(builder.Finish());
  }
  if (root != s.root) {
    return Err(DataLoss(std::string(kEntries) + ", " + kSubtrees +
                        ": the root recomputed from the entries and the subtree hashes differs "
                        "from the checkpoint's"));
  }
  return s;
}

Status WriteBundle(const Bundle& bundle, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create " + dir + ": " + ec.message());
  for (const auto& [name, data] : bundle) {
    std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) return IoError("cannot write " + dir + "/" + name);
  }
  return Status::Ok();
}

Result<Bundle> ReadBundle(const std::string& dir) {
  Bundle bundle;
  for (const char* name : {kManifest, kEntries, kSubtrees, kCheckpoints, kNodePub}) {
    std::ifstream in(dir + "/" + name, std::ios::binary);
    if (!in) return Err(DataLoss(std::string(name) + ": missing from " + dir));
    std::ostringstream data;
    data << in.rdbuf();
    bundle[name] = data.str();
  }
  return bundle;
}

}  // namespace ejournal::archive
