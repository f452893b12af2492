// Tree tiles: addressing, encoding, and that a ledger reopened mid-tile keeps a correct tree.
#include "ledger/tree_tiles.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/support/ledger_fixture.h"

namespace ejournal {
namespace {

TEST(TreeTilesTest, AddressesFollowTheFourLevelLayout) {
  auto a = storage::TileAddressOf({0, 37});
  EXPECT_EQ(a.tile_level, 0u);
  EXPECT_EQ(a.tile_index, 2u);
  EXPECT_EQ(a.row, 0u);
  EXPECT_EQ(a.position, 5u);
  a = storage::TileAddressOf({3, 5});  // under node (4, 2)
  EXPECT_EQ(a.tile_level, 0u);
  EXPECT_EQ(a.tile_index, 2u);
  EXPECT_EQ(a.row, 3u);
  EXPECT_EQ(a.position, 1u);
  a = storage::TileAddressOf({4, 17});  // row 0 of tile level 1
  EXPECT_EQ(a.tile_level, 1u);
  EXPECT_EQ(a.tile_index, 1u);
  EXPECT_EQ(a.row, 0u);
  EXPECT_EQ(a.position, 1u);
}

TEST(TreeTilesTest, EncodeDecodeKeepsExactlyTheCompleteNodes) {
  storage::Tile tile;
  merkle::Hash h{};
  for (uint32_t p = 0; p < 5; ++p) {
    h[0] = static_cast<uint8_t>(p);
    tile.Set(0, p, h);
  }
  h[0] = 100;
  tile.Set(1, 0, h);
  h[0] = 101;
  tile.Set(1, 1, h);
  h[0] = 200;
  tile.Set(2, 0, h);
  auto decoded = storage::Tile::Decode(tile.Encode());
  ASSERT_TRUE(decoded.has_value()) << decoded.error().ToString();
  EXPECT_EQ(decoded->width(), 5u);
  ASSERT_NE(decoded->Get(0, 4), nullptr);
  EXPECT_EQ((*decoded->Get(0, 4))[0], 4);
  EXPECT_EQ((*decoded->Get(1, 1))[0], 101);
  EXPECT_EQ((*decoded->Get(2, 0))[0], 200);
  EXPECT_EQ(decoded->Get(0, 5), nullptr);
  EXPECT_EQ(decoded->Get(1, 2), nullptr);  // needs row-0 nodes 4 and 5
  EXPECT_EQ(decoded->Get(3, 0), nullptr);

  std::string value = tile.Encode();
  value.pop_back();
  auto bad = storage::Tile::Decode(value);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kDataLoss);
  EXPECT_EQ(storage::Tile::Decode("").error().code(), StatusCode::kDataLoss);
  EXPECT_EQ(storage::Tile::Decode(std::string(1, '\x11')).error().code(), StatusCode::kDataLoss);
}

class TiledLedgerTest : public testing::LedgerFixture {};

// Reopening at sizes that end inside tiles of several levels must continue the same tree.
TEST_F(TiledLedgerTest, ReopenedMidTileTheTreeStaysExact) {
  merkle::MemoryTree reference;
  std::mt19937 rng(7);
  uint64_t appended = 0;
  for (uint64_t stop : {1u, 17u, 255u, 256u, 257u, 1000u, 4099u}) {
    ASSERT_TRUE(OpenLedger());
    std::vector<AppendRequest> batch;
    for (; appended < stop; ++appended)
      batch.push_back(MakeRequest("e" + std::to_string(appended)));
    for (auto& r : ledger_->AppendBatch(std::move(batch))) ASSERT_TRUE(r.has_value());
    while (reference.size() < stop) {
      reference.Append(merkle::LeafHash(*ledger_->Entry(reference.size() + 1)));
    }
    ASSERT_EQ(*ledger_->Root(stop), reference.Root()) << "size " << stop;
    for (int k = 0; k < 50; ++k) {
      const uint64_t size = 1 + rng() % stop;
      const uint64_t index = rng() % size;
      auto proof = ledger_->InclusionProof(index, size);
      ASSERT_TRUE(proof.has_value()) << proof.error().ToString();
      auto expected = merkle::InclusionProof(reference, index, size);
      EXPECT_EQ(*proof, *expected) << index << "/" << size;
      const uint64_t old_size = 1 + rng() % size;
      auto cproof = ledger_->ConsistencyProof(old_size, size);
      ASSERT_TRUE(cproof.has_value()) << cproof.error().ToString();
      EXPECT_EQ(*cproof, *merkle::ConsistencyProof(reference, old_size, size));
    }
  }
  EXPECT_TRUE(VerifyTree());
}

}  // namespace
}  // namespace ejournal
