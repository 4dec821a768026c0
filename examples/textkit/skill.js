// textkit: everyday text utilities. Pure computation: no files, no config, no network.
//
// Skill world contract (wit/skill.wit): every export returns a JSON string.

const VERSION = "1.0.0";

const CASES = ["lower", "upper", "title", "sentence", "camel", "pascal", "snake", "kebab", "constant"];
const EXTRACT_KINDS = ["urls", "emails", "hashtags", "mentions", "numbers"];

const TOOLS = [
  {
    name: "text-stats",
    description: "Count characters, words, sentences, lines and paragraphs, estimate reading time and list the most frequent words",
    parameters: [
      { name: "text", paramType: "string", description: "The text to analyse", required: true },
      { name: "top", paramType: "integer", description: "How many of the most frequent words to list (0 for none)", required: false, defaultValue: 5 },
      { name: "words_per_minute", paramType: "integer", description: "Reading speed used for the reading-time estimate", required: false, defaultValue: 200 },
    ],
  },
  {
    name: "slugify",
    description: "Turn text into a URL- or filename-safe slug (accents folded, punctuation dropped)",
    parameters: [
      { name: "text", paramType: "string", description: "The text to slugify", required: true },
      { name: "separator", paramType: "string", description: "Word separator", required: false, defaultValue: "-", enum: ["-", "_", "."] },
      { name: "max_length", paramType: "integer", description: "Maximum slug length; cut at a word boundary (0 = no limit)", required: false, defaultValue: 80 },
      { name: "lowercase", paramType: "boolean", description: "Lower-case the slug", required: false, defaultValue: true },
    ],
  },
  {
    name: "transform-case",
    description: "Convert text between naming and writing cases",
    parameters: [
      { name: "text", paramType: "string", description: "The text to convert", required: true },
      { name: "case", paramType: "string", description: "Target case", required: true, enum: CASES },
    ],
  },
  {
    name: "extract",
    description: "Extract URLs, e-mail addresses, #hashtags, @mentions or numbers from text",
    parameters: [
      { name: "text", paramType: "string", description: "The text to search", required: true },
      { name: "kind", paramType: "string", description: "What to extract", required: false, defaultValue: "urls", enum: EXTRACT_KINDS },
      { name: "unique", paramType: "boolean", description: "Drop duplicates (keeping first occurrences)", required: false, defaultValue: true },
    ],
  },
  {
    name: "truncate",
    description: "Shorten text to a maximum length, optionally at a word boundary, with an ellipsis",
    parameters: [
      { name: "text", paramType: "string", description: "The text to shorten", required: true },
      { name: "max_length", paramType: "integer", description: "Maximum length of the result, ellipsis included", required: true },
      { name: "ellipsis", paramType: "string", description: "Appended when the text was cut", required: false, defaultValue: "…" },
      { name: "word_boundary", paramType: "boolean", description: "Cut at the last whole word", required: false, defaultValue: true },
    ],
  },
];

class ToolError extends Error {}

function ok(output, data) {
  return JSON.stringify({ success: true, output, data });
}

function fail(message) {
  return JSON.stringify({ success: false, output: "", errorMessage: message });
}

// ---- argument handling: defaults, types, enums -----------------------------------------

function readArgs(tool, raw) {
  const spec = TOOLS.find((t) => t.name === tool);
  const out = {};
  for (const p of spec.parameters) {
    let v = raw[p.name];
    if (v === undefined || v === null) {
      if (p.required) throw new ToolError(`missing required parameter '${p.name}'`);
      v = p.defaultValue;
    } else if (p.paramType === "integer") {
      const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
      if (typeof n !== "number" || !Number.isInteger(n)) throw new ToolError(`'${p.name}' must be an integer, got ${JSON.stringify(v)}`);
      if (n < 0) throw new ToolError(`'${p.name}' must not be negative`);
      v = n;
    } else if (p.paramType === "boolean") {
      if (v === "true" || v === "false") v = v === "true";
      if (typeof v !== "boolean") throw new ToolError(`'${p.name}' must be true or false, got ${JSON.stringify(v)}`);
    } else if (p.paramType === "string") {
      if (typeof v !== "string") v = String(v);
    }
    if (p.enum && !p.enum.includes(v)) throw new ToolError(`'${p.name}' must be one of ${p.enum.join(", ")}; got ${JSON.stringify(v)}`);
    out[p.name] = v;
  }
  return out;
}

// ---- helpers ------------------------------------------------------------------------------

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

// Letters and digits of the common scripts (Latin, Greek, Cyrillic, Hebrew, Arabic, Indic, Thai, CJK, Hangul).
const LN = "A-Za-z0-9\\u00AA\\u00B5\\u00BA\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02AF\\u0370-\\u03FF\\u0400-\\u052F" +
  "\\u05D0-\\u05EA\\u0620-\\u064A\\u0660-\\u0669\\u0900-\\u0DFF\\u0E00-\\u0E7F\\u1E00-\\u1FFF\\u3040-\\u30FF\\u3400-\\u9FFF\\uAC00-\\uD7AF";

// Split identifiers and prose into words: "parseHTTPResponse v2" -> parse, HTTP, Response, v2
function words(s) {
  return s
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(new RegExp(`[^${LN}]+`))
    .filter(Boolean);
}

const cap = (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase();

// ---- tools ----------------------------------------------------------------------------------

function textStats({ text, top, words_per_minute }) {
  const ws = text.match(new RegExp(`[${LN}]+(?:['’\\-][${LN}]+)*`, "g")) || [];
  const sentences = (text.match(new RegExp(`[^.!?…]*[${LN}][^.!?…]*(?:[.!?…]+|$)`, "g")) || []).length;
  const lines = text === "" ? 0 : text.split(/\r\n|\r|\n/).length;
  const paragraphs = text.split(/(?:\r?\n\s*){2,}/).filter((p) => p.trim()).length;
  const chars = [...text].length;
  const noSpace = [...text.replace(/\s/g, "")].length;
  const avgWord = ws.length ? ws.reduce((a, w) => a + [...w].length, 0) / ws.length : 0;
  const wpm = words_per_minute || 200;
  const seconds = Math.round((ws.length / wpm) * 60);
  const freq = new Map();
  for (const w of ws) {
    const k = w.toLowerCase();
    freq.set(k, (freq.get(k) || 0) + 1);
  }
  const topWords = [...freq.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, top)
    .map(([word, count]) => ({ word, count }));
  const reading = seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const data = {
    characters: chars,
    charactersNoSpaces: noSpace,
    words: ws.length,
    uniqueWords: freq.size,
    sentences,
    lines,
    paragraphs,
    averageWordLength: Math.round(avgWord * 100) / 100,
    readingTimeSeconds: seconds,
    topWords,
  };
  const n = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;
  let output = `${n(ws.length, "word")}, ${n(chars, "character")} (${noSpace} without spaces), ` +
    `${n(sentences, "sentence")}, ${n(lines, "line")}, ${n(paragraphs, "paragraph")}; reading time ~${reading} at ${wpm} wpm`;
  if (topWords.length) output += `\nmost frequent: ${topWords.map((t) => `${t.word} (${t.count})`).join(", ")}`;
  return ok(output, data);
}

function slugify({ text, separator, max_length, lowercase }) {
  let parts = foldAccents(text).split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (lowercase) parts = parts.map((p) => p.toLowerCase());
  let slug = parts.join(separator);
  if (max_length > 0 && slug.length > max_length) {
    const cut = slug.slice(0, max_length + 1);
    const at = cut.lastIndexOf(separator);
    slug = at > 0 ? cut.slice(0, at) : slug.slice(0, max_length);
  }
  if (!slug) throw new ToolError("the text has no letters or digits to build a slug from");
  return ok(slug, { slug, length: slug.length });
}

function transformCase({ text, case: target }) {
  const ws = words(text);
  let result;
  switch (target) {
    case "lower": result = text.toLowerCase(); break;
    case "upper": result = text.toUpperCase(); break;
    case "title": result = text.toLowerCase().replace(new RegExp(`(^|[\\s\\-_(\\["'])([${LN}])`, "g"), (m, a, b) => a + b.toUpperCase()); break;
    case "sentence":
      result = text.toLowerCase().replace(new RegExp(`(^\\s*|[.!?]\\s+)([${LN}])`, "g"), (m, a, b) => a + b.toUpperCase());
      break;
    case "camel": result = ws.map((w, i) => (i ? cap(w) : w.toLowerCase())).join(""); break;
    case "pascal": result = ws.map(cap).join(""); break;
    case "snake": result = ws.map((w) => w.toLowerCase()).join("_"); break;
    case "kebab": result = ws.map((w) => w.toLowerCase()).join("-"); break;
    case "constant": result = ws.map((w) => w.toUpperCase()).join("_"); break;
  }
  return ok(result, { result, case: target });
}

const PATTERNS = {
  urls: /\bhttps?:\/\/[^\s<>"'`)\]]+|\bwww\.[^\s<>"'`)\]]+/gi,
  emails: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g,
  hashtags: new RegExp(`(?<![${LN}_&])#[${LN}_]+`, "g"),
  mentions: new RegExp(`(?<![${LN}_.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?`, "g"),
  numbers: new RegExp(`(?<![${LN}_.=/#+-])[-+]?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?(?:[eE][-+]?\\d+)?(?![${LN}_])`, "g"),
};

function extract({ text, kind, unique }) {
  let found = text.match(PATTERNS[kind]) || [];
  if (kind === "urls") found = found.map((u) => u.replace(/[.,;:!?]+$/, ""));
  if (unique) found = [...new Set(found)];
  const data = kind === "numbers" ? found.map((n) => Number(n.replace(/,/g, ""))) : found;
  const output = found.length ? found.join("\n") : `no ${kind} found`;
  return ok(output, { kind, count: found.length, items: data });
}

function truncate({ text, max_length, ellipsis, word_boundary }) {
  const chars = [...text];
  if (chars.length <= max_length) return ok(text, { result: text, truncated: false, length: chars.length });
  const room = max_length - [...ellipsis].length;
  if (room <= 0) throw new ToolError(`max_length ${max_length} leaves no room for the ellipsis ${JSON.stringify(ellipsis)}`);
  let head = chars.slice(0, room).join("");
  if (word_boundary && /\S/.test(chars[room] || "")) {
    const at = head.search(/\s\S*$/);
    if (at > 0) head = head.slice(0, at);
  }
  const result = head.replace(/[\s.,;:!?\-–—]+$/u, "") + ellipsis;
  return ok(result, { result, truncated: true, length: [...result].length });
}

const HANDLERS = {
  "text-stats": textStats,
  slugify,
  "transform-case": transformCase,
  extract,
  truncate,
};

// ---- exports ----------------------------------------------------------------------------------

export function getMetadata() {
  return JSON.stringify({
    name: "textkit",
    version: VERSION,
    description: "Text utilities: statistics, slugs, case conversion, extraction and truncation",
    author: "skill-tui examples",
  });
}

export function getTools() {
  return JSON.stringify(TOOLS);
}

export function executeTool(name, argsJson) {
  const handler = HANDLERS[name];
  if (!handler) return fail(`unknown tool '${name}'; available: ${Object.keys(HANDLERS).join(", ")}`);
  let raw;
  try {
    raw = argsJson && argsJson.trim() ? JSON.parse(argsJson) : {};
  } catch (e) {
    return fail(`arguments are not valid JSON: ${e.message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return fail("arguments must be a JSON object");
  try {
    return handler(readArgs(name, raw));
  } catch (e) {
    if (e instanceof ToolError) return fail(e.message);
    return fail(`${name} failed: ${e && e.message ? e.message : e}`);
  }
}

export function validateConfig(configJson) {
  // textkit takes no configuration; any JSON object is acceptable.
  try {
    const c = JSON.parse(configJson || "{}");
    if (typeof c !== "object" || c === null || Array.isArray(c)) return JSON.stringify({ err: "config must be a JSON object" });
  } catch (e) {
    return JSON.stringify({ err: `config is not valid JSON: ${e.message}` });
  }
  return JSON.stringify({ ok: true });
}
