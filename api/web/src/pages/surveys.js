// «Опросы» (R-MSG-2, seed 001 §3.3): a survey of a class's parents. The parents answer for their
// family, once; the author, the class teacher and the administration see the counts and who has
// not answered yet, and end it. The class's teachers, its class teacher and the administration
// ask. The question and the options go to the message store first, like a message's text.
import { el, clear, main, status, failAt, clearFail, byRu } from "../ui.js";
import { fmtDate, parseDate } from "../dates.js";
import { api, submit, me, S, uuid } from "../session.js";
import { goRendered } from "../router.js";

const hexBytes = (hex) => new Uint8Array(hex.match(/../g).map((h) => parseInt(h, 16)));

function surveyCard(v) {
  const card = el("article", { class: "survey panel", "data-survey": v.survey_id },
    el("h3", {}, v.erased ? "Вопрос удалён: срок его хранения истёк." : v.question),
    el("p", { class: "muted" }, `Родители ${v.class_label} · ${v.author_name} · ${fmtDate(parseDate(v.asked_on), false, true)}` +
      (v.closes_on ? ` · ответы до ${fmtDate(parseDate(v.closes_on), false, true)}` : "") + (v.open ? "" : " · опрос закончен")));
  if (v.counts) {
    const total = Math.max(1, v.answered);
    card.append(el("ul", { class: "survey-counts" }, ...v.options.map((o, i) => el("li", {},
      el("span", { class: "option" }, o), " ",
      el("meter", { min: 0, max: total, value: v.counts[i], "aria-label": o }), " ",
      el("strong", { class: "count" }, String(v.counts[i]))))),
    el("p", { class: "answered" }, `Ответили ${v.answered} из ${v.families} семей`));
    if (v.not_answered.length) {
      card.append(el("details", {}, el("summary", {}, `Ещё не ответили (${v.not_answered.length})`),
        el("p", {}, v.not_answered.map((f) => f.student_name).join(", "))));
    }
  }
  for (const fam of v.my_families) {
    if (fam.option !== undefined) {
      card.append(el("p", { class: "my-answer" }, `${fam.student_name}: ваш ответ — «${v.options[fam.option]}» (${fam.by_name})`));
      continue;
    }
    if (!v.open) {
      card.append(el("p", { class: "muted" }, `${fam.student_name}: опрос закончен, ответа нет`));
      continue;
    }
    const name = "opt-" + v.survey_id + "-" + fam.student_id;
    const f = el("form", { class: "answer" },
      el("p", {}, v.my_families.length > 1 ? `Ответ за ${fam.student_name}:` : "Ваш ответ:"),
      ...v.options.map((o, i) => el("label", { class: "block" }, el("input", { type: "radio", name, value: String(i), required: true }), " " + o)),
      el("button", { type: "submit" }, "Ответить"));
    f.onsubmit = async (ev) => {
      ev.preventDefault();
      clearFail(f);
      try {
        const chosen = f.querySelector("input:checked");
        if (!chosen) throw new Error("Выберите вариант ответа");
        await submit({ case: "surveyAnswered", value: { surveyId: v.survey_id, studentId: fam.student_id, option: parseInt(chosen.value, 10) } },
          { businessDate: parseDate(me.today) });
        await goRendered("surveys", { r: Date.now() });
        status("Ответ записан. Спасибо!");
      } catch (e) { failAt(f, e); }
    };
    card.append(f);
  }
  if (v.may_close) {
    const b = el("button", { type: "button", class: "secondary" }, "Закончить опрос");
    b.onclick = async () => {
      clearFail(card);
      try {
        await submit({ case: "surveyClosed", value: { surveyId: v.survey_id } }, { businessDate: parseDate(me.today) });
        await goRendered("surveys", { r: Date.now() });
        status("Опрос закончен: ответы больше не принимаются.");
      } catch (e) { failAt(card, e); }
    };
    card.append(b);
  }
  return card;
}

// The classes whose parents the user may ask: their own (class teacher), those they teach, or
// every class for the administration.
function askableClasses() {
  const out = new Map();
  for (const c of me.class_teacher_of || []) out.set(c.class_id, c.name);
  for (const l of me.loads || []) if (!out.has(l.class_id)) out.set(l.class_id, l.name);
  return [...out.entries()].sort(byRu((x) => x[1]));
}

function askForm(classes) {
  const cls = el("select", { id: "survey-class" }, ...classes.map(([id, name]) => el("option", { value: id }, name)));
  const question = el("input", { id: "survey-question", required: true, maxlength: 500, size: 50 });
  const options = el("textarea", { id: "survey-options", rows: 4, cols: 40, required: true,
    placeholder: "Каждый вариант — с новой строки" });
  const until = el("input", { id: "survey-until", type: "date" });
  const f = el("form", { id: "ask", class: "panel" }, el("h2", {}, "Новый опрос родителей"),
    el("div", { class: "row" }, el("label", {}, "Класс ", cls), el("label", {}, "Ответы до ", until)),
    el("label", { class: "block" }, "Вопрос ", question),
    el("label", { class: "block" }, "Варианты ответа (от 2 до 10, каждый с новой строки) ", options),
    el("button", { type: "submit", id: "survey-send" }, "Спросить родителей"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      const list = options.value.split("\n").map((s) => s.trim()).filter(Boolean);
      if (list.length < 2 || list.length > 10) throw Object.assign(new Error("Вариантов ответа — от 2 до 10"), { rule: "R-MSG-2" });
      const salt = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
      const blob = JSON.stringify({ salt, question: question.value.trim(), options: list });
      const r = await api(S() + "/survey-texts", { method: "POST", body: blob, type: "application/json" });
      await submit({ case: "surveyPublished", value: { surveyId: uuid(), classId: cls.value,
        content: { sha256: hexBytes(r.sha256), mediaType: "text/plain", sizeBytes: BigInt(r.size_bytes) },
        optionCount: list.length, closesOn: until.value ? parseDate(until.value) : undefined } },
      { businessDate: parseDate(me.today) });
      await goRendered("surveys", { r: Date.now() });
      status("Опрос отправлен родителям класса.");
    } catch (e) { failAt(f, e); }
  };
  return f;
}

export async function surveysPage() {
  const m = clear(main());
  m.append(el("h1", {}, "Опросы"));
  const r = await api(S() + "/surveys");
  const classes = askableClasses();
  if (classes.length) m.append(askForm(classes));
  const list = el("section", { id: "surveys" });
  if (!(r.surveys || []).length) list.append(el("p", { class: "muted" }, "Опросов пока нет."));
  for (const v of r.surveys || []) list.append(surveyCard(v));
  m.append(list);
}
