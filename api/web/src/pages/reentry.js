// Re-entry (R-SEC-4): the records an Act voided that await re-entry by their author, each of
// one's own with "Внести заново". The act page shows the same list.
import { fromJsonString } from "@bufbuild/protobuf";
import { EventBodySchema } from "gen/ejournal/v1/event_pb.js";
import { AuditListViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, status, fail, main } from "../ui.js";
import { read, submit, S, me } from "../session.js";
import { auditLine } from "../widgets.js";

// The records an Act voided that await re-entry: the whole school's for the director (and those who
// read everything), one's own for everyone else. Only the author re-enters a record: the button is
// there for one's own records; it signs the same payload anew, naming the voided event.
export async function showAwaiting(box, after) {
  const r = await read(AuditListViewSchema, S() + "/reports/awaiting-reentry");
  const events = r.events || [];
  clear(box).append(el("h2", {}, "Ожидают повторного ввода автором: " + events.length),
    el("p", { class: "muted" }, "Недействительные по акту, но верные записи вносит заново их автор (R-SEC-4)."),
    events.length ? el("ul", { id: "awaiting-list" }, ...events.map((e) => {
      const li = el("li", { "data-sequence": e.sequence }, auditLine(e) + " ");
      if (e.actorId === me.user_id) {
        li.append(el("button", { type: "button", class: "reenter secondary", onclick: async () => {
          try {
            // The voided body, decoded by the generated library; the same payload, signed anew.
            const old = fromJsonString(EventBodySchema, e.bodyJson);
            await submit(old.payload, { businessDate: old.businessDate, substitutionId: old.substitutionId,
              reentersEventId: old.eventId });
            await showAwaiting(box, after);
            status("Запись внесена заново.");
            if (after) await after();
          } catch (err) { fail(err); }
        } }, "Внести заново"));
      } else {
        li.append(el("span", { class: "muted" }, "вносит автор"));
      }
      return li;
    })) : "");
}

export async function reentryPage() {
  const m = clear(main());
  m.append(el("h1", {}, "Повторный ввод"));
  const box = el("section", { id: "awaiting" });
  m.append(box);
  await showAwaiting(box);
}
