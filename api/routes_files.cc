// Homework files (api/attachment_store.h; docs/API.md "Files"): a teacher uploads a file, the page
// puts its DocumentRef (hash, name, type, size) into the signed HomeworkAssigned, and those who may
// read the lesson download it by the homework and the hash.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <string>

#include "api/access.h"
#include "api/http_errors.h"
#include "api/json_util.h"
#include "api/server.h"
#include "ledger/crypto.h"

namespace ejournal::api {
namespace {

// Whether `reader` may read homework `h` of `lesson`: whoever may read the lesson's page, and the
// students the homework is for (the whole class or subgroup, or the named students) with their
// parents (R-ACC-3).
bool MayReadHomework(const school::School& school, const school::User& reader,
                     const school::Lesson& lesson, const school::HomeworkValue& h) {
  if (!reader.active) return false;
  if (MayReadCell(school, reader, lesson.id)) return true;
  auto for_student = [&](const std::string& student_id) {
    if (!school.InLesson(lesson, student_id)) return false;
    if (h.student_ids.empty()) return true;
    for (const auto& s : h.student_ids) {
      if (s == student_id) return true;
    }
    return false;
  };
  if (reader.Has(v1::ROLE_STUDENT) && for_student(reader.id)) return true;
  if (reader.Has(v1::ROLE_PARENT)) {
    for (const auto& [id, st] : school.students) {
      if (st.guardians.contains(reader.id) && for_student(id)) return true;
    }
  }
  return false;
}

}  // namespace

Status ApiServer::AttachmentsStored(const v1::EventBody& body) const {
  EJ_RETURN_IF_ERROR(MessageContentStored(body));
  const v1::HomeworkAssigned* h = nullptr;
  if (body.has_homework_assigned()) {
    h = &body.homework_assigned();
  } else if (body.has_correction_requested() && body.correction_requested().has_homework()) {
    h = &body.correction_requested().homework();
  }
  if (h == nullptr) return Status::Ok();
  for (const auto& a : h->attachments()) {
    const std::string hex = crypto::HexEncode(a.sha256());
    auto size = attachments_->SizeOf(hex);
    if (!size || static_cast<int64_t>(*size) != a.size_bytes()) {
      return InvalidArgument(
          "Файл «" + a.file_name() + "» не загружен на сервер: прикрепите его к заданию снова",
          "R-HW-1");
    }
  }
  return Status::Ok();
}

void ApiServer::PostAttachment(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  bool may = false;
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    // Files are attached to homework, which the teachers (and substitutes) record (R-HW-1).
    if (!reader.user->Has(v1::ROLE_TEACHER)) {
      return SetError(
          res, PermissionDenied("Прикреплять файлы к заданиям может только учитель", "R-ACC-2"));
    }
    may = true;
  });
  if (may) StoreUpload(*attachments_, req, res, school_id, "attachment_stored");
}

void ApiServer::StoreUpload(const AttachmentStore& store, const httplib::Request& req,
                            httplib::Response& res, const std::string& school_id,
                            const char* event) {
  std::string type = req.get_header_value("Content-Type");
  if (auto semi = type.find(';'); semi != std::string::npos) type.resize(semi);
  // Written outside the state lock: the file is not part of the state.
  auto stored = store.Put(type, req.body);
  if (!stored) return SetError(res, stored.error());
  spdlog::info("event={} school={} sha256={} bytes={}", event, school_id, stored->sha256_hex,
               stored->size);
  ReplyJson(
      res, nlohmann::json{
               {"sha256", stored->sha256_hex}, {"size_bytes", stored->size}, {"media_type", type}});
}

void ApiServer::GetAttachment(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], homework_id = req.matches[2], hex = req.matches[3];
  std::optional<school::AttachmentRef> ref;
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    auto h = reader.school->homework.find(homework_id);
    if (h == reader.school->homework.end()) return SetError(res, NotVisible());
    const auto* current = h->second.Current(*state_);
    const school::Lesson* lesson = reader.school->FindLesson(h->second.lesson_id);
    if (current == nullptr || lesson == nullptr ||
        !MayReadHomework(*reader.school, *reader.user, *lesson, current->value)) {
      return SetError(res, NotVisible());
    }
    for (const auto& a : current->value.attachments) {
      if (crypto::HexEncode(a.sha256) == hex) ref = a;
    }
    if (!ref) return SetError(res, NotVisible());
  });
  if (!ref) return;
  auto bytes = attachments_->Get(hex);
  if (!bytes) {
    if (bytes.error().code() == StatusCode::kDataLoss) {
      spdlog::error("event=attachment_corrupt school={} homework={} sha256={}", school_id,
                    homework_id, hex);
      return SetError(res, DataLoss("Файл «" + ref->file_name +
                                    "» повреждён на сервере: его содержимое не совпадает с "
                                    "записанным в журнале; сообщите администратору"));
    }
    return SetError(res,
                    bytes.error().code() == StatusCode::kNotFound ? NotVisible() : bytes.error());
  }
  res.set_header("Content-Disposition",
                 "attachment; filename*=" + ContentDispositionName(ref->file_name));
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "private, max-age=3600");
  res.set_content(std::move(*bytes), ref->media_type);
}

}  // namespace ejournal::api
