// The reports' SVG charts: month names, an SVG element builder, the class-progress bars and the
// attendance-by-month stacked bars.
import { el, pct, mean, num } from "./ui.js";

export const MONTHS = ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"];
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

// Grouped bars per class: quality % and success % on the left scale, the mean on the right (of 5).
// `items`: [{c: class, r: ClassProgressView}].
export function progressChart(items) {
  const W = 90, H = 200, top = 20, left = 40;
  const width = left + Math.max(4, items.length) * W + 40;
  const chart = svg("svg", { id: "progress-chart", viewBox: `0 0 ${width} ${H + top + 40}`, role: "img",
    "aria-label": "Качество, успеваемость и средний балл по классам", class: "chart" });
  const y = (v, max) => top + H - (v / max) * H;
  for (const t of [0, 25, 50, 75, 100]) {
    chart.append(svg("line", { x1: left, x2: width - 30, y1: y(t, 100), y2: y(t, 100), stroke: "#e4e7ec" }),
      svg("text", { x: left - 4, y: y(t, 100) + 4, "text-anchor": "end", "font-size": 10 }, t + "%"),
      svg("text", { x: width - 26, y: y(t, 100) + 4, "font-size": 10 }, num(t / 20, 1)));
  }
  const series = [["qualityPercentX100", "качество", "#4e79a7", 10000], ["successPercentX100", "успеваемость", "#59a14f", 10000],
    ["meanX100", "средний балл", "#f28e2b", 500]];
  items.forEach(({ c, r }, i) => {
    series.forEach(([k, name, color, max], j) => {
      const v = r[k] || 0;
      const x = left + i * W + 8 + j * 24;
      chart.append(svg("rect", { x, y: y(v, max), width: 22, height: top + H - y(v, max), fill: color, class: "bar-" + j },
        svg("title", {}, `${c.name}: ${name} — ${k === "meanX100" ? mean(v) : pct(v)}`)));
    });
    chart.append(svg("text", { x: left + i * W + 8 + 36, y: top + H + 16, "text-anchor": "middle", "font-size": 12 }, c.name));
  });
  series.forEach(([, name, color], j) => {
    chart.append(svg("rect", { x: left + j * 120, y: H + top + 24, width: 10, height: 10, fill: color }),
      svg("text", { x: left + j * 120 + 14, y: H + top + 33, "font-size": 11 }, name));
  });
  return el("div", { class: "scroll" }, chart);
}


// Absences by month, stacked by reason. `months`: [{year, month, <part key>: count}]; `parts`:
// [[key, name, colour]], drawn bottom up.
export function attendanceChart(months, parts) {
  const total = (a) => parts.reduce((n, [k]) => n + a[k], 0);
  const max = Math.max(1, ...months.map(total));
  const W = 60, H = 200;
  const chart = svg("svg", { id: "attendance-chart", viewBox: `0 0 ${Math.max(8, months.length) * W + 40} ${H + 50}`,
    role: "img", "aria-label": "Пропуски уроков по месяцам", class: "chart" });
  months.forEach((a, i) => {
    let yTop = H + 20;
    for (const [k, name, color] of parts) {
      const h = (a[k] / max) * (H - 10);
      if (h <= 0) continue;
      yTop -= h;
      chart.append(svg("rect", { x: 30 + i * W, y: yTop, width: W - 14, height: h, fill: color },
        svg("title", {}, `${MONTHS[a.month - 1]}: ${name} — ${a[k]}`)));
    }
    chart.append(svg("text", { x: 30 + i * W + (W - 14) / 2, y: H + 38, "text-anchor": "middle", "font-size": 12 }, MONTHS[a.month - 1]),
      svg("text", { x: 30 + i * W + (W - 14) / 2, y: yTop - 4, "text-anchor": "middle", "font-size": 11 }, total(a)));
  });
  return el("div", { class: "scroll" }, chart);
}
