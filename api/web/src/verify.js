// A checkpoint and an inclusion proof verified in the browser (WebCrypto): the C2SP signed note
// (https://c2sp.org/signed-note) by the node's Ed25519 verifier key, the tlog-checkpoint text
// (origin, size, root), and the RFC 9162 inclusion proof of the entry's leaf up to that root.
const enc = new TextEncoder();

function unb64(s) { return Uint8Array.from(atob(s), (c) => c.charCodeAt(0)); }
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(...parts)));
}
function equal(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }
function hex(a) { return Array.from(a, (x) => x.toString(16).padStart(2, "0")).join(""); }

// "<name>+<8 hex key id>+base64(0x01 || 32-byte Ed25519 public key)"
async function parseVerifierKey(vkey) {
  const i = vkey.indexOf("+"), j = vkey.indexOf("+", i + 1);
  if (i <= 0 || j <= i) throw new Error("ключ проверки не разбирается");
  const name = vkey.slice(0, i), id = vkey.slice(i + 1, j), raw = unb64(vkey.slice(j + 1));
  if (raw.length !== 33 || raw[0] !== 1) throw new Error("ключ проверки не Ed25519");
  const pub = raw.slice(1);
  const h = await sha256(enc.encode(name), new Uint8Array([0x0a, 0x01]), pub);
  if (hex(h.slice(0, 4)) !== id.toLowerCase()) throw new Error("идентификатор ключа не совпадает");
  const key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
  return { name, keyId: h.slice(0, 4), key };
}

// The note's text if a signature line of `vk` verifies; throws otherwise.
async function openNote(vk, note) {
  const cut = note.lastIndexOf("\n\n");
  if (cut < 0) throw new Error("в контрольной точке нет подписей");
  const text = note.slice(0, cut + 1);
  const lines = note.slice(cut + 2).split("\n").filter(Boolean);
  let good = 0;
  for (const line of lines) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new Error("строка подписи не разбирается");
    if (m[1] !== vk.name) continue;
    const sig = unb64(m[2]);
    if (!equal(sig.slice(0, 4), vk.keyId)) continue;
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, vk.key, sig.slice(4), enc.encode(text));
    if (!ok) throw new Error("подпись контрольной точки неверна");
    good++;
  }
  if (!good) throw new Error("нет подписи узла на контрольной точке");
  return text;
}

// RFC 9162 §2.1.3.2: the root computed from the leaf hash and the path, or null.
async function rootFromPath(leafIndex, treeSize, leafHash, path) {
  if (leafIndex >= treeSize) return null;
  let fn = leafIndex, sn = treeSize - 1, r = leafHash;
  const one = new Uint8Array([1]);
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(one, p, r);
      if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
    } else {
      r = await sha256(one, r, p);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

// {vkey, note, entry (GET /ledger/entries/N), n, proof(size) -> inclusion proof JSON}
export async function verifyInclusion({ vkey, note, entry, n, proof }) {
  const steps = [];
  const vk = await parseVerifierKey(vkey);
  steps.push(`Ключ узла ${vk.name} (${hex(vk.keyId)}) разобран.`);
  const text = await openNote(vk, note);
  steps.push("Подпись контрольной точки (Ed25519) верна.");
  const [origin, sizeText, rootB64] = text.split("\n");
  const size = parseInt(sizeText, 10);
  const root = unb64(rootB64);
  steps.push(`Контрольная точка ${origin}: записей ${size}, корень ${hex(root).slice(0, 16)}…`);
  if (!(n >= 1 && n <= size)) {
    return { ok: false, steps, verdict: `Запись №${n} ещё не покрыта контрольной точкой (в ней ${size}).`, leaf: new Uint8Array() };
  }
  const leaf = unb64(entry.entry_base64);
  const leafHash = await sha256(new Uint8Array([0]), leaf);
  steps.push("Хеш записи (SHA-256 листа): " + hex(leafHash).slice(0, 16) + "…");
  const p = await proof(size);
  const computed = await rootFromPath(n - 1, size, leafHash, (p.hashes || []).map(unb64));
  const ok = computed !== null && equal(computed, root);
  steps.push(`Путь включения: ${(p.hashes || []).length} хешей.`);
  return { ok, steps, leaf,
    verdict: ok ? `Запись №${n} подлинная: она входит в подписанный журнал из ${size} записей.`
      : `Запись №${n} НЕ подтверждается контрольной точкой.` };
}
