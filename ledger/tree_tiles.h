// Tree tiles: how the ledger stores the Merkle tree's complete nodes in RocksDB.
//
// A tile holds a 4-level slice of the tree: tile (t, k) has the nodes of levels 4t..4t+3 under the
// node (4t+4, k) — up to 16 nodes of level 4t (row 0), 8 of 4t+1, 4 of 4t+2 and 2 of 4t+3, 30 in
// all. A proof on a tree of 2^24 leaves needs 24 nodes but only about 6 tiles, so it is served with
// a handful of RocksDB reads, and an append writes one tile per 16 entries instead of two nodes per
// entry. The rightmost tile of each tile level is partial; the writer rewrites it with each group.
//
// Value: u8 n (the row-0 count, 1..16) || row 0 (n hashes) || row 1 (n/2) || row 2 (n/4) || row 3
// (n/8), rows left to right. Key: u8 tile level || BE64 tile index.
#ifndef EJOURNAL_LEDGER_TREE_TILES_H_
#define EJOURNAL_LEDGER_TREE_TILES_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/merkle.h"
#include "schemas/status.h"

namespace ejournal::storage {

inline constexpr uint32_t kTileHeight = 4;
inline constexpr uint32_t kTileWidth = 1u << kTileHeight;  // row-0 nodes per tile

// Where node (level, index) lives.
struct TileAddress {
  uint32_t tile_level;
  uint64_t tile_index;
  uint32_t row;       // level - 4 * tile_level
  uint32_t position;  // within the row, left to right
};
TileAddress TileAddressOf(const merkle::NodeId& node);

std::string TileKey(uint32_t tile_level, uint64_t tile_index);

class Tile {
 public:
  Tile() = default;
  // Parses a stored value; kDataLoss if its size does not match its count.
  static Result<Tile> Decode(std::string_view value);
  std::string Encode() const;

  // Sets the node at (row, position); nodes arrive bottom-up, left to right (as CompactRange
  // emits).
  void Set(uint32_t row, uint32_t position, const merkle::Hash& hash);
  // The node, or nullptr if this tile does not have it (yet).
  const merkle::Hash* Get(uint32_t row, uint32_t position) const;
  uint32_t width() const { return width_; }  // row-0 nodes present

 private:
  static constexpr std::array<uint32_t, kTileHeight> kRowOffset = {0, 16, 24, 28};
  uint32_t width_ = 0;
  std::array<merkle::Hash, 30> hashes_{};
};

}  // namespace ejournal::storage

#endif  // EJOURNAL_LEDGER_TREE_TILES_H_
