// The ledger's Merkle tree in RocksDB: the writer's edge tiles, and the node source that proofs
// and roots read.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"
#include "ledger/storage_format.h"
#include "ledger/tree_tiles.h"
#include "schemas/mutex.h"
#include "schemas/rocksdb_status.h"

namespace ejournal {
namespace ledger_internal {
namespace {

// Reads stored tree nodes: one MultiGet per call for the tiles not already in memory. Complete
// tiles of tile level >= kMemoryTileLevel (the top of the tree: one per 4096 entries and fewer)
// never change, so they are kept in memory once read; a proof then reads only its two lowest
// tiles from RocksDB.
class RocksNodeSource final : public merkle::NodeSource {
 public:
  static constexpr uint32_t kMemoryTileLevel = 2;

  RocksNodeSource(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) : db_(db), cf_(cf) {}

  Result<std::vector<merkle::Hash>> Nodes(std::span<const merkle::NodeId> ids) const override {
    struct Wanted {
      std::string key;
      uint32_t tile_level;
      std::optional<storage::Tile> tile;
    };
    std::vector<storage::TileAddress> addresses;
    std::vector<Wanted> tiles;
    std::vector<size_t> tile_of(ids.size());
    addresses.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      addresses.push_back(storage::TileAddressOf(ids[i]));
      std::string key = storage::TileKey(addresses[i].tile_level, addresses[i].tile_index);
      auto it =
          std::find_if(tiles.begin(), tiles.end(), [&](const Wanted& w) { return w.key == key; });
      tile_of[i] = static_cast<size_t>(it - tiles.begin());
      if (it == tiles.end()) tiles.push_back({std::move(key), addresses[i].tile_level, {}});
    }
    std::vector<size_t> to_read;
    {
      ReaderMutexLock lock(&cache_mu_);
      for (size_t t = 0; t < tiles.size(); ++t) {
        if (tiles[t].tile_level >= kMemoryTileLevel) {
          if (auto it = cache_.find(tiles[t].key); it != cache_.end()) {
            tiles[t].tile = it->second;
            continue;
          }
        }
        to_read.push_back(t);
      }
    }
    if (!to_read.empty()) {
      std::vector<rocksdb::Slice> slices;
      slices.reserve(to_read.size());
      for (size_t t : to_read) slices.emplace_back(tiles[t].key);
      std::vector<rocksdb::PinnableSlice> values(to_read.size());
      std::vector<rocksdb::Status> statuses(to_read.size());
      // Block checksums are skipped here: a damaged node cannot make a false proof (every proof
      // is checked against a signed root, and `ledger verify` checks every node), and with the
      // software CRC32C of Debian's portable RocksDB build the check costs more than the read.
      rocksdb::ReadOptions ro;
      ro.verify_checksums = false;
      db_->MultiGet(ro, cf_, slices.size(), slices.data(), values.data(), statuses.data());
      for (size_t k = 0; k < to_read.size(); ++k) {
        Wanted& w = tiles[to_read[k]];
        if (!statuses[k].ok()) {
          // Named below, per node, for a precise message.
          if (!statuses[k].IsNotFound()) return Err(FromRocks(statuses[k], "reading a tree tile"));
          continue;
        }
        auto tile = storage::Tile::Decode(std::string_view(values[k].data(), values[k].size()));
        if (!tile) return Err(tile.error().WithContext("tree tile"));
        w.tile = std::move(*tile);
        if (w.tile_level >= kMemoryTileLevel && w.tile->width() == storage::kTileWidth) {
          WriterMutexLock lock(&cache_mu_);
          cache_.emplace(w.key, *w.tile);
        }
      }
    }
    std::vector<merkle::Hash> out(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      const Wanted& w = tiles[tile_of[i]];
      const merkle::Hash* h =
          w.tile ? w.tile->Get(addresses[i].row, addresses[i].position) : nullptr;
      if (h == nullptr) {
        return Err(NotFound("missing tree node level " + std::to_string(ids[i].level) + " index " +
                            std::to_string(ids[i].index)));
      }
      out[i] = *h;
    }
    return out;
  }

 private:
  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cf_;
  mutable SharedMutex cache_mu_;
  mutable std::unordered_map<std::string, storage::Tile> cache_ ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace

std::unique_ptr<merkle::NodeSource> MakeRocksNodeSource(rocksdb::DB* db,
                                                        rocksdb::ColumnFamilyHandle* nodes) {
  return std::make_unique<RocksNodeSource>(db, nodes);
}

}  // namespace ledger_internal

void Ledger::AddNode(const merkle::NodeId& id, const merkle::Hash& hash,
                     rocksdb::WriteBatch& batch) {
  const auto a = storage::TileAddressOf(id);
  if (edge_tiles_.size() <= a.tile_level) edge_tiles_.resize(a.tile_level + 1);
  EdgeTile& edge = edge_tiles_[a.tile_level];
  if (!edge.present || edge.index != a.tile_index) {
    // The tree moved on to the next tile of this level: the previous one is complete.
    if (edge.present && edge.dirty) {
      batch.Put(cf_.nodes, storage::TileKey(a.tile_level, edge.index), edge.tile.Encode());
    }
    edge = EdgeTile{.index = a.tile_index, .tile = {}, .present = true, .dirty = false};
  }
  edge.tile.Set(a.row, a.position, hash);
  edge.dirty = true;
}

void Ledger::FlushEdgeTiles(rocksdb::WriteBatch& batch) {
  for (uint32_t level = 0; level < edge_tiles_.size(); ++level) {
    EdgeTile& edge = edge_tiles_[level];
    if (!edge.present || !edge.dirty) continue;
    batch.Put(cf_.nodes, storage::TileKey(level, edge.index), edge.tile.Encode());
    edge.dirty = false;
  }
}

Status Ledger::LoadEdgeTiles(uint64_t size) {
  edge_tiles_.clear();
  for (uint32_t level = 0; (size >> (storage::kTileHeight * level)) > 0; ++level) {
    const uint64_t row0_nodes = size >> (storage::kTileHeight * level);
    const uint64_t index = (row0_nodes - 1) / storage::kTileWidth;
    std::string value;
    EJ_RETURN_IF_ERROR(FromRocks(
        db_->Get(rocksdb::ReadOptions(), cf_.nodes, storage::TileKey(level, index), &value),
        "tree tile " + std::to_string(level) + "/" + std::to_string(index)));
    EJ_ASSIGN_OR_RETURN(storage::Tile tile, storage::Tile::Decode(value));
    edge_tiles_.push_back(
        EdgeTile{.index = index, .tile = std::move(tile), .present = true, .dirty = false});
  }
  return Status::Ok();
}

}  // namespace ejournal
