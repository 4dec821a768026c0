// notes: a small Markdown notebook kept in the instance's data folder.
//
// The sandbox grants exactly one directory, preopened as /data (wasi:filesystem).
// Each note is /data/notes/<slug>.md whose first line is "# <title>". Titles are
// turned into slugs of [a-z0-9-] only, so no title can name a path outside notes/.
import { getDirectories } from "wasi:filesystem/preopens@0.2.12";

const VERSION = "1.0.0";
const NOTES_DIR = "notes";
const MAX_TITLE = 200;
const MAX_BODY = 1 << 20; // 1 MiB per note

const TOOLS = [
  {
    name: "add-note",
    description: "Create a note, or overwrite / append to an existing one",
    parameters: [
      { name: "title", paramType: "string", description: "Note title (also names the file)", required: true },
      { name: "body", paramType: "string", description: "Markdown text of the note", required: true },
      { name: "mode", paramType: "string", description: "What to do when the note exists", required: false, defaultValue: "create", enum: ["create", "overwrite", "append"] },
    ],
  },
  {
    name: "list-notes",
    description: "List the notes, most recently changed first",
    parameters: [
      { name: "limit", paramType: "integer", description: "Maximum number of notes to list (0 = all)", required: false, defaultValue: 0 },
    ],
  },
  {
    name: "read-note",
    description: "Read one note",
    parameters: [{ name: "title", paramType: "string", description: "Note title", required: true }],
  },
  {
    name: "search-notes",
    description: "Find notes whose title or text contains all the query words (case-insensitive)",
    parameters: [
      { name: "query", paramType: "string", description: "Words to look for", required: true },
      { name: "limit", paramType: "integer", description: "Maximum number of matching notes", required: false, defaultValue: 10 },
    ],
  },
  {
    name: "delete-note",
    description: "Delete a note",
    parameters: [{ name: "title", paramType: "string", description: "Note title", required: true }],
  },
];

class ToolError extends Error {}

// ---- filesystem helpers -----------------------------------------------------------------------

const enc = new TextEncoder();
const dec = new TextDecoder();

function wasiCode(e) {
  return e && typeof e === "object" && "payload" in e ? String(e.payload) : null;
}

function dataDir() {
  const pre = getDirectories();
  const hit = pre.find(([, path]) => path === "/data") || pre[0];
  if (!hit) throw new ToolError("no data folder: this instance was started without a /data preopen");
  return hit[0];
}

function notesDir(create) {
  const root = dataDir();
  try {
    return root.openAt({ symlinkFollow: false }, NOTES_DIR, { directory: true }, { read: true, mutateDirectory: true });
  } catch (e) {
    if (wasiCode(e) !== "no-entry") throw e;
    if (!create) return null;
    root.createDirectoryAt(NOTES_DIR);
    return root.openAt({ symlinkFollow: false }, NOTES_DIR, { directory: true }, { read: true, mutateDirectory: true });
  }
}

function readText(dir, name) {
  const fd = dir.openAt({ symlinkFollow: false }, name, {}, { read: true });
  const chunks = [];
  let off = 0n, total = 0;
  for (;;) {
    const [buf, eof] = fd.read(65536n, off);
    if (buf.length) { chunks.push(buf); total += buf.length; off += BigInt(buf.length); }
    if (eof || buf.length === 0) break;
  }
  const all = new Uint8Array(total);
  let i = 0;
  for (const c of chunks) { all.set(c, i); i += c.length; }
  return dec.decode(all);
}

// Write via a temp file + rename, so a note is never left half-written.
function writeText(dir, name, text) {
  const tmp = `.${name}.tmp`;
  const fd = dir.openAt({ symlinkFollow: false }, tmp, { create: true, truncate: true }, { write: true });
  const bytes = enc.encode(text);
  let off = 0;
  while (off < bytes.length) off += Number(fd.write(bytes.subarray(off), BigInt(off)));
  dir.renameAt(tmp, dir, name);
  return bytes.length;
}

function mtime(dir, name) {
  const st = dir.statAt({ symlinkFollow: false }, name);
  const ts = st.dataModificationTimestamp;
  return { size: Number(st.size), modified: ts ? Number(ts.seconds) * 1000 + Math.floor(ts.nanoseconds / 1e6) : 0 };
}

function noteFiles(dir) {
  const names = [];
  const stream = dir.readDirectory();
  for (let e = stream.readDirectoryEntry(); e; e = stream.readDirectoryEntry()) {
    if (e.type === "regular-file" && /^[a-z0-9-]+\.md$/.test(e.name)) names.push(e.name);
  }
  return names;
}

// ---- notes --------------------------------------------------------------------------------------

// StarlingMonkey is built without ICU: String.prototype.normalize and regexp \p{...}
// escapes do not exist, so accents are folded with a table and "letters" are ranges.
const FOLD_GROUPS = {
  A: "ÀÁÂÃÄÅĀĂĄ", a: "àáâãäåāăą", C: "ÇĆĈĊČ", c: "çćĉċč", D: "ĎĐÐ", d: "ďđð",
  E: "ÈÉÊËĒĔĖĘĚ", e: "èéêëēĕėęě", G: "ĜĞĠĢ", g: "ĝğġģ", H: "ĤĦ", h: "ĥħ",
  I: "ÌÍÎÏĨĪĬĮİ", i: "ìíîïĩīĭįı", J: "Ĵ", j: "ĵ", K: "Ķ", k: "ķ", L: "ĹĻĽĿŁ", l: "ĺļľŀł",
  N: "ÑŃŅŇ", n: "ñńņňŉ", O: "ÒÓÔÕÖØŌŎŐ", o: "òóôõöøōŏő", R: "ŔŖŘ", r: "ŕŗř",
  S: "ŚŜŞŠ", s: "śŝşš", T: "ŢŤŦ", t: "ţťŧ", U: "ÙÚÛÜŨŪŬŮŰŲ", u: "ùúûüũūŭůűų",
  W: "Ŵ", w: "ŵ", Y: "ÝŸŶ", y: "ýÿŷ", Z: "ŹŻŽ", z: "źżž",
  ss: "ß", AE: "Æ", ae: "æ", OE: "Œ", oe: "œ", Th: "Þ", th: "þ",
};
const FOLD = new Map();
for (const [to, from] of Object.entries(FOLD_GROUPS)) for (const ch of from) FOLD.set(ch, to);
function foldAccents(s) {
  let out = "";
  for (const ch of s) out += FOLD.get(ch) ?? ch;
  return out;
}

function slugOf(title) {
  const slug = foldAccents(title)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
  if (!slug) throw new ToolError(`title ${JSON.stringify(title)} has no letters or digits to name a note by`);
  return slug;
}

function cleanTitle(raw) {
  if (raw === undefined || raw === null || String(raw).trim() === "") throw new ToolError("missing required parameter 'title'");
  const t = String(raw).replace(/\s+/g, " ").trim();
  if ([...t].length > MAX_TITLE) throw new ToolError(`title is too long (at most ${MAX_TITLE} characters)`);
  return t;
}

function render(title, body) {
  return `# ${title}\n\n${body.replace(/\s+$/, "")}\n`;
}

function parse(text, fallbackTitle) {
  const m = text.match(/^# (.*)\r?\n(?:\r?\n)?([\s\S]*)$/);
  if (!m) return { title: fallbackTitle, body: text };
  return { title: m[1].trim(), body: m[2].replace(/\s+$/, "") };
}

const iso = (ms) => (ms ? new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z") : null);

function addNote(args) {
  const title = cleanTitle(args.title);
  if (typeof args.body !== "string") throw new ToolError("missing required parameter 'body' (a string)");
  const mode = args.mode ?? "create";
  if (!["create", "overwrite", "append"].includes(mode)) throw new ToolError("'mode' must be one of create, overwrite, append");
  const file = `${slugOf(title)}.md`;
  const dir = notesDir(true);
  let existing = null;
  try { existing = readText(dir, file); } catch (e) { if (wasiCode(e) !== "no-entry") throw e; }
  if (existing !== null && mode === "create") {
    const other = parse(existing, title).title;
    throw new ToolError(`a note named ${JSON.stringify(other)} already exists (${file}); use mode "overwrite" or "append"`);
  }
  let body = args.body;
  let verb = existing === null ? "created" : "overwrote";
  if (existing !== null && mode === "append") {
    body = `${parse(existing, title).body}\n\n${args.body}`;
    verb = "appended to";
  }
  if (enc.encode(body).length > MAX_BODY) throw new ToolError(`note is too large (at most ${MAX_BODY} bytes)`);
  const bytes = writeText(dir, file, render(title, body));
  return { success: true, output: `${verb} note "${title}" (${file}, ${bytes} bytes)`, data: { title, file, bytes, action: verb.split(" ")[0] } };
}

function listNotes(args) {
  const limit = Number(args.limit ?? 0) | 0;
  const dir = notesDir(false);
  if (!dir) return { success: true, output: "no notes yet", data: [] };
  const notes = noteFiles(dir).map((file) => {
    const { size, modified } = mtime(dir, file);
    const text = readText(dir, file);
    const { title, body } = parse(text, file.replace(/\.md$/, ""));
    return { title, file, size, modified, words: (body.match(/\S+/g) || []).length };
  });
  notes.sort((a, b) => b.modified - a.modified || a.title.localeCompare(b.title));
  const shown = limit > 0 ? notes.slice(0, limit) : notes;
  const data = shown.map((n) => ({ title: n.title, file: n.file, bytes: n.size, words: n.words, modified: iso(n.modified) }));
  if (!data.length) return { success: true, output: "no notes yet", data };
  const out = data.map((n) => `- ${n.title} (${n.words} words, ${n.modified || "?"})`);
  if (shown.length < notes.length) out.push(`… and ${notes.length - shown.length} more`);
  return { success: true, output: out.join("\n"), data };
}

function readNote(args) {
  const title = cleanTitle(args.title);
  const file = `${slugOf(title)}.md`;
  const dir = notesDir(false);
  let text;
  try {
    if (!dir) throw { payload: "no-entry" };
    text = readText(dir, file);
  } catch (e) {
    if (wasiCode(e) === "no-entry") throw new ToolError(`no note named ${JSON.stringify(title)}`);
    throw e;
  }
  const note = parse(text, title);
  const { modified } = mtime(dir, file);
  return { success: true, output: `# ${note.title}\n\n${note.body}`, data: { title: note.title, body: note.body, file, modified: iso(modified) } };
}

function searchNotes(args) {
  const query = String(args.query ?? "").trim();
  if (!query) throw new ToolError("missing required parameter 'query'");
  const limit = Number(args.limit ?? 10) | 0 || 10;
  const terms = query.toLowerCase().split(/\s+/);
  const dir = notesDir(false);
  const hits = [];
  for (const file of dir ? noteFiles(dir) : []) {
    const { title, body } = parse(readText(dir, file), file.replace(/\.md$/, ""));
    const hay = `${title}\n${body}`.toLowerCase();
    if (!terms.every((t) => hay.includes(t))) continue;
    const score = terms.reduce((s, t) => s + hay.split(t).length - 1 + (title.toLowerCase().includes(t) ? 5 : 0), 0);
    const snippets = body.split(/\r?\n/).filter((ln) => terms.some((t) => ln.toLowerCase().includes(t))).slice(0, 2)
      .map((ln) => (ln.length > 120 ? ln.slice(0, 117) + "..." : ln).trim());
    hits.push({ title, file, score, snippets });
  }
  hits.sort((a, b) => b.score - a.score || a.title.localeCompare(b.title));
  const shown = hits.slice(0, limit);
  if (!shown.length) return { success: true, output: `no notes match ${JSON.stringify(query)}`, data: [] };
  const out = shown.map((h) => [`- ${h.title}`, ...h.snippets.map((s) => `    ${s}`)].join("\n"));
  return { success: true, output: `${hits.length === 1 ? "1 note matches" : `${hits.length} notes match`} ${JSON.stringify(query)}:\n${out.join("\n")}`, data: shown };
}

function deleteNote(args) {
  const title = cleanTitle(args.title);
  const file = `${slugOf(title)}.md`;
  const dir = notesDir(false);
  try {
    if (!dir) throw { payload: "no-entry" };
    dir.unlinkFileAt(file);
  } catch (e) {
    if (wasiCode(e) === "no-entry") throw new ToolError(`no note named ${JSON.stringify(title)}`);
    throw e;
  }
  return { success: true, output: `deleted note "${title}" (${file})`, data: { title, file } };
}

const HANDLERS = {
  "add-note": addNote,
  "list-notes": listNotes,
  "read-note": readNote,
  "search-notes": searchNotes,
  "delete-note": deleteNote,
};

// ---- exports ----------------------------------------------------------------------------------

export function getMetadata() {
  return JSON.stringify({
    name: "notes",
    version: VERSION,
    description: "A Markdown notebook in the skill's sandboxed data folder: add, list, read, search and delete notes",
    author: "skill-tui examples",
  });
}

export function getTools() {
  return JSON.stringify(TOOLS);
}

export function executeTool(name, argsJson) {
  const h = HANDLERS[name];
  if (!h) return JSON.stringify({ success: false, output: "", errorMessage: `unknown tool '${name}'; available: ${Object.keys(HANDLERS).join(", ")}` });
  try {
    const args = argsJson && argsJson.trim() ? JSON.parse(argsJson) : {};
    if (typeof args !== "object" || args === null || Array.isArray(args)) throw new ToolError("arguments must be a JSON object");
    return JSON.stringify(h(args));
  } catch (e) {
    let msg;
    if (e instanceof ToolError) msg = e.message;
    else if (e instanceof SyntaxError) msg = `arguments are not valid JSON: ${e.message}`;
    else if (wasiCode(e)) msg = `file system error: ${wasiCode(e)}`;
    else msg = `${name} failed: ${e && e.message ? e.message : e}`;
    return JSON.stringify({ success: false, output: "", errorMessage: msg });
  }
}

export function validateConfig(configJson) {
  try {
    const c = JSON.parse(configJson || "{}");
    if (typeof c !== "object" || c === null || Array.isArray(c)) return JSON.stringify({ err: "config must be a JSON object" });
  } catch (e) {
    return JSON.stringify({ err: `config is not valid JSON: ${e.message}` });
  }
  return JSON.stringify({ ok: true });
}
