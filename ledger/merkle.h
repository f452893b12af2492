// The ledger's Merkle tree: RFC 6962 / RFC 9162 tree hashes, inclusion and consistency proofs,
// their subtree generalisations from Merkle Tree Certificates, and the right edge of a growing
// tree.
//
// THE TREE. The ledger is the list of entries D[0..n). Its tree is the RFC 9162 section 2.1.1
// Merkle Tree Hash with SHA-256 and domain separation:
//   MTH({})      = SHA-256("")                                         EmptyRoot()
//   MTH({d})     = SHA-256(0x00 || d)                                  LeafHash(d)
//   MTH(D[0:n])  = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))        NodeHash(l, r)
//                  where k is the largest power of two smaller than n.
// Every hash handled here is a 32-byte Hash; bytes from outside enter through HashFromBytes(),
// which refuses any other length, so no function below ever sees a short or long hash.
//
// STORED NODES. Only complete (perfect) subtrees are ever stored: NodeId{level, index} names the
// root of the 2^level leaves [index << level, (index + 1) << level); level 0 is a leaf hash. A node
// is complete in a tree of size n when (index + 1) << level <= n, and its hash never changes after
// that (append-only). Any other node of the RFC tree lies on the right edge and is computed from at
// most 64 complete ones: [begin, end) with end - begin = 2^a + 2^b + ... (a > b > ...) is the
// perfect subtrees of sizes 2^a, 2^b, ... in that order, folded right to left with NodeHash.
//
// SUBTREES. A range [begin, end) is a subtree (Merkle Tree Certificates, draft-ietf-plants-merkle-
// tree-certs, "Subtrees") when begin < end and begin is a multiple of BIT_CEIL(end - begin), the
// smallest power of two >= end - begin. Every node of the RFC tree of any size is a subtree, and so
// is every prefix [0, n). The hash of a subtree is MTH(D[begin:end]); it is the RFC tree hash of
// those entries taken on their own.
//
// PROOFS. Every proof is a list of 32-byte hashes, lowest level first, exactly as RFC 9162 sections
// 2.1.3 (inclusion) and 2.1.4 (consistency) define them, so that third-party verifiers (e.g.
// transparency-dev/merkle) accept what we produce and we accept what they produce. The subtree
// proofs are those of Merkle Tree Certificates: a subtree inclusion proof for leaf `index` in
// [start, end) is PATH(index - start, D[start:end]); a subtree consistency proof shows that
// MTH(D[start:end]) is a subtree of the tree of size n (for start == 0 it is exactly the RFC 9162
// consistency proof).
//
// COST. Producers (SubtreeRoot, Root, *Proof, CompactRange::Load) first compute every NodeId they
// need (O(log n): each proof element is one complete node or a right-edge range of O(log n) of
// them), then make exactly ONE NodeSource::Nodes() call, then hash. They never read leaves one by
// one. Verifiers take O(log n) SHA-256 compressions and do not allocate.
//
// ERRORS. A request that describes nothing in the tree (leaf index >= tree size, size1 > size2,
// size1 == 0 for consistency, a range that is not a subtree, ...) is kInvalidArgument with a
// message naming the numbers. Errors of the NodeSource (e.g. kNotFound for a node beyond the stored
// tree, kIoError) are returned unchanged. A verifier that cannot confirm a proof returns
// kUnauthenticated with the precise reason ("proof has 4 hashes, expected 3", "root mismatch:
// ..."); an OK Status from a verifier means the proof is valid for the given roots.
//
// THREADS. All free functions are thread-safe. CompactRange is a value type. MemoryTree may be read
// (Nodes, Root, size) from many threads at once, but Append() needs exclusive access.
#ifndef EJOURNAL_LEDGER_MERKLE_H_
#define EJOURNAL_LEDGER_MERKLE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "schemas/status.h"

namespace ejournal::merkle {

inline constexpr size_t kHashSize = 32;
using Hash = std::array<uint8_t, kHashSize>;

// SHA-256(0x00 || leaf_data): the RFC 6962 hash of one ledger entry.
Hash LeafHash(std::string_view leaf_data);
// SHA-256(0x01 || left || right): the hash of an interior node.
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256(""): the root of the empty tree.
Hash EmptyRoot();

// Lower-case hex, 64 characters.
std::string ToHex(const Hash& hash);
// The 32 bytes as a Hash; kInvalidArgument unless `raw32` has exactly 32 bytes.
Result<Hash> HashFromBytes(std::string_view raw32);

// The root of the complete subtree over the leaves [index << level, (index + 1) << level).
// Valid ids have level < 64 and the range inside [0, 2^64).
struct NodeId {
  uint32_t level = 0;
  uint64_t index = 0;

  friend bool operator==(const NodeId&, const NodeId&) = default;
};
// "level/index", for messages.
std::string ToString(const NodeId& id);

// True when [begin, end) is a subtree: begin < end and begin is a multiple of BIT_CEIL(end -
// begin).
bool IsSubtree(uint64_t begin, uint64_t end);

// The complete subtrees whose concatenation is the subtree [begin, end), largest (leftmost) first;
// at most 64 of them. MTH(D[begin:end]) folds their hashes right to left with NodeHash. An empty
// range gives an empty list; a range that is not a subtree is kInvalidArgument.
Result<std::vector<NodeId>> SubtreeNodes(uint64_t begin, uint64_t end);

// Read access to the stored complete subtrees of one tree.
class NodeSource {
 public:
  virtual ~NodeSource() = default;
  // The hashes of `ids`, in the same order, or an error: all or nothing. Fetches many nodes at once
  // (a RocksDB implementation uses MultiGet). An id that is not a complete node of the stored tree
  // is an error (kNotFound by convention). Must be safe to call from several threads at once.
  virtual Result<std::vector<Hash>> Nodes(std::span<const NodeId> ids) const = 0;
};

// MTH(D[begin:end]). Precondition, checked (kInvalidArgument otherwise): begin == end (the empty
// tree, answered as EmptyRoot() without reading the source) or [begin, end) is a subtree (see
// IsSubtree: a complete node, a prefix [0, n), or the right-edge part of a node). The source must
// hold the leaves up to `end`.
Result<Hash> SubtreeRoot(const NodeSource& source, uint64_t begin, uint64_t end);

// MTH(D[0:size]); EmptyRoot() for size 0.
Result<Hash> Root(const NodeSource& source, uint64_t size);

// RFC 9162 PATH(leaf_index, D[0:size]), lowest level first. Requires leaf_index < size.
Result<std::vector<Hash>> InclusionProof(const NodeSource& source, uint64_t leaf_index,
                                         uint64_t size);

// RFC 9162 PROOF(size1, D[0:size2]): shows that the tree of size1 is a prefix of the tree of size2.
// Requires 0 < size1 <= size2; the proof for size1 == size2 is empty.
Result<std::vector<Hash>> ConsistencyProof(const NodeSource& source, uint64_t size1,
                                           uint64_t size2);

// The subtree inclusion proof of leaf `index` in the subtree [start, end): PATH(index - start,
// D[start:end]). Requires [start, end) to be a subtree and start <= index < end.
Result<std::vector<Hash>> SubtreeInclusionProof(const NodeSource& source, uint64_t index,
                                                uint64_t start, uint64_t end);

// The subtree consistency proof that [start, end) is a subtree of the tree of size `size` (Merkle
// Tree Certificates). Requires end <= size and [start, end) to be a subtree or empty. Empty when
// start == end, or start == 0 and end == size; for start == 0 it equals
// ConsistencyProof(source, end, size).
Result<std::vector<Hash>> SubtreeConsistencyProof(const NodeSource& source, uint64_t start,
                                                  uint64_t end, uint64_t size);

// OK when `proof` shows that `leaf_hash` is leaf `index` of the tree of `size` with `root`.
// index >= size is kInvalidArgument; a proof that does not check out is kUnauthenticated.
// Note (as in RFC 9162): the proof commits to the root, and the root to the size; two sizes that
// give the same proof shape for `index` cannot be told apart by the proof alone.
Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size,
                       std::span<const Hash> proof, const Hash& root);

// OK when `proof` shows that the tree of size1 with root1 is a prefix of the tree of size2 with
// root2. size1 == 0 or size1 > size2 is kInvalidArgument (RFC 9162: a proof from the empty tree is
// meaningless); for size1 == size2 the proof must be empty and root1 == root2. Failures are
// kUnauthenticated.
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2);

// OK when `proof` shows that `leaf_hash` is leaf `index` of the subtree [start, end) whose hash is
// `subtree_root`. A range that is not a subtree, or index outside [start, end), is
// kInvalidArgument.
Status VerifySubtreeInclusion(const Hash& leaf_hash, uint64_t index, uint64_t start, uint64_t end,
                              std::span<const Hash> proof, const Hash& subtree_root);

// OK when `proof` shows that the subtree [start, end) with hash `subtree_root` is part of the tree
// of `size` with `root`. kInvalidArgument unless end <= size and [start, end) is a subtree or
// empty. The empty range (start == end) is part of every tree: it verifies when the proof is empty
// and subtree_root == EmptyRoot(); `root` plays no part then (as in transparency-dev/merkle).
Status VerifySubtreeConsistency(uint64_t start, uint64_t end, uint64_t size,
                                std::span<const Hash> proof, const Hash& subtree_root,
                                const Hash& root);

// The right edge of a growing tree: the roots of the complete subtrees that make up [0, size()),
// largest first (at most 64). Enough to append and to compute the root, in O(log n) memory. The
// ledger keeps one per log and stores what Append() emits.
class CompactRange {
 public:
  // The empty tree.
  CompactRange() = default;

  // The right edge of the stored tree of `size`, read with one NodeSource::Nodes() call.
  static Result<CompactRange> Load(const NodeSource& source, uint64_t size);

  // Appends leaf number size() and calls `emit` for every node that becomes complete: the leaf
  // itself (level 0) first, then each completed parent bottom-up. `emit` may be empty. A tree holds
  // at most 2^64 - 1 leaves.
  void Append(const Hash& leaf_hash, const std::function<void(const NodeId&, const Hash&)>& emit);

  uint64_t size() const { return size_; }
  // MTH(D[0:size()]); EmptyRoot() when empty.
  Hash Root() const;
  // The hashes of SubtreeNodes(0, size()), in that order.
  const std::vector<Hash>& edge() const { return edge_; }

 private:
  uint64_t size_ = 0;
  std::vector<Hash> edge_;
};

// An in-memory tree that keeps every complete node (about 2n hashes). A NodeSource for verifiers,
// tools and tests; the ledger itself reads nodes from RocksDB.
class MemoryTree final : public NodeSource {
 public:
  void Append(const Hash& leaf_hash);
  uint64_t size() const { return size_; }
  // MTH(D[0:size()]); EmptyRoot() when empty.
  Hash Root() const;
  // kNotFound for an id that is not a complete node of this tree.
  Result<std::vector<Hash>> Nodes(std::span<const NodeId> ids) const override;

 private:
  uint64_t size_ = 0;
  // levels_[l][i] is the hash of NodeId{l, i}; only complete nodes are present.
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace ejournal::merkle

#endif  // EJOURNAL_LEDGER_MERKLE_H_
