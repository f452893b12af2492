// Notifications (docs/API.md "Notifications"; DOMAIN.md R-MSG-4, R-MSG-3; api/notifier.h): the
// signed-in person's feed and seen mark, their settings (the e-mail address, the kinds sent by
// mail, a daily digest, quiet hours), and the unsubscribe links of the mails, which work without
// signing in (the link's HMAC is the authority). The writer node only: a replica refers them to
// the writer, as it does writes.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <string>

#include "api/http_errors.h"
#include "api/json_util.h"
#include "api/server.h"
#include "projections/paper.h"

namespace ejournal::api {
namespace {

using json = nlohmann::json;

constexpr size_t kDefaultFeed = 50;
constexpr size_t kMaxFeed = 200;

// A small page of its own (the unsubscribe link opens it from a mail, without the app).
void ReplyPage(httplib::Response& res, int status, const std::string& title,
               const std::string& body_html) {
  res.status = status;
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(
      "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" +
          school::HtmlEscape(title) +
          "</title><style>body{font:16px/1.5 sans-serif;max-width:36em;margin:2em "
          "auto;padding:0 1em}button{font:inherit;padding:.4em 1em}</style></head>"
          "<body><h1>" +
          school::HtmlEscape(title) + "</h1>" + body_html + "</body></html>",
      "text/html; charset=utf-8");
}

bool ValidEmail(std::string_view e) {
  const size_t at = e.find('@');
  return e.size() <= 254 && at != std::string_view::npos && at > 0 && at + 1 < e.size() &&
         e.find('@', at + 1) == std::string_view::npos &&
         e.find_first_of(" \t\r\n<>,;\"") == std::string_view::npos &&
         e.find('.', at) != std::string_view::npos;
}

}  // namespace

void ApiServer::NotificationRoutes() {
  using httplib::Request;
  using httplib::Response;
  auto bind = [this](void (ApiServer::*method)(const Request&, Response&)) {
    return [this, method](const Request& req, Response& res) {
      if (options_.replica || notifier_ == nullptr) return RefuseWrite(req, res);
      (this->*method)(req, res);
    };
  };
  const std::string id = "([A-Za-z0-9._:-]{1,64})";
  const std::string s = "/api/v1/schools/" + id;
  Get(s + "/notifications", "notifications", bind(&ApiServer::GetNotifications));
  Post(s + "/notifications/seen", "notifications_seen", bind(&ApiServer::PostNotificationsSeen));
  Get(s + "/notification-settings", "notification_settings",
      bind(&ApiServer::GetNotificationSettings));
  Post(s + "/notification-settings", "notification_settings_set",
       bind(&ApiServer::PostNotificationSettings));
  Get("/unsubscribe", "unsubscribe_page", bind(&ApiServer::GetUnsubscribe));
  Post("/unsubscribe", "unsubscribe", bind(&ApiServer::PostUnsubscribe));
}

std::string ApiServer::SignedInUser(const httplib::Request& req, httplib::Response& res,
                                    const std::string& school_id) {
  std::string user_id;
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    user_id = reader.user->id;
  });
  return user_id;
}

void ApiServer::GetNotifications(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  const std::string user_id = SignedInUser(req, res, school_id);
  if (user_id.empty()) return;
  size_t limit = kDefaultFeed;
  if (req.has_param("limit")) {
    const std::string v = req.get_param_value("limit");
    if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos) {
      return SetError(res, InvalidArgument("limit — число от 0 до 200", "R-MSG-4"));
    }
    limit = std::min<size_t>(kMaxFeed, std::stoul(v));
  }
  size_t unseen = 0;
  auto feed = notifier_->Feed(school_id, user_id, limit, &unseen);
  if (!feed) return SetError(res, feed.error());
  json items = json::array();
  for (const auto& f : *feed) {
    auto kind = school::NoticeKindNamed(f.kind);
    items.push_back({{"seq", f.seq},
                     {"kind", f.kind},
                     {"kind_text", kind ? std::string(school::NoticeKindText(*kind)) : f.kind},
                     {"text", f.text},
                     {"link", f.link},
                     {"at_us", f.at_us}});
  }
  ReplyJson(res, json{{"items", items}, {"unseen", unseen}});
}

void ApiServer::PostNotificationsSeen(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  const std::string user_id = SignedInUser(req, res, school_id);
  if (user_id.empty()) return;
  const json j = json::parse(req.body, nullptr, false);
  if (!j.is_object() || !j.contains("up_to") || !j["up_to"].is_number_unsigned()) {
    return SetError(res, InvalidArgument("Нужен JSON {\"up_to\": номер записи}", "R-MSG-4"));
  }
  if (Status st = notifier_->MarkSeen(school_id, user_id, j["up_to"].get<uint64_t>()); !st.ok()) {
    return SetError(res, st);
  }
  ReplyJson(res, json{{"ok", true}});
}

void ApiServer::GetNotificationSettings(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  const std::string user_id = SignedInUser(req, res, school_id);
  if (user_id.empty()) return;
  auto settings = notifier_->Settings(school_id, user_id);
  if (!settings) return SetError(res, settings.error());
  auto contact = secrets_->GetContact(school_id, user_id);
  json out = settings->ToJson();
  out["email"] = contact ? contact->email() : "";
  out["mail_available"] = notifier_->mail_enabled();
  json kinds = json::array();
  for (school::NoticeKind k : school::kNoticeKinds) {
    kinds.push_back({{"kind", std::string(school::NoticeKindName(k))},
                     {"text", std::string(school::NoticeKindText(k))}});
  }
  out["kinds"] = kinds;
  ReplyJson(res, out);
}

// The person's own choices (R-MSG-4); a new address clears a bounce. The address goes to the
// node's contact store (api/secret_store.h), never the ledger; the log names the user only.
void ApiServer::PostNotificationSettings(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  const std::string user_id = SignedInUser(req, res, school_id);
  if (user_id.empty()) return;
  const json j = json::parse(req.body, nullptr, false);
  if (!j.is_object()) {
    return SetError(res, InvalidArgument("Настройки передаются объектом JSON", "R-MSG-4"));
  }
  auto settings = NotifySettings::FromJson(j);
  if (!settings) return SetError(res, settings.error());
  auto old = notifier_->Settings(school_id, user_id);
  auto contact = secrets_->GetContact(school_id, user_id);
  v1::ContactDetails details;
  if (contact) details = *contact;
  details.set_user_id(user_id);
  const std::string old_email = details.email();
  if (j.contains("email")) {
    if (!j["email"].is_string()) {
      return SetError(res, InvalidArgument("Адрес почты — строка", "R-MSG-4"));
    }
    const std::string email = j["email"].get<std::string>();
    if (!email.empty() && !ValidEmail(email)) {
      return SetError(res,
                      InvalidArgument("«" + email + "» — не адрес электронной почты", "R-MSG-4"));
    }
    details.set_email(email);
  }
  if (!settings->email_kinds.empty() && details.email().empty()) {
    return SetError(
        res, InvalidArgument("Чтобы получать письма, укажите адрес электронной почты", "R-MSG-4"));
  }
  settings->bounced = old && old->bounced && details.email() == old_email;
  if (details.email() != old_email) {
    if (Status st = secrets_->PutContact(school_id, details); !st.ok()) return SetError(res, st);
  }
  if (Status st = notifier_->PutSettings(school_id, user_id, *settings); !st.ok()) {
    return SetError(res, st);
  }
  spdlog::info("event=notification_settings school={} user={} email_kinds={} digest={}", school_id,
               user_id, settings->email_kinds.size(), settings->digest);
  json out = settings->ToJson();
  out["email"] = details.email();
  out["mail_available"] = notifier_->mail_enabled();
  ReplyJson(res, out);
}

// The page an unsubscribe link opens: it asks before it changes anything (mail scanners open
// links), and its button posts the same parameters.
void ApiServer::GetUnsubscribe(const httplib::Request& req, httplib::Response& res) {
  const std::string school = req.get_param_value("school"), user = req.get_param_value("user"),
                    kind = req.get_param_value("kind"), token = req.get_param_value("token");
  if (token != notifier_->UnsubscribeToken(school, user, kind)) {
    return ReplyPage(res, 403, "Ссылка недействительна",
                     "<p>Ссылка для отписки повреждена или не от этого журнала (R-MSG-4). "
                     "Настройте письма в журнале: «Уведомления».</p>");
  }
  auto k = school::NoticeKindNamed(kind);
  const std::string what = kind == "all"
                               ? std::string("никаких писем электронного журнала")
                               : "писем «" + std::string(k ? school::NoticeKindText(*k) : "") + "»";
  ReplyPage(res, 200, "Отписаться от писем",
            "<p>Больше не присылать " + school::HtmlEscape(what) +
                "? Уведомления в самом журнале останутся.</p>"
                "<form method=\"post\" action=\"/unsubscribe\">"
                "<input type=\"hidden\" name=\"school\" value=\"" +
                school::HtmlEscape(school) +
                "\">"
                "<input type=\"hidden\" name=\"user\" value=\"" +
                school::HtmlEscape(user) +
                "\">"
                "<input type=\"hidden\" name=\"kind\" value=\"" +
                school::HtmlEscape(kind) +
                "\">"
                "<input type=\"hidden\" name=\"token\" value=\"" +
                school::HtmlEscape(token) +
                "\">"
                "<button type=\"submit\">Отписаться</button></form>");
}

// The page's button, or a mail client's one-click unsubscribe (RFC 8058: a POST to the
// List-Unsubscribe address with the parameters in its query and List-Unsubscribe=One-Click).
void ApiServer::PostUnsubscribe(const httplib::Request& req, httplib::Response& res) {
  httplib::Params form;
  httplib::detail::parse_query_text(req.body, form);
  auto param = [&](const char* name) {
    if (auto it = form.find(name); it != form.end()) return it->second;
    return req.get_param_value(name);
  };
  const Status st =
      notifier_->Unsubscribe(param("school"), param("user"), param("kind"), param("token"));
  if (!st.ok()) {
    return ReplyPage(
        res, HttpStatusOf(st), "Не получилось отписаться",
        "<p>" + school::HtmlEscape(st.message()) + " (" + school::HtmlEscape(st.rule()) + ").</p>");
  }
  ReplyPage(res, 200, "Готово",
            "<p>Письма этого вида больше не придут. Вернуть их можно в журнале, на странице "
            "«Уведомления».</p>");
}

std::string ApiServer::NotifierMetrics() const {
  if (notifier_ == nullptr) return "";
  const NotifierCounters c = notifier_->counters();
  const int64_t now = options_.clock->NowMicros();
  std::string out;
  auto line = [&](const char* help, const char* type, const char* name, double value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + std::to_string(value) + "\n";
  };
  line("Ledger entries not yet composed into notifications.", "gauge",
       "ejournal_notify_lag_entries",
       static_cast<double>(ledger_->size() > c.cursor ? ledger_->size() - c.cursor : 0));
  line("Notifications written to the in-app feeds.", "counter", "ejournal_notices_total",
       static_cast<double>(c.notices));
  line("Notifications waiting in the mail queue.", "gauge", "ejournal_mail_queued",
       static_cast<double>(c.queued));
  line("Age of the oldest queued notification (held by quiet hours, a digest, or an outage).",
       "gauge", "ejournal_mail_oldest_queued_seconds",
       c.oldest_queued_us == 0 ? 0.0 : static_cast<double>(now - c.oldest_queued_us) / 1e6);
  line("Mails the SMTP server took.", "counter", "ejournal_mail_sent_total",
       static_cast<double>(c.mails_sent));
  line("Mail attempts that failed and will be retried.", "counter",
       "ejournal_mail_send_failures_total", static_cast<double>(c.send_failures));
  line("Mails refused for good (the address bounced).", "counter", "ejournal_mail_bounced_total",
       static_cast<double>(c.bounced));
  return out;
}

}  // namespace ejournal::api
