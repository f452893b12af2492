#include "ledger/tree_tiles.h"

#include <algorithm>

#include "ledger/storage_format.h"

namespace ejournal::storage {

TileAddress TileAddressOf(const merkle::NodeId& node) {
  TileAddress a;
  a.tile_level = node.level / kTileHeight;
  a.row = node.level % kTileHeight;
  const uint32_t shift = kTileHeight - a.row;  // row r of a tile has 16 >> r nodes
  a.tile_index = node.index >> shift;
  a.position = static_cast<uint32_t>(node.index - (a.tile_index << shift));
  return a;
}

std::string TileKey(uint32_t tile_level, uint64_t tile_index) {
  std::string key(1, static_cast<char>(tile_level));
  key += EncodeBigEndian64(tile_index);
  return key;
}

Result<Tile> Tile::Decode(std::string_view value) {
  if (value.empty()) return Err(DataLoss("empty tree tile"));
  Tile t;
  t.width_ = static_cast<uint8_t>(value[0]);
  if (t.width_ == 0 || t.width_ > kTileWidth) return Err(DataLoss("tree tile with a bad width"));
  size_t expected = 1;
  for (uint32_t r = 0; r < kTileHeight; ++r) expected += (t.width_ >> r) * sizeof(merkle::Hash);
  if (value.size() != expected) return Err(DataLoss("tree tile of a wrong size"));
  size_t offset = 1;
  for (uint32_t r = 0; r < kTileHeight; ++r) {
    for (uint32_t p = 0; p < (t.width_ >> r); ++p) {
      auto& h = t.hashes_[kRowOffset[r] + p];
      std::copy_n(value.data() + offset, h.size(), h.begin());
      offset += h.size();
    }
  }
  return t;
}

std::string Tile::Encode() const {
  std::string out(1, static_cast<char>(width_));
  for (uint32_t r = 0; r < kTileHeight; ++r) {
    for (uint32_t p = 0; p < (width_ >> r); ++p) {
      const auto& h = hashes_[kRowOffset[r] + p];
      out.append(reinterpret_cast<const char*>(h.data()), h.size());
    }
  }
  return out;
}

void Tile::Set(uint32_t row, uint32_t position, const merkle::Hash& hash) {
  hashes_[kRowOffset[row] + position] = hash;
  if (row == 0) width_ = std::max(width_, position + 1);
}

const merkle::Hash* Tile::Get(uint32_t row, uint32_t position) const {
  if (row >= kTileHeight || position >= (width_ >> row)) return nullptr;
  return &hashes_[kRowOffset[row] + position];
}

}  // namespace ejournal::storage
