#include "api/attachment_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "ledger/crypto.h"

namespace ejournal::api {
namespace {

// What a file of each allowed type starts with (empty: text, checked as UTF-8).
struct AllowedType {
  std::string_view media_type;
  std::string_view signature;
};
constexpr std::string_view kZip("PK\x03\x04", 4);
constexpr std::array<AllowedType, 12> kAllowedTypes{{
    {"application/pdf", "%PDF-"},
    {"image/png", "\x89PNG\r\n\x1a\n"},
    {"image/jpeg", "\xFF\xD8\xFF"},
    {"image/gif", "GIF8"},
    {"text/plain", ""},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", kZip},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", kZip},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", kZip},
    {"application/vnd.oasis.opendocument.text", kZip},
    {"application/vnd.oasis.opendocument.spreadsheet", kZip},
    {"application/vnd.oasis.opendocument.presentation", kZip},
    {"application/msword", "\xD0\xCF\x11\xE0"},
}};

// UTF-8 without control bytes other than tab, line feed and carriage return.
bool IsPlainText(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
      if (c == 0x7F) return false;
      ++i;
      continue;
    }
    int extra = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // the sequence is cut short
    for (int k = 1; k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong forms, surrogates and values beyond Unicode are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += static_cast<size_t>(extra) + 1;
  }
  return true;
}

bool IsHexDigest(std::string_view h) {
  if (h.size() != 64) return false;
  for (char c : h) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<AttachmentStore>> AttachmentStore::Open(std::string dir,
                                                               uint64_t max_bytes) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Err(IoError("creating " + dir + ": " + std::strerror(errno)));
  }
  return std::unique_ptr<AttachmentStore>(new AttachmentStore(std::move(dir), max_bytes));
}

Status AttachmentStore::CheckType(std::string_view media_type, std::string_view bytes) {
  for (const AllowedType& t : kAllowedTypes) {
    if (t.media_type != media_type) continue;
    const bool looks = t.signature.empty() ? IsPlainText(bytes) : bytes.starts_with(t.signature);
    if (looks) return Status::Ok();
    return InvalidArgument("Содержимое файла не соответствует его типу («" +
                           std::string(media_type) + "»): файл не принят");
  }
  return InvalidArgument(
      "Такой тип файла не принимается («" + std::string(media_type) +
      "»). Можно прикрепить PDF, изображение (PNG, JPEG, GIF), текст или документ "
      "(DOCX, XLSX, PPTX, ODT, ODS, ODP, DOC)");
}

Result<std::string> AttachmentStore::PathOf(std::string_view sha256_hex) const {
  if (!IsHexDigest(sha256_hex)) return Err(NotFound("Нет такого файла"));
  return dir_ + "/" + std::string(sha256_hex.substr(0, 2)) + "/" + std::string(sha256_hex);
}

Result<AttachmentStore::Stored> AttachmentStore::Put(std::string_view media_type,
                                                     std::string_view bytes) const {
  if (bytes.empty()) return Err(InvalidArgument("Файл пустой: прикреплять нечего"));
  if (bytes.size() > max_bytes_) {
    return Err(ResourceExhausted("Файл больше допустимого (" +
                                 std::to_string(max_bytes_ / (1024 * 1024)) + " МБ)"));
  }
  EJ_RETURN_IF_ERROR(CheckType(media_type, bytes));
  const auto digest = crypto::Sha256(bytes);
  Stored out{crypto::HexEncode(
                 std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())),
             bytes.size()};
  const std::string sub = dir_ + "/" + out.sha256_hex.substr(0, 2);
  if (::mkdir(sub.c_str(), 0700) != 0 && errno != EEXIST) {
    return Err(IoError("creating " + sub + ": " + std::strerror(errno)));
  }
  // The same hash names the same bytes: a file already stored is kept as it is.
  Status st = crypto::WriteSecretFile(sub + "/" + out.sha256_hex, bytes);
  if (!st.ok() && st.code() != StatusCode::kAlreadyExists) return Err(st);
  return out;
}

Result<std::string> AttachmentStore::Get(std::string_view sha256_hex) const {
  EJ_ASSIGN_OR_RETURN(std::string path, PathOf(sha256_hex));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(NotFound("Нет такого файла"));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Err(IoError("reading " + path));
  const auto digest = crypto::Sha256(bytes);
  if (crypto::HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()),
                                         digest.size())) != sha256_hex) {
    return Err(DataLoss("attachment " + std::string(sha256_hex) +
                        ": the stored bytes do not match their hash"));
  }
  return bytes;
}

Status AttachmentStore::Remove(std::string_view sha256_hex) const {
  EJ_ASSIGN_OR_RETURN(std::string path, PathOf(sha256_hex));
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return NotFound("Нет такого файла");
    return IoError("removing " + path + ": " + std::strerror(errno));
  }
  // The directory's entry is gone for good once the directory is synced.
  const std::string sub = path.substr(0, path.rfind('/'));
  if (int fd = ::open(sub.c_str(), O_RDONLY | O_DIRECTORY); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  return Status::Ok();
}

Result<uint64_t> AttachmentStore::SizeOf(std::string_view sha256_hex) const {
  EJ_ASSIGN_OR_RETURN(std::string path, PathOf(sha256_hex));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Err(NotFound("Нет такого файла"));
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace ejournal::api
