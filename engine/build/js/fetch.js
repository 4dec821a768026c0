// The `fetch` every skill gets: the build disables StarlingMonkey's own HTTP client
// (`--disable http fetch-event`: wasmtime's wasi:http cannot be restricted), and its
// native fetch then traps, so entry.js and the dev host install this one first.
//
// A request goes to the host through the world's `http-start` import (JSON; the host
// checks the instance's network grants on every hop, clamps deadlines, bounds sizes),
// and completions come back through `http-wait`, pumped from the JS event loop, so
// `Promise.all([fetch(a), fetch(b)])` overlaps. StarlingMonkey's Request/Response/
// Headers survive `--disable http`, so they parse arguments and bodies as usual.
// Bodies cross as UTF-8 text or base64 strings, never list<u8> (~1 s per MiB).
import httpStart from "http-start";
import httpWait from "http-wait";

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
// How long one http-wait blocks when nothing finishes: the JS timers (an AbortController's
// setTimeout) run between waits, so this bounds how late they fire during a request.
const WAIT_MS = 50;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const pending = new Map(); // host request id -> {resolve, reject, method, url, signal, onAbort}
let pumping = false;

function toBase64(u8) {
  let s = "";
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(b64) {
  const s = atob(b64);
  const u8 = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) u8[i] = s.charCodeAt(i);
  return u8;
}

function abortReason(signal) {
  return signal.reason !== undefined ? signal.reason : new DOMException("This operation was aborted", "AbortError");
}

/** The host's `{"error": {kind, message}}` as the TypeError fetch rejects with; `code` is the kind. */
function failure(method, url, error) {
  const e = new TypeError(`fetch ${method} ${url} failed: ${error.message}`);
  e.code = error.kind; // denied | timeout | too-large | too-many | network | cancelled | invalid
  return e;
}

function respond(p, res) {
  const body = NULL_BODY_STATUS.has(res.status) || p.method === "HEAD" ? null
    : res.body_b64 !== undefined ? fromBase64(res.body_b64) : res.body === undefined ? null : res.body;
  const response = new Response(body, { status: res.status, statusText: res.statusText || "", headers: res.headers || [] });
  // StarlingMonkey's Response has no settable url/redirected: define them on the instance.
  Object.defineProperties(response, {
    url: { value: res.url || p.url, enumerable: true },
    redirected: { value: !!res.redirected, enumerable: true },
  });
  return response;
}

function settle(p, res) {
  if (p.signal) p.signal.removeEventListener("abort", p.onAbort);
  if (p.signal && p.signal.aborted) return p.reject(abortReason(p.signal));
  if (res.error) return p.reject(failure(p.method, p.url, res.error));
  try {
    p.resolve(respond(p, res));
  } catch (e) {
    p.reject(e);
  }
}

function pump() {
  pumping = false;
  if (pending.size === 0) return;
  const done = JSON.parse(httpWait(JSON.stringify([...pending.keys()]), WAIT_MS));
  for (const { id, result } of done) {
    const p = pending.get(id);
    pending.delete(id);
    if (p) settle(p, result);
  }
  schedule(false);
}

// Right after a request starts, the wait runs as a microtask (once the code that started it
// yields): a timer turn of the event loop costs about a millisecond per fetch. Later waits go
// through a timer, so what the skill does with an answer, and its own timers (an abort
// timeout), run before the next wait blocks.
function schedule(soon = true) {
  if (!pumping && pending.size) {
    pumping = true;
    if (soon) queueMicrotask(pump);
    else setTimeout(pump, 0);
  }
}

async function wireRequest(req, init, input) {
  // StarlingMonkey's Request drops `redirect` (it reads undefined): take it from init.
  const redirect = (init && init.redirect) || (input instanceof Request && input.redirect) || "follow";
  const wire = { method: req.method, url: req.url, headers: [], redirect };
  req.headers.forEach((value, name) => wire.headers.push([name, value]));
  if (req.body !== null && req.method !== "GET" && req.method !== "HEAD") {
    const bytes = new Uint8Array(await req.arrayBuffer());
    try {
      wire.body = strictUtf8.decode(bytes);
    } catch {
      wire.body_b64 = toBase64(bytes);
    }
  }
  return wire;
}

/** fetch(input, init) -> Promise<Response>, under the instance's network grants. */
async function hostFetch(input, init) {
  const signal = init && init.signal ? init.signal : input instanceof Request ? input.signal : undefined;
  if (signal && signal.aborted) throw abortReason(signal);
  const req = new Request(input, init);
  const wire = await wireRequest(req, init, input);
  if (signal && signal.aborted) throw abortReason(signal);
  const started = JSON.parse(httpStart(JSON.stringify(wire)));
  return new Promise((resolve, reject) => {
    const p = { resolve, reject, method: req.method, url: req.url, signal, onAbort: null };
    if (started.error) return settle(p, started);
    if (signal) {
      // An abort during the request settles it at once; the host's answer is dropped when it comes.
      p.onAbort = () => {
        pending.delete(started.id);
        reject(abortReason(signal));
      };
      signal.addEventListener("abort", p.onAbort);
    }
    pending.set(started.id, p);
    schedule();
  });
}

Object.defineProperty(globalThis, "fetch", { value: hostFetch, writable: true, configurable: true, enumerable: true });
