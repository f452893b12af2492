// POST /api/v1/events and /api/v1/events:batch (docs/API.md "Writes").
#include <httplib.h>

#include "api/http_errors.h"
#include "api/json_util.h"
#include "api/server.h"
#include "ejournal/v1/api.pb.h"

namespace ejournal::api {
namespace {

nlohmann::json ResultJson(const AppendResult& r) {
  return {
      {"sequence", r.sequence}, {"recorded_at_us", r.recorded_at_us}, {"duplicate", r.duplicate}};
}

nlohmann::json ErrorObject(const Status& st) {
  return {{"code", std::string(StatusCodeName(st.code()))},
          {"message", st.message()},
          {"rule", st.rule()},
          {"http_status", HttpStatusOf(st)}};
}

Status CheckProtobufContentType(const httplib::Request& req) {
  const std::string type = req.get_header_value("Content-Type");
  if (!type.starts_with("application/x-protobuf")) {
    return InvalidArgument("Content-Type must be application/x-protobuf");
  }
  return Status::Ok();
}

}  // namespace

void ApiServer::PostEvent(const httplib::Request& req, httplib::Response& res) {
  if (Status st = CheckProtobufContentType(req); !st.ok()) return SetError(res, st);
  if (req.get_header_value("Content-Type").find("batch=1") != std::string::npos) {
    return PostBatch(req, res);
  }
  auto result = Submit(req.body);
  if (!result) return SetError(res, result.error());
  ReplyJson(res, ResultJson(*result));
}

void ApiServer::PostBatch(const httplib::Request& req, httplib::Response& res) {
  if (Status st = CheckProtobufContentType(req); !st.ok()) return SetError(res, st);
  v1::SignedEventBatch batch;
  if (!batch.ParseFromString(req.body) || HasUnknownFields(batch)) {
    return SetError(res, InvalidArgument("the body is not an ejournal.v1.SignedEventBatch"));
  }
  if (batch.events_size() == 0) return SetError(res, InvalidArgument("the batch is empty"));
  if (static_cast<size_t>(batch.events_size()) > options_.max_batch_events) {
    return SetError(res, ResourceExhausted("at most " + std::to_string(options_.max_batch_events) +
                                           " events in one batch"));
  }
  const int64_t now = options_.clock->NowMicros();
  // The items' checks (decoding, the credential, the signature) are independent of each other:
  // they run on this worker and on the batch helpers that are free (api/shared_work.h), in chunks.
  std::vector<std::optional<Result<AppendRequest>>> checked(batch.events_size());
  auto check = [&](size_t i) {
    const int item = static_cast<int>(i);
    checked[i].emplace(admission_->Check(std::move(*batch.mutable_events(item)), now));
    if (*checked[i]) {
      Status st = AttachmentsStored(Admission::BodyOf(**checked[i]));
      if (!st.ok()) checked[i].emplace(Err(st));
    }
  };
  if (batch_helpers_ != nullptr) {
    batch_helpers_->ForEach(checked.size(), kBatchCheckChunk, check);
  } else {
    for (size_t i = 0; i < checked.size(); ++i) check(i);
  }
  std::vector<std::optional<Status>> refused(batch.events_size());
  std::vector<AppendRequest> requests;
  requests.reserve(checked.size());
  std::vector<int> index_of;  // request -> batch item
  bool erases = false;        // R-MSG-5: a MessagesErased among them
  for (int i = 0; i < batch.events_size(); ++i) {
    Result<AppendRequest>& item = *checked[i];
    if (!item) {
      metrics_.CountRefusal(item.error());
      refused[i] = item.error();
      continue;
    }
    erases |= Admission::BodyOf(*item).has_messages_erased();
    requests.push_back(std::move(*item));
    index_of.push_back(i);
  }
  std::vector<Result<AppendResult>> appended;
  if (!requests.empty()) appended = ledger_->AppendBatch(std::move(requests));
  if (erases) EraseExpiredMessages();
  // A full admission queue (or a stopping ledger): if it refused every item, the batch as a whole
  // is 503 with Retry-After, as one event would be; if only some, the answer says which and
  // carries Retry-After for them.
  size_t unavailable = 0;
  for (const auto& a : appended) {
    if (!a && a.error().code() == StatusCode::kUnavailable) ++unavailable;
  }
  if (unavailable > 0 && unavailable == static_cast<size_t>(batch.events_size())) {
    for (const auto& a : appended) metrics_.CountRefusal(a.error());
    return SetError(res, appended.front().error());
  }
  if (unavailable > 0) res.set_header("Retry-After", std::to_string(kRetryAfterSeconds));
  nlohmann::json results = nlohmann::json::array();
  for (int i = 0; i < batch.events_size(); ++i) results.push_back(nullptr);
  for (size_t k = 0; k < appended.size(); ++k) {
    const int i = index_of[k];
    if (appended[k]) {
      metrics_.CountAppend(appended[k]->duplicate);
      results[i] = ResultJson(*appended[k]);
    } else {
      metrics_.CountRefusal(appended[k].error());
      results[i] = {{"error", ErrorObject(appended[k].error())}};
    }
  }
  for (int i = 0; i < batch.events_size(); ++i) {
    if (refused[i]) results[i] = {{"error", ErrorObject(*refused[i])}};
  }
  ReplyJson(res, {{"results", std::move(results)}});
}

}  // namespace ejournal::api
