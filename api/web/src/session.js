// The session: its key and identity kept in the browser, the HTTP calls, the signed writes, the
// signed-in user (`me`, GET /api/v1/me) and what their roles let them open. Every write is an
// ejournal.v1.SignedEvent: the body is encoded by the library protoc-gen-es generated from
// schemas/, and signed in the browser with the session's key (WebCrypto, not extractable, kept in
// IndexedDB). Reads use the HttpOnly session cookie; every POST carries X-EJournal-CSRF.
// Imports nothing of the pages or the router: every other module may import it.
import { create, toBinary, fromJson } from "@bufbuild/protobuf";
import { EventBodySchema } from "gen/ejournal/v1/event_pb.js";
import { SignedEventSchema } from "gen/ejournal/v1/ledger_pb.js";
import { SignedEventBatchSchema } from "gen/ejournal/v1/api_pb.js";

// ---------------------------------------------------------------- session key and identity
const DB = "ejournal";
function idb() {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => r.result.createObjectStore("session");
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}
async function idbDo(mode, fn) {
  const db = await idb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("session", mode);
    const req = fn(tx.objectStore("session"));
    tx.oncomplete = () => resolve(req && req.result);
    tx.onerror = () => reject(tx.error);
  });
}
const saveSession = (s) => idbDo("readwrite", (st) => st.put(s, "current"));
const loadSession = () => idbDo("readonly", (st) => st.get("current"));
const dropSession = () => idbDo("readwrite", (st) => st.delete("current"));

// Read by the pages (ES modules see these bindings live); set only here.
export let session = null; // {key: CryptoKey (private, not extractable), alg, credential_id, user_id, school_id}
export let me = null; // GET /api/v1/me

// ---------------------------------------------------------------- HTTP
export class ApiError extends Error {
  constructor(status, e) {
    super(e.message || "HTTP " + status);
    this.status = status;
    this.code = e.code || "";
    this.rule = e.rule || "";
  }
}
export async function api(path, { method = "GET", json, body, type } = {}) {
  const headers = {};
  if (method !== "GET") headers["X-EJournal-CSRF"] = "1";
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (type) headers["Content-Type"] = type;
  const r = await fetch(path, { method, headers, body, credentials: "same-origin" });
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!r.ok) {
    const e = data && data.error ? data.error : { message: "HTTP " + r.status };
    if (r.status === 401 && !path.endsWith("/login")) {
      await dropSession();
      session = null;
    }
    throw new ApiError(r.status, e);
  }
  return data;
}
// A read whose answer is a view message of schemas/ (protobuf JSON with the proto field names,
// api/json_util.h), parsed into its generated type: the pages read views in the vocabulary they
// write events in (lowerCamel fields, enums as numbers, 64-bit integers as bigint). Fields the
// bundle's schemas do not know are skipped. Hand-built answers (/me, the class marks, the ledger
// browser, a write's result) are plain JSON from api().
export async function read(schema, path, init) {
  return fromJson(schema, await api(path, init), { ignoreUnknownFields: true });
}
export const S = () => "/api/v1/schools/" + encodeURIComponent(session.school_id);

export function uuid() { return crypto.randomUUID(); }
export function dateMsg(d) { return d ? { year: d.year, month: d.month, day: d.day } : undefined; }

// The WebCrypto signature algorithm of a session key: Ed25519, or ECDSA P-256 over SHA-256 (IEEE
// P1363 r||s, which the ledger accepts as KEY_ALGORITHM_ECDSA_P256_SHA256; ledger/crypto.h).
const SIGN = { ed25519: { name: "Ed25519" }, p256: { name: "ECDSA", hash: "SHA-256" } };

// The session key pair, not extractable: Ed25519 where the browser has it, else P-256. The
// localStorage flag "ej-test-force-p256" (set only by tests/web/e2e.mjs) takes the fallback.
async function sessionKey() {
  if (localStorage.getItem("ej-test-force-p256") !== "1") {
    try {
      return { alg: "ed25519", pair: await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]) };
    } catch { /* no Ed25519 in this browser: P-256 below */ }
  }
  return { alg: "p256", pair: await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]) };
}

// The envelope of an event this session records: a fresh event id, the school, the signed-in user
// and their session credential, the browser's clock.
function envelope() {
  return { schemaVersion: 1, eventId: uuid(), schoolId: session.school_id, actorId: session.user_id,
    credentialId: session.credential_id, clientTimeUs: BigInt(Date.now()) * 1000n };
}
// A serialised SignedEvent of `body` (an EventBody message), signed by the session key.
async function sign(body) {
  const bytes = toBinary(EventBodySchema, body);
  const sig = new Uint8Array(await crypto.subtle.sign(SIGN[session.alg || "ed25519"], session.key, bytes));
  return toBinary(SignedEventSchema, create(SignedEventSchema, {
    body: bytes, signature: sig, credentialId: session.credential_id }));
}

// Signs and submits one event: `payload` is {case, value} of EventBody's oneof.
export async function submit(payload, extra = {}) {
  const body = create(EventBodySchema, {
    ...envelope(),
    businessDate: extra.businessDate ? dateMsg(extra.businessDate) : undefined,
    substitutionId: extra.substitutionId || "",
    reentersEventId: extra.reentersEventId || "",
    payload,
  });
  return api("/api/v1/events", { method: "POST", body: await sign(body), type: "application/x-protobuf" });
}

// Signs and submits bodies the server proposed (ProposedEvents.bodies: payload and business date
// set, the envelope left to the signer) in order, in batches (POST /api/v1/events:batch, at most
// 1000 a batch). `progress(done, total)` after each batch. Answers one result per body
// ({sequence, duplicate} or {error: {code, message, rule}}), in order.
export async function submitProposed(bodies, progress = () => {}) {
  const results = [];
  for (let i = 0; i < bodies.length; i += 500) {
    const part = bodies.slice(i, i + 500);
    const events = [];
    for (const b of part) events.push(await sign(create(EventBodySchema, { ...b, ...envelope() })));
    const r = await api("/api/v1/events:batch", { method: "POST",
      body: toBinary(SignedEventBatchSchema, create(SignedEventBatchSchema, { events })),
      type: "application/x-protobuf" });
    results.push(...((r && r.results) || []));
    progress(Math.min(i + part.length, bodies.length), bodies.length);
  }
  return results;
}

// Sets a password (POST /api/v1/passwords): a signed PasswordChanged of `kind` (1 first, 2 the
// user's own, 3 a reset; the PasswordChangeKind numbers) for `userId`, with the password itself,
// which the node keeps as a verifier and never records in the ledger.
export async function setPassword(userId, kind, password) {
  const body = create(EventBodySchema, { ...envelope(),
    payload: { case: "passwordChanged", value: { userId, kind } } });
  const r = await api("/api/v1/passwords", { method: "POST",
    json: { event: b64(await sign(body)), password } });
  if (userId === session.user_id) me = await api("/api/v1/me");
  return r;
}

function b64(bytes) { let s = ""; for (const b of bytes) s += String.fromCharCode(b); return btoa(s); }

// ---------------------------------------------------------------- signing in and out
// The stored session and /me; false when nobody is signed in (or the stored session has ended).
export async function restore() {
  if (!session) { session = await loadSession(); }
  if (session && !me) {
    try { me = await api("/api/v1/me"); } catch { me = null; session = null; await dropSession(); }
  }
  return !!(session && me);
}

// Signs in with a fresh session key: only its public half goes to the server.
export async function signIn({ school, login, password }) {
  const { alg, pair } = await sessionKey();
  // The raw public key: Ed25519's 32 bytes, or P-256's uncompressed point 0x04||X||Y.
  const pub = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const r = await api("/api/v1/login", { method: "POST", json: {
    school_id: school, login, password,
    public_key: b64(pub), algorithm: alg, label: "Браузер", cookie: true } });
  session = { key: pair.privateKey, alg, credential_id: r.credential_id, user_id: r.user_id,
    school_id: r.school_id };
  await saveSession(session);
  localStorage.setItem("ej-school", r.school_id);
  me = await api("/api/v1/me");
}

export async function signOut() {
  try { await api("/api/v1/logout", { method: "POST" }); } catch { /* already ended */ }
  await dropSession();
  session = null; me = null;
}

// ---------------------------------------------------------------- roles
export const has = (role) => me && me.roles.includes(role);

// The classes a user may open a class page or a class report for: their own as class teacher,
// every class of the school (from the loads) for those who read everything.
export function classesOf(me) {
  const out = new Map();
  for (const c of me.class_teacher_of || []) out.set(c.class_id, c);
  if (["deputy", "director", "auditor", "admin"].some((r) => me.roles.includes(r))) {
    for (const l of me.loads) if (!out.has(l.class_id)) out.set(l.class_id, l);
  }
  return [...out.values()].map((c) => ({ class_id: c.class_id, name: c.name, year_id: c.year_id,
    terms: c.terms && c.terms.length ? c.terms : [1, 2, 3, 4], current_term: c.current_term || 0 }))
    .sort((a, b) => a.name.localeCompare(b.name, "ru", { numeric: true }));
}
