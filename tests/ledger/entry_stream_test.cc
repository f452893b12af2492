// EntryStream: entries read and parsed on a second thread, handed over in order, in batches.
#include "ledger/entry_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ledger/storage_format.h"
#include "tests/support/ledger_fixture.h"

namespace ejournal {
namespace {

using testing::LedgerFixture;

class EntryStreamTest : public LedgerFixture {
 protected:
  void AppendEvents(int n) {
    for (int i = 1; i <= n; ++i) {
      auto r = ledger_->Append(MakeRequest("event-" + std::to_string(i)));
      ASSERT_TRUE(r.has_value()) << r.error().ToString();
      clock_.Advance(1000);
    }
  }

  // Every entry the stream hands over, as "seq:event id", and the status it ended with.
  static std::pair<std::vector<std::string>, Status> Drain(EntryStream& stream) {
    std::vector<std::string> seen;
    for (;;) {
      auto batch = stream.Next();
      if (!batch) return {seen, batch.error()};
      if (batch->empty()) return {seen, Status::Ok()};
      for (const ParsedEntry& e : *batch) {
        seen.push_back(std::to_string(e.sequence) + ":" + e.body.event_id());
      }
    }
  }
};

TEST_F(EntryStreamTest, HandsOverEveryEntryInOrderAcrossManySmallBatches) {
  ASSERT_TRUE(OpenLedger());
  AppendEvents(23);
  EntryStream stream(*ledger_, 1, {.batch_entries = 3, .batches = 2});
  auto [seen, status] = Drain(stream);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(seen.size(), 23u);
  for (int i = 1; i <= 23; ++i) {
    EXPECT_EQ(seen[i - 1], std::to_string(i) + ":event-" + std::to_string(i));
  }
  // The end stays the end.
  auto again = stream.Next();
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->empty());
}

TEST_F(EntryStreamTest, StartsAtTheGivenSequenceAndCarriesTheRecordedTime) {
  ASSERT_TRUE(OpenLedger());
  AppendEvents(6);
  EntryStream stream(*ledger_, 4);
  auto batch = stream.Next();
  ASSERT_TRUE(batch.has_value());
  ASSERT_EQ(batch->size(), 3u);
  for (const ParsedEntry& e : *batch) {
    auto stored = ledger_->Entry(e.sequence);
    ASSERT_TRUE(stored.has_value());
    v1::LedgerEntry entry;
    ASSERT_TRUE(entry.ParseFromString(*stored));
    EXPECT_EQ(e.recorded_at_us, entry.recorded_at_us());
    EXPECT_EQ(e.body.event_id(), "event-" + std::to_string(e.sequence));
  }
}

TEST_F(EntryStreamTest, AnEmptyLedgerEndsAtOnce) {
  ASSERT_TRUE(OpenLedger());
  EntryStream stream(*ledger_, 1);
  auto [seen, status] = Drain(stream);
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(seen.empty());
}

TEST_F(EntryStreamTest, StoppingEarlyJoinsTheReader) {
  ASSERT_TRUE(OpenLedger());
  AppendEvents(50);
  {
    // The reader fills both batches and waits for a free one; the destructor must wake it.
    EntryStream stream(*ledger_, 1, {.batch_entries = 4, .batches = 2});
    auto first = stream.Next();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->size(), 4u);
  }
  SUCCEED();  // reaching here means the destructor returned
}

TEST_F(EntryStreamTest, AnEntryThatDoesNotParseEndsTheStreamAfterTheEntriesBeforeIt) {
  ASSERT_TRUE(OpenLedger());
  AppendEvents(8);
  // Damage entry 5 in place (the key is the big-endian sequence number).
  const std::string key = storage::EncodeBigEndian64(5);
  ASSERT_TRUE(ledger_->db()
                  ->Put(rocksdb::WriteOptions(), ledger_->column_families().entries, key,
                        std::string("\xff\xff\xff not a protobuf"))
                  .ok());
  EntryStream stream(*ledger_, 1, {.batch_entries = 2, .batches = 2});
  auto [seen, status] = Drain(stream);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("entry 5"), std::string::npos) << status.ToString();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen.back(), "4:event-4");
}

// The stream reads the recorded time and the body of each stored LedgerEntry in place
// (ledger/entry_stream.cc, ReadLedgerEntry), as protobuf's parser reads them: whatever the order
// of the fields, past fields it does not know; and an entry cut short is refused as one that does
// not parse.
TEST_F(EntryStreamTest, ReadsTheEntryAsProtobufWouldAndRefusesOneCutShort) {
  ASSERT_TRUE(OpenLedger());
  AppendEvents(8);
  auto put = [&](uint64_t seq, const std::string& bytes) {
    ASSERT_TRUE(ledger_->db()
                    ->Put(rocksdb::WriteOptions(), ledger_->column_families().entries,
                          storage::EncodeBigEndian64(seq), bytes)
                    .ok());
  };
  // Entry 3: its event first, then a field unknown to LedgerEntry (15, a varint), then the
  // recorded time (a concatenation of serialized messages is their merge).
  v1::LedgerEntry stored;
  ASSERT_TRUE(stored.ParseFromString(ledger_->Entry(3).value()));
  v1::LedgerEntry event_only;
  *event_only.mutable_event() = stored.event();
  v1::LedgerEntry time_only;
  time_only.set_recorded_at_us(123456789);
  put(3, event_only.SerializeAsString() + std::string("\x78\x01") + time_only.SerializeAsString());
  v1::LedgerEntry check;
  ASSERT_TRUE(check.ParseFromString(ledger_->Entry(3).value()));  // protobuf reads it so too
  ASSERT_EQ(check.recorded_at_us(), 123456789);
  // Entry 6: the last bytes of its event lost (the event is the last field written).
  const std::string sixth = ledger_->Entry(6).value();
  put(6, sixth.substr(0, sixth.size() - 10));
  ASSERT_FALSE(check.ParseFromString(ledger_->Entry(6).value()));
  EntryStream stream(*ledger_, 1, {.batch_entries = 2, .batches = 2});
  std::vector<std::string> seen;
  Status status;
  for (;;) {
    auto batch = stream.Next();
    if (!batch) {
      status = batch.error();
      break;
    }
    if (batch->empty()) break;
    for (const ParsedEntry& e : *batch) {
      seen.push_back(std::to_string(e.sequence) + ":" + e.body.event_id());
      if (e.sequence == 3) {
        EXPECT_EQ(e.recorded_at_us, 123456789);
      } else {
        v1::LedgerEntry original;
        ASSERT_TRUE(original.ParseFromString(ledger_->Entry(e.sequence).value()));
        EXPECT_EQ(e.recorded_at_us, original.recorded_at_us());
      }
    }
  }
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("entry 6"), std::string::npos) << status.ToString();
  EXPECT_EQ(seen, (std::vector<std::string>{"1:event-1", "2:event-2", "3:event-3", "4:event-4",
                                            "5:event-5"}));
}

}  // namespace
}  // namespace ejournal
