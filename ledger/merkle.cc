#include "ledger/merkle.h"

#include <openssl/evp.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <utility>

namespace ejournal::merkle {
namespace {

// ---------------------------------------------------------------------------------------------
// SHA-256 through OpenSSL's EVP interface. The algorithm is fetched once and every thread reuses
// one digest context, so a hash costs no allocation and no provider lookup.

[[noreturn]] void CryptoFailure(const char* what) {
  // Only an out-of-memory or a broken OpenSSL installation gets here; the hash functions have no
  // error channel because SHA-256 of valid input cannot fail.
  std::fprintf(stderr, "ejournal::merkle: OpenSSL %s failed\n", what);
  std::abort();
}

const EVP_MD* Sha256() {
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) CryptoFailure("EVP_MD_fetch(SHA256)");
    return fetched;
  }();
  return md;
}

struct DigestCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* ThreadDigestCtx() {
  thread_local const std::unique_ptr<EVP_MD_CTX, DigestCtxDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) CryptoFailure("EVP_MD_CTX_new");
  return ctx.get();
}

// SHA-256(prefix || data), or SHA-256(data) when prefix_len is 0.
Hash Sha256Of(const uint8_t* prefix, size_t prefix_len, const void* data, size_t data_len) {
  EVP_MD_CTX* ctx = ThreadDigestCtx();
  Hash out;
  unsigned int out_len = 0;
  if (EVP_DigestInit_ex2(ctx, Sha256(), nullptr) != 1 ||
      (prefix_len > 0 && EVP_DigestUpdate(ctx, prefix, prefix_len) != 1) ||
      (data_len > 0 && EVP_DigestUpdate(ctx, data, data_len) != 1) ||
      EVP_DigestFinal_ex(ctx, out.data(), &out_len) != 1 || out_len != kHashSize) {
    CryptoFailure("SHA-256");
  }
  return out;
}

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// ---------------------------------------------------------------------------------------------
// Messages.

template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

std::string Range(uint64_t begin, uint64_t end) { return Cat("[", begin, ", ", end, ")"); }

// BIT_CEIL(len) for messages; "2^64" when it does not fit.
std::string BitCeilText(uint64_t len) {
  if (len > (uint64_t{1} << 63)) return "2^64";
  return std::to_string(std::bit_ceil(len));
}

// kInvalidArgument unless [start, end) is a non-empty subtree. `what` names the request.
Status CheckSubtree(std::string_view what, uint64_t start, uint64_t end) {
  if (start >= end) {
    return InvalidArgument(Cat(what, ": ", Range(start, end), " is empty or reversed"));
  }
  if (!IsSubtree(start, end)) {
    return InvalidArgument(
        Cat(what, ": ", Range(start, end),
            " is not a subtree: start must be a multiple of BIT_CEIL(end - start) = ",
            BitCeilText(end - start)));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Proof plans.
//
// Every proof here (inclusion, consistency, and their subtree forms) comes from one recursion over
// the RFC 9162 tree: starting at the root of the tree of `size`, descend towards the range
// [start, end) until the current node is exactly that range, recording the sibling at each level.
// With k the largest power of two below the current node's size n:
//   - the range lies in the left child (end <= k): the right child is a sibling (kRight);
//   - the range lies in the right child (start >= k): the left child is a sibling (kLeft);
//   - otherwise the range straddles k. For a subtree that forces start == 0: a non-zero start is
//     a multiple of B = BIT_CEIL(end - start), so is the power of two k > start, hence
//     k >= start + B >= end. So the range covers the whole left child, which is then a sibling
//     that is also part of the range (kLeftInRange). Below this point the verifier does not know
//     the hash of the part of the range inside the current node, so the proof must carry the hash
//     of the node where the descent stops (the "seed").
// Proof elements are the seed (if carried) and then the siblings from the bottom up. This is RFC
// 9162 PATH (range [m, m+1)) and SUBPROOF (range [0, m), kLeftInRange being "m > k"), and the
// Merkle Tree Certificates subtree proofs for start > 0.

enum class Sibling : uint8_t { kRight, kLeft, kLeftInRange };

struct Step {
  Sibling sibling;
  uint64_t begin;  // The sibling's leaves [begin, end), relative to the planned tree.
  uint64_t end;
};

struct ProofPlan {
  std::array<Step, 64> steps;  // Top-down; each step at least halves the node, so 64 suffice.
  size_t num_steps = 0;
  bool seed_in_proof = false;
  uint64_t seed_begin = 0;
  uint64_t seed_end = 0;

  size_t proof_size() const { return num_steps + (seed_in_proof ? 1 : 0); }
};

// Precondition (callers check it): [start, end) is a subtree and end <= size.
ProofPlan PlanProof(uint64_t start, uint64_t end, uint64_t size) {
  ProofPlan plan;
  uint64_t base = 0;  // The current node is [base, base + n); start and end are relative to base.
  uint64_t n = size;
  bool range_hash_known = true;
  while (start != 0 || end != n) {
    const uint64_t k = std::bit_floor(n - 1);  // n >= 2 here, since start < end <= n.
    Step& step = plan.steps[plan.num_steps++];
    if (end <= k) {
      step = {Sibling::kRight, base + k, base + n};
      n = k;
    } else if (start >= k) {
      step = {Sibling::kLeft, base, base + k};
      base += k;
      start -= k;
      end -= k;
      n -= k;
    } else {
      step = {Sibling::kLeftInRange, base, base + k};
      base += k;
      end -= k;
      n -= k;
      range_hash_known = false;
    }
  }
  plan.seed_in_proof = !range_hash_known;
  plan.seed_begin = base;
  plan.seed_end = base + n;
  return plan;
}

// The hash of [begin, end) from the hashes of its SubtreeNodes(): NodeHash folded right to left.
Hash FoldRight(std::span<const Hash> parts) {
  Hash h = parts.back();
  for (size_t i = parts.size() - 1; i-- > 0;) h = NodeHash(parts[i], h);
  return h;
}

// Appends SubtreeNodes(begin, end) (a non-empty subtree) to `ids`; returns how many.
size_t AppendSubtreeNodes(uint64_t begin, uint64_t end, std::vector<NodeId>* ids) {
  size_t count = 0;
  for (uint64_t len = end - begin, pos = begin; len != 0; ++count) {
    const int level = std::bit_width(len) - 1;
    const uint64_t part = uint64_t{1} << level;
    ids->push_back(NodeId{static_cast<uint32_t>(level), pos >> level});
    pos += part;
    len -= part;
  }
  return count;
}

// One Nodes() call (none for no ids), with the all-or-nothing contract checked.
Result<std::vector<Hash>> FetchNodes(const NodeSource& source, const std::vector<NodeId>& ids) {
  if (ids.empty()) return std::vector<Hash>();
  EJ_ASSIGN_OR_RETURN(std::vector<Hash> hashes, source.Nodes(ids));
  if (hashes.size() != ids.size()) {
    return Err(Internal(
        Cat("NodeSource returned ", hashes.size(), " hashes for ", ids.size(), " node ids")));
  }
  return hashes;
}

// The proof that `plan` describes, over a tree whose leaf 0 is leaf `offset` of the source.
Result<std::vector<Hash>> BuildProof(const NodeSource& source, const ProofPlan& plan,
                                     uint64_t offset) {
  // Every element's complete subtrees, bottom-up, then one fetch.
  std::array<size_t, 65> parts_per_element;
  size_t num_elements = 0;
  std::vector<NodeId> ids;
  ids.reserve(2 * 64);
  if (plan.seed_in_proof) {
    parts_per_element[num_elements++] =
        AppendSubtreeNodes(offset + plan.seed_begin, offset + plan.seed_end, &ids);
  }
  for (size_t i = plan.num_steps; i-- > 0;) {
    const Step& step = plan.steps[i];
    parts_per_element[num_elements++] =
        AppendSubtreeNodes(offset + step.begin, offset + step.end, &ids);
  }
  EJ_ASSIGN_OR_RETURN(std::vector<Hash> hashes, FetchNodes(source, ids));

  std::vector<Hash> proof;
  proof.reserve(num_elements);
  std::span<const Hash> rest(hashes);
  for (size_t e = 0; e < num_elements; ++e) {
    proof.push_back(FoldRight(rest.first(parts_per_element[e])));
    rest = rest.subspan(parts_per_element[e]);
  }
  return proof;
}

struct FoldedRoots {
  Hash range;  // The hash of the planned range.
  Hash tree;   // The hash of the whole planned tree.
};

// Replays `plan` over `proof` (of exactly plan.proof_size() hashes), starting from the range's hash
// `range_hash` unless the proof carries the seed.
FoldedRoots FoldProof(const ProofPlan& plan, const Hash& range_hash, std::span<const Hash> proof) {
  size_t next = 0;
  FoldedRoots roots;
  roots.range = plan.seed_in_proof ? proof[next++] : range_hash;
  roots.tree = roots.range;
  bool same = true;  // roots.tree == roots.range so far: saves a hash per kLeftInRange.
  for (size_t i = plan.num_steps; i-- > 0;) {
    const Hash& sibling = proof[next++];
    switch (plan.steps[i].sibling) {
      case Sibling::kRight:
        roots.tree = NodeHash(roots.tree, sibling);
        same = false;
        break;
      case Sibling::kLeft:
        roots.tree = NodeHash(sibling, roots.tree);
        same = false;
        break;
      case Sibling::kLeftInRange:
        roots.range = NodeHash(sibling, roots.range);
        roots.tree = same ? roots.range : NodeHash(sibling, roots.tree);
        break;
    }
  }
  return roots;
}

Status CheckProofSize(std::string_view what, size_t got, size_t want) {
  if (got == want) return Status::Ok();
  return Unauthenticated(Cat(what, ": proof too ", got > want ? "long" : "short", ": ", got,
                             " hashes, expected ", want));
}

Status CheckRoot(std::string_view what, std::string_view which, const Hash& computed,
                 const Hash& expected) {
  if (computed == expected) return Status::Ok();
  return Unauthenticated(Cat(what, ": ", which, " mismatch: the proof yields ", ToHex(computed),
                             ", expected ", ToHex(expected)));
}

// Verifies a leaf's path inside a tree of `size` leaves (index < size, checked by the caller).
Status VerifyPath(std::string_view what, const Hash& leaf_hash, uint64_t index, uint64_t size,
                  std::span<const Hash> proof, const Hash& root) {
  const ProofPlan plan = PlanProof(index, index + 1, size);
  EJ_RETURN_IF_ERROR(CheckProofSize(what, proof.size(), plan.proof_size()));
  return CheckRoot(what, "root", FoldProof(plan, leaf_hash, proof).tree, root);
}

// Verifies that the subtree [start, end) (checked by the caller) with `range_root` is part of the
// tree of `size` with `root`.
Status VerifyRange(std::string_view what, uint64_t start, uint64_t end, uint64_t size,
                   std::span<const Hash> proof, const Hash& range_root, const Hash& root,
                   std::string_view range_root_name, std::string_view root_name) {
  const ProofPlan plan = PlanProof(start, end, size);
  EJ_RETURN_IF_ERROR(CheckProofSize(what, proof.size(), plan.proof_size()));
  const FoldedRoots roots = FoldProof(plan, range_root, proof);
  EJ_RETURN_IF_ERROR(CheckRoot(what, range_root_name, roots.range, range_root));
  return CheckRoot(what, root_name, roots.tree, root);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Hashes.

Hash LeafHash(std::string_view leaf_data) {
  return Sha256Of(&kLeafPrefix, 1, leaf_data.data(), leaf_data.size());
}

Hash NodeHash(const Hash& left, const Hash& right) {
  std::array<uint8_t, 2 * kHashSize> children;
  std::copy(left.begin(), left.end(), children.begin());
  std::copy(right.begin(), right.end(), children.begin() + kHashSize);
  return Sha256Of(&kNodePrefix, 1, children.data(), children.size());
}

Hash EmptyRoot() {
  static const Hash empty = Sha256Of(nullptr, 0, nullptr, 0);
  return empty;
}

std::string ToHex(const Hash& hash) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * kHashSize, '\0');
  for (size_t i = 0; i < kHashSize; ++i) {
    out[2 * i] = kDigits[hash[i] >> 4];
    out[2 * i + 1] = kDigits[hash[i] & 0x0f];
  }
  return out;
}

Result<Hash> HashFromBytes(std::string_view raw32) {
  if (raw32.size() != kHashSize) {
    return Err(InvalidArgument(Cat("a hash has ", kHashSize, " bytes, got ", raw32.size())));
  }
  Hash hash;
  std::copy(raw32.begin(), raw32.end(), hash.begin());
  return hash;
}

std::string ToString(const NodeId& id) {
  return Cat("{level ", id.level, ", index ", id.index, "}");
}

// ---------------------------------------------------------------------------------------------
// Ranges.

bool IsSubtree(uint64_t begin, uint64_t end) {
  if (begin >= end) return false;
  if (begin == 0) return true;
  const uint64_t len = end - begin;
  // BIT_CEIL(len) would be 2^64, of which no non-zero begin is a multiple.
  if (len > (uint64_t{1} << 63)) return false;
  return (begin & (std::bit_ceil(len) - 1)) == 0;
}

Result<std::vector<NodeId>> SubtreeNodes(uint64_t begin, uint64_t end) {
  std::vector<NodeId> ids;
  if (begin == end) return ids;
  if (Status status = CheckSubtree("subtree nodes", begin, end); !status.ok()) return Err(status);
  AppendSubtreeNodes(begin, end, &ids);
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Producers.

Result<Hash> SubtreeRoot(const NodeSource& source, uint64_t begin, uint64_t end) {
  if (begin == end) return EmptyRoot();
  if (Status status = CheckSubtree("subtree root", begin, end); !status.ok()) return Err(status);
  std::vector<NodeId> ids;
  AppendSubtreeNodes(begin, end, &ids);
  EJ_ASSIGN_OR_RETURN(std::vector<Hash> hashes, FetchNodes(source, ids));
  return FoldRight(hashes);
}

Result<Hash> Root(const NodeSource& source, uint64_t size) { return SubtreeRoot(source, 0, size); }

Result<std::vector<Hash>> InclusionProof(const NodeSource& source, uint64_t leaf_index,
                                         uint64_t size) {
  if (leaf_index >= size) {
    return Err(InvalidArgument(
        Cat("inclusion proof: leaf index ", leaf_index, " is outside the tree of size ", size)));
  }
  return BuildProof(source, PlanProof(leaf_index, leaf_index + 1, size), 0);
}

Result<std::vector<Hash>> ConsistencyProof(const NodeSource& source, uint64_t size1,
                                           uint64_t size2) {
  if (size1 == 0) {
    return Err(InvalidArgument(
        "consistency proof: size1 is 0, and a proof from the empty tree is meaningless"));
  }
  if (size1 > size2) {
    return Err(
        InvalidArgument(Cat("consistency proof: size1 ", size1, " is larger than size2 ", size2)));
  }
  return BuildProof(source, PlanProof(0, size1, size2), 0);
}

Result<std::vector<Hash>> SubtreeInclusionProof(const NodeSource& source, uint64_t index,
                                                uint64_t start, uint64_t end) {
  if (Status status = CheckSubtree("subtree inclusion proof", start, end); !status.ok()) {
    return Err(status);
  }
  if (index < start || index >= end) {
    return Err(InvalidArgument(Cat("subtree inclusion proof: leaf index ", index,
                                   " is outside the subtree ", Range(start, end))));
  }
  return BuildProof(source, PlanProof(index - start, index - start + 1, end - start), start);
}

Result<std::vector<Hash>> SubtreeConsistencyProof(const NodeSource& source, uint64_t start,
                                                  uint64_t end, uint64_t size) {
  constexpr std::string_view kWhat = "subtree consistency proof";
  if (start > end) return Err(InvalidArgument(Cat(kWhat, ": ", Range(start, end), " is reversed")));
  if (end > size) {
    return Err(InvalidArgument(
        Cat(kWhat, ": the subtree ", Range(start, end), " ends beyond the tree of size ", size)));
  }
  if (start == end) return std::vector<Hash>();  // The empty list is part of every tree.
  if (Status status = CheckSubtree(kWhat, start, end); !status.ok()) return Err(status);
  return BuildProof(source, PlanProof(start, end, size), 0);
}

// ---------------------------------------------------------------------------------------------
// Verifiers.

Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                       std::span<const Hash> proof, const Hash& root) {
  constexpr std::string_view kWhat = "inclusion proof";
  if (index >= size) {
    return InvalidArgument(
        Cat(kWhat, ": leaf index ", index, " is outside the tree of size ", size));
  }
  return VerifyPath(kWhat, leaf_hash, index, size, proof, root);
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2) {
  constexpr std::string_view kWhat = "consistency proof";
  if (size1 == 0) {
    return InvalidArgument(
        Cat(kWhat, ": size1 is 0, and a proof from the empty tree is meaningless"));
  }
  if (size1 > size2) {
    return InvalidArgument(Cat(kWhat, ": size1 ", size1, " is larger than size2 ", size2));
  }
  return VerifyRange(kWhat, 0, size1, size2, proof, root1, root2, "root1", "root2");
}

Status VerifySubtreeInclusion(const Hash& leaf_hash, uint64_t index, uint64_t start, uint64_t end,
                              std::span<const Hash> proof, const Hash& subtree_root) {
  constexpr std::string_view kWhat = "subtree inclusion proof";
  EJ_RETURN_IF_ERROR(CheckSubtree(kWhat, start, end));
  if (index < start || index >= end) {
    return InvalidArgument(
        Cat(kWhat, ": leaf index ", index, " is outside the subtree ", Range(start, end)));
  }
  return VerifyPath(kWhat, leaf_hash, index - start, end - start, proof, subtree_root);
}

Status VerifySubtreeConsistency(uint64_t start, uint64_t end, uint64_t size,
                                std::span<const Hash> proof, const Hash& subtree_root,
                                const Hash& root) {
  constexpr std::string_view kWhat = "subtree consistency proof";
  if (start > end) {
    return InvalidArgument(Cat(kWhat, ": ", Range(start, end), " is reversed"));
  }
  if (end > size) {
    return InvalidArgument(
        Cat(kWhat, ": the subtree ", Range(start, end), " ends beyond the tree of size ", size));
  }
  if (start == end) {
    // The empty list is part of every tree; only its hash can be wrong.
    EJ_RETURN_IF_ERROR(CheckProofSize(kWhat, proof.size(), 0));
    return CheckRoot(kWhat, "empty subtree root", subtree_root, EmptyRoot());
  }
  EJ_RETURN_IF_ERROR(CheckSubtree(kWhat, start, end));
  return VerifyRange(kWhat, start, end, size, proof, subtree_root, root, "subtree root", "root");
}

// ---------------------------------------------------------------------------------------------
// CompactRange.

Result<CompactRange> CompactRange::Load(const NodeSource& source, uint64_t size) {
  CompactRange range;
  std::vector<NodeId> ids;
  if (size > 0) AppendSubtreeNodes(0, size, &ids);
  EJ_ASSIGN_OR_RETURN(range.edge_, FetchNodes(source, ids));
  range.size_ = size;
  return range;
}

void CompactRange::Append(const Hash& leaf_hash,
                          const std::function<void(const NodeId&, const Hash&)>& emit) {
  if (emit) emit(NodeId{0, size_}, leaf_hash);
  edge_.push_back(leaf_hash);
  // Leaf number size_ completes one parent per trailing one bit of size_.
  uint64_t index = size_;
  uint32_t level = 0;
  while ((index & 1) != 0) {
    const Hash parent = NodeHash(edge_[edge_.size() - 2], edge_.back());
    edge_.pop_back();
    edge_.back() = parent;
    index >>= 1;
    ++level;
    if (emit) emit(NodeId{level, index}, parent);
  }
  ++size_;
}

Hash CompactRange::Root() const { return edge_.empty() ? EmptyRoot() : FoldRight(edge_); }

// ---------------------------------------------------------------------------------------------
// MemoryTree.

void MemoryTree::Append(const Hash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    if (levels_.size() == level + 1) levels_.emplace_back();
    const std::vector<Hash>& children = levels_[level];
    levels_[level + 1].push_back(NodeHash(children[children.size() - 2], children.back()));
  }
  ++size_;
}

Hash MemoryTree::Root() const {
  if (size_ == 0) return EmptyRoot();
  std::vector<NodeId> ids;
  AppendSubtreeNodes(0, size_, &ids);
  std::vector<Hash> parts;
  parts.reserve(ids.size());
  for (const NodeId& id : ids) parts.push_back(levels_[id.level][id.index]);
  return FoldRight(parts);
}

Result<std::vector<Hash>> MemoryTree::Nodes(std::span<const NodeId> ids) const {
  std::vector<Hash> hashes;
  hashes.reserve(ids.size());
  for (const NodeId& id : ids) {
    // levels_[l] holds exactly the size_ >> l complete nodes of level l.
    if (id.level >= levels_.size() || id.index >= levels_[id.level].size()) {
      return Err(NotFound(
          Cat("node ", ToString(id), " is not a complete node of the tree of size ", size_)));
    }
    hashes.push_back(levels_[id.level][id.index]);
  }
  return hashes;
}

}  // namespace ejournal::merkle
