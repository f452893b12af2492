// AttachmentStore: the files attached to homework (HomeworkAssigned.attachments), kept on the node
// outside the ledger and addressed by their content: DIR/<first two hex digits>/<SHA-256 in hex>.
// The ledger keeps only the DocumentRef (hash, name, type, size) in the signed event, so a file's
// bytes are tied to what the teacher signed, and a file whose bytes no longer match its hash is
// refused when read (DataLoss), never served.
//
// What a school may attach (kAllowedTypes): PDF, PNG, JPEG, GIF, plain text, and the office formats
// (DOCX, XLSX, PPTX, ODT, ODS, ODP). The declared media type must be one of them and the bytes must
// look like it (their signature; text must be UTF-8 without control bytes), so that a page never
// receives, under a harmless name, a file of another type.
//
// Thread-safety: every method may be called from any thread (each file is written atomically and
// never replaced: the same hash names the same bytes).
#ifndef EJOURNAL_API_ATTACHMENT_STORE_H_
#define EJOURNAL_API_ATTACHMENT_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "schemas/status.h"

namespace ejournal::api {

class AttachmentStore {
 public:
  // Creates DIR if needed. `max_bytes`: the largest file accepted.
  [[nodiscard]] static Result<std::unique_ptr<AttachmentStore>> Open(std::string dir,
                                                                     uint64_t max_bytes);

  struct Stored {
    std::string sha256_hex;
    uint64_t size = 0;
  };
  // Checks `media_type` against the bytes (InvalidArgument when not allowed or not matching;
  // ResourceExhausted when larger than the limit, or empty) and stores them durably.
  [[nodiscard]] Result<Stored> Put(std::string_view media_type, std::string_view bytes) const;
  // The file with this hash (64 lowercase hex digits): NotFound when absent, DataLoss when its
  // bytes do not hash to the name.
  [[nodiscard]] Result<std::string> Get(std::string_view sha256_hex) const;
  // Deletes the file (R-MSG-5: a text at the end of its retention), durably; NotFound when absent.
  [[nodiscard]] Status Remove(std::string_view sha256_hex) const;
  // The size of the stored file, or NotFound; reads no content.
  [[nodiscard]] Result<uint64_t> SizeOf(std::string_view sha256_hex) const;

  uint64_t max_bytes() const { return max_bytes_; }

  // Whether `bytes` may be stored as `media_type` (the list above): OK, or InvalidArgument saying
  // why in Russian.
  static Status CheckType(std::string_view media_type, std::string_view bytes);

 private:
  AttachmentStore(std::string dir, uint64_t max_bytes)
      : dir_(std::move(dir)), max_bytes_(max_bytes) {}
  Result<std::string> PathOf(std::string_view sha256_hex) const;

  const std::string dir_;
  const uint64_t max_bytes_;
};

}  // namespace ejournal::api

#endif  // EJOURNAL_API_ATTACHMENT_STORE_H_
