// Files attached to homework (api/attachment_store.h), through a real ejournald and the real CLI:
// the teacher attaches a file (uploaded, then signed by its hash), the ledger's event carries the
// hash and never the bytes, a reader the homework is for downloads exactly the bytes, anyone else
// gets 404; an oversized file, a file of a type not accepted or whose bytes are not its declared
// type, an event naming a file never uploaded, and a stored file whose bytes no longer match its
// hash are all refused, and nothing is recorded for them.
#include <filesystem>
#include <fstream>

#include "ledger/crypto.h"
#include "tests/api/flow_fixture.h"

namespace ejournal::testing {
namespace {

class HomeworkFilesTest : public FlowFixture {
 protected:
  void SetUp() override {
    FlowFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const char* user : {"math", "parent", "parent2", "deputy"}) SetPassword(user);
  }
  std::string WriteFile(const std::string& name, const std::string& bytes) {
    const std::string path = files_.Sub(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  static std::string Hex(const std::string& bytes) {
    const auto d = crypto::Sha256(bytes);
    return crypto::HexEncode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
  }
  static std::string ReadAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  httplib::Result Upload(const std::string& token, const std::string& type,
                         const std::string& bytes) {
    return client_->Post("/api/v1/schools/" + std::string(kSchool) + "/attachments",
                         httplib::Headers{{"Authorization", "Bearer " + token}}, bytes, type);
  }
  TempDir files_;
};

TEST_F(HomeworkFilesTest, AttachedFileIsSignedByHashAndOnlyItsReadersDownloadIt_R_HW_1_R_ACC_3) {
  At(D(2025, 10, 6), "09:00");
  SignIn("math");
  SignIn("parent");
  SignIn("parent2");
  SignIn("deputy");
  const std::string pdf = "%PDF-1.4\n% Упражнения, стр. 45\n%%EOF\n";
  const std::string file = WriteFile("упражнения_стр_45.pdf", pdf);
  // Individual homework for s1 (parent's child), not for s2 (parent2's).
  const std::string out = Ok("math", {"homework", "--lesson", "math-5a-1", "--date", "2025-10-06",
                                      "--text", "Упражнения на стр. 45", "--students", "s1",
                                      "--attach", file, "--homework-id", "hw-f"});
  const uint64_t seq = EntryOf(out);
  ASSERT_NE(seq, 0u) << out;

  // The ledger holds the file's hash, name, type and size, and never its bytes.
  const json entry = Read("deputy", {"entry", "--sequence", std::to_string(seq)});
  const json& ref = entry["body"]["homework_assigned"]["attachments"][0];
  const auto digest = crypto::Sha256(pdf);
  EXPECT_EQ(ref.value("sha256", ""),
            crypto::Base64Encode(
                std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())));
  EXPECT_EQ(ref.value("file_name", ""), "упражнения_стр_45.pdf");
  EXPECT_EQ(ref.value("media_type", ""), "application/pdf");
  EXPECT_EQ(ref.value("size_bytes", ""), std::to_string(pdf.size()));
  EXPECT_EQ(entry.dump().find("Упражнения, стр. 45"), std::string::npos);

  // The lesson lists the file; the parent of s1 downloads exactly the bytes.
  const json page = Read("math", {"journal", "--class", "5a", "--subject", "math", "--term", "1"});
  bool listed = false;
  for (const auto& l : page["lessons"]) {
    for (const auto& h : l.value("homework", json::array())) {
      if (h.value("homework_id", "") == "hw-f") {
        listed = h.value("attachments", 0) == 1 &&
                 h["files"][0].value("file_name", "") == "упражнения_стр_45.pdf";
      }
    }
  }
  EXPECT_TRUE(listed) << page.dump();
  const std::string got = files_.Sub("got.pdf");
  Ok("parent", {"homework-file", "--homework", "hw-f", "--sha256", Hex(pdf), "--out", got});
  EXPECT_EQ(ReadAll(got), pdf);
  // The teacher downloads it too; parent2's child is not among the homework's students: 404.
  Ok("math", {"homework-file", "--homework", "hw-f", "--sha256", Hex(pdf), "--out", got});
  ProcessResult other = Cli("parent2", {"homework-file", "--homework", "hw-f", "--sha256", Hex(pdf),
                                        "--out", files_.Sub("no.pdf")});
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.err.find("Не найдено"), std::string::npos) << other.err;
  EXPECT_FALSE(std::filesystem::exists(files_.Sub("no.pdf")));
  // A hash the homework does not list: 404 even for its reader.
  EXPECT_NE(Cli("parent",
                {"homework-file", "--homework", "hw-f", "--sha256", Hex("другое"), "--out", got})
                .exit_code,
            0);

  // The stored bytes changed on the node's disk: refused, never served.
  const std::string hex = Hex(pdf);
  const std::string stored = dir_.path() + "/attachments/" + hex.substr(0, 2) + "/" + hex;
  ASSERT_TRUE(std::filesystem::exists(stored));
  std::filesystem::permissions(stored, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(stored, std::ios::binary | std::ios::trunc) << "%PDF-1.4 подменён";
  ProcessResult corrupt = Cli("parent", {"homework-file", "--homework", "hw-f", "--sha256", hex,
                                         "--out", files_.Sub("corrupt.pdf")});
  EXPECT_NE(corrupt.exit_code, 0);
  EXPECT_NE(corrupt.err.find("повреждён"), std::string::npos) << corrupt.err;
}

TEST_F(HomeworkFilesTest, OversizedWrongTypeAndNeverUploadedFilesAreRefused_R_HW_1) {
  At(D(2025, 10, 6), "09:00");
  const std::string token = Login("math").token;
  const std::string parent_token = Login("parent").token;
  ASSERT_FALSE(token.empty());
  ASSERT_FALSE(parent_token.empty());
  const uint64_t size = LedgerSize();

  // Larger than the limit (10 MiB by default): 413.
  auto big = Upload(token, "application/pdf", "%PDF-" + std::string(10 << 20, 'x'));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  // A type the school does not accept, and bytes that are not the declared type: 400, in Russian.
  auto exe = Upload(token, "application/x-msdownload", "MZ\x90");
  ASSERT_TRUE(exe);
  EXPECT_EQ(exe->status, 400);
  EXPECT_NE(exe->body.find("тип файла не принимается"), std::string::npos) << exe->body;
  auto fake = Upload(token, "application/pdf", "<script>alert(1)</script>");
  ASSERT_TRUE(fake);
  EXPECT_EQ(fake->status, 400);
  EXPECT_NE(fake->body.find("не соответствует"), std::string::npos) << fake->body;
  auto binary_text = Upload(token, "text/plain", std::string("abc\0def", 7));
  ASSERT_TRUE(binary_text);
  EXPECT_EQ(binary_text->status, 400);
  // A parent uploads nothing: only teachers attach files to homework.
  auto parent = Upload(parent_token, "text/plain", "домашнее задание");
  ASSERT_TRUE(parent);
  EXPECT_EQ(parent->status, 403);

  // A homework naming a file the node never received: refused before admission.
  v1::EventBody b = Body("math");
  *b.mutable_business_date() = Date(D(2025, 10, 6));
  auto* h = b.mutable_homework_assigned();
  h->set_homework_id("hw-ghost");
  h->set_lesson_id("math-5a-1");
  h->set_text("Задание с файлом");
  auto* ref = h->add_attachments();
  const auto digest = crypto::Sha256("never uploaded");
  ref->set_sha256(std::string(reinterpret_cast<const char*>(digest.data()), digest.size()));
  ref->set_file_name("задание.pdf");
  ref->set_media_type("application/pdf");
  ref->set_size_bytes(14);
  auto r = PostEvent(Signed(b));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("не загружен"), std::string::npos) << r->body;
  EXPECT_EQ(LedgerSize(), size);

  // A plain-text file is accepted, and the same bytes twice are one file.
  auto txt = Upload(token, "text/plain; charset=utf-8", "Прочитать рассказ «Муму»\n");
  ASSERT_TRUE(txt);
  EXPECT_EQ(txt->status, 200) << txt->body;
  auto again = Upload(token, "text/plain", "Прочитать рассказ «Муму»\n");
  ASSERT_TRUE(again);
  EXPECT_EQ(Json(again).value("sha256", ""), Json(txt).value("sha256", ""));
  EXPECT_EQ(LedgerSize(), size);
}

}  // namespace
}  // namespace ejournal::testing
