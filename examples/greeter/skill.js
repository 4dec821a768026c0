// greeter: composes greetings and onboarding welcome messages in the team's house style.
//
// Shows how a skill reads its configuration. Every value is looked up through the
// `get-config` host import first, then the environment (SKILL_<FIELD>, or the `env:`
// name the manifest gives), then the default below. `api_token` is a secret: the skill
// only ever reports whether it is set, never its value.
import { getEnvironment } from "wasi:cli/environment@0.2.12";
import getConfig from "get-config";

const VERSION = "1.0.0";

// field -> { default, env names in lookup order, secret }
const FIELDS = {
  greeting: { def: "Hello", env: ["SKILL_GREETING"] },
  punctuation: { def: "!", env: ["SKILL_PUNCTUATION"] },
  sign_off: { def: "", env: ["SKILL_SIGN_OFF"] },
  api_token: { def: null, env: ["GREETER_API_TOKEN", "SKILL_API_TOKEN"], secret: true },
};

const STYLES = ["plain", "formal", "casual", "excited"];
const PUNCTUATION = ["!", ".", "!!", "?!", "…", ""];

const TOOLS = [
  {
    name: "greet",
    description: "Greet someone using the configured greeting and punctuation",
    parameters: [
      { name: "name", paramType: "string", description: "Who to greet", required: true },
      { name: "style", paramType: "string", description: "Tone of the greeting", required: false, defaultValue: "plain", enum: STYLES },
    ],
  },
  {
    name: "welcome",
    description: "Write a short onboarding welcome message for a new team member",
    parameters: [
      { name: "name", paramType: "string", description: "The new team member", required: true },
      { name: "team", paramType: "string", description: "Team they join", required: true },
      { name: "role", paramType: "string", description: "Their role", required: false },
      { name: "buddy", paramType: "string", description: "Who helps them settle in", required: false },
    ],
  },
  {
    name: "config-status",
    description: "Show the effective configuration and where each value came from (secrets are only reported as set / not set)",
    parameters: [],
  },
];

let envCache = null;
function env() {
  if (!envCache) envCache = new Map(getEnvironment());
  return envCache;
}

// -> { value, source }
function lookup(field) {
  const f = FIELDS[field];
  const host = getConfig(field);
  if (host !== undefined && host !== null) return { value: host, source: "get-config" };
  for (const name of f.env) {
    const v = env().get(name);
    if (v !== undefined) return { value: v, source: `env ${name}` };
  }
  return { value: f.def, source: "default" };
}

function settings() {
  const out = {};
  for (const k of Object.keys(FIELDS)) out[k] = lookup(k).value;
  return out;
}

// Returns an error message, or null when the config is usable.
function problems(cfg) {
  if (cfg.greeting !== undefined && cfg.greeting !== null) {
    const g = String(cfg.greeting);
    if (!g.trim()) return "greeting must not be empty";
    if ([...g].length > 40) return `greeting is too long (${[...g].length} characters, at most 40)`;
    if (/[\r\n\t]/.test(g)) return "greeting must be a single line";
  }
  if (cfg.punctuation !== undefined && cfg.punctuation !== null && !PUNCTUATION.includes(String(cfg.punctuation))) {
    return `punctuation must be one of ${PUNCTUATION.map((p) => JSON.stringify(p)).join(", ")}; got ${JSON.stringify(cfg.punctuation)}`;
  }
  if (cfg.sign_off !== undefined && cfg.sign_off !== null && [...String(cfg.sign_off)].length > 200) {
    return "sign_off is too long (at most 200 characters)";
  }
  if (cfg.api_token !== undefined && cfg.api_token !== null && cfg.api_token !== "") {
    // never echo the token itself
    if (!/^[A-Za-z0-9._\-]{12,128}$/.test(String(cfg.api_token))) {
      return "api_token looks malformed (expected 12-128 letters, digits, '.', '_' or '-')";
    }
  }
  return null;
}

class ToolError extends Error {}

function str(args, key, required) {
  const v = args[key];
  if (v === undefined || v === null || String(v).trim() === "") {
    if (required) throw new ToolError(`missing required parameter '${key}'`);
    return "";
  }
  const s = String(v).trim();
  if ([...s].length > 100) throw new ToolError(`'${key}' is too long (at most 100 characters)`);
  return s;
}

function greet(args) {
  const name = str(args, "name", true);
  const style = args.style ?? "plain";
  if (!STYLES.includes(style)) throw new ToolError(`'style' must be one of ${STYLES.join(", ")}`);
  const cfg = settings();
  const g = cfg.greeting;
  const p = cfg.punctuation;
  let text;
  switch (style) {
    case "formal": text = `${g}, ${name}. It is a pleasure to meet you${p === "" ? "" : "."}`; break;
    case "casual": text = `${g.split(/\s+/)[0]} ${name}${p === "!" ? " :)" : p}`; break;
    case "excited": text = `${g.toUpperCase()}, ${name.toUpperCase()}${p === "" ? "!!!" : p.replace(/[.…]/g, "!").repeat(3)}`; break;
    default: text = `${g}, ${name}${p}`;
  }
  return { success: true, output: text, data: { greeting: text, style } };
}

function welcome(args) {
  const name = str(args, "name", true);
  const team = str(args, "team", true);
  const role = str(args, "role", false);
  const buddy = str(args, "buddy", false);
  const cfg = settings();
  const lines = [`${cfg.greeting}, ${name}${cfg.punctuation}`, ""];
  lines.push(`Welcome to the ${team} team${role ? ` as our new ${role}` : ""}. We are glad to have you.`);
  if (buddy) lines.push(`${buddy} will be your buddy for the first weeks: ask them anything.`);
  lines.push("Take your time to settle in, read the docs, and say hi in the team channel.");
  if (cfg.sign_off) lines.push("", cfg.sign_off);
  const text = lines.join("\n");
  return { success: true, output: text, data: { message: text, lines: lines.length } };
}

function configStatus() {
  const rows = [];
  const data = {};
  for (const k of Object.keys(FIELDS)) {
    const { value, source } = lookup(k);
    const shown = FIELDS[k].secret
      ? (value ? "set" : "not set")
      : JSON.stringify(value);
    rows.push(`${k}: ${shown} (${source})`);
    data[k] = { value: FIELDS[k].secret ? (value ? "set" : "not set") : value, source, secret: !!FIELDS[k].secret };
  }
  const bad = problems(settings());
  if (bad) rows.push(`warning: ${bad}`);
  return { success: true, output: rows.join("\n"), data };
}

const HANDLERS = { greet, welcome, "config-status": configStatus };

export function getMetadata() {
  return JSON.stringify({
    name: "greeter",
    version: VERSION,
    description: "Greetings and onboarding welcome messages in your team's house style (configurable)",
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
    const msg = e instanceof SyntaxError ? `arguments are not valid JSON: ${e.message}` : e.message || String(e);
    return JSON.stringify({ success: false, output: "", errorMessage: msg });
  }
}

export function validateConfig(configJson) {
  let cfg;
  try {
    cfg = JSON.parse(configJson || "{}");
  } catch (e) {
    return JSON.stringify({ err: `config is not valid JSON: ${e.message}` });
  }
  if (typeof cfg !== "object" || cfg === null || Array.isArray(cfg)) return JSON.stringify({ err: "config must be a JSON object" });
  const bad = problems(cfg);
  return JSON.stringify(bad ? { err: bad } : { ok: true });
}
