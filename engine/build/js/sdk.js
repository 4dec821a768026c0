// @skill-engine/sdk: the small authoring SDK bundled into every skill build.
//
// Shipped with the engine (no npm package to install): esbuild resolves
// `@skill-engine/sdk` and `@kubiya/skill-engine-sdk` to this file.
//
//   import { defineSkill, getConfig, ok, err } from "@skill-engine/sdk";
//   export default defineSkill({
//     metadata: { name: "demo", version: "0.1.0", description: "..." },
//     tools: [{ name: "greet", description: "...",
//               parameters: [{ name: "name", paramType: "string", required: true }],
//               handler: async (args) => ok(`Hello, ${args.name}!`) }],
//   });
//
// Handlers may be async and may throw: a thrown error becomes an error result.
import hostGetConfig from "get-config";
import hostGetAllConfig from "get-all-config";
import { getEnvironment } from "wasi:cli/environment@0.2.12";

const SKILL = Symbol.for("skill-engine.skill");

function envPairs() {
  try {
    return getEnvironment();
  } catch {
    return [];
  }
}

/** getConfig(key): one config value (get-config host import, then env SKILL_<KEY>), or undefined.
 *  getConfig(): every config value as an object (upstream style: env SKILL_X as X, plus field names). */
export function getConfig(key) {
  if (key === undefined) return getAllConfig();
  const k = String(key);
  const v = hostGetConfig(k);
  if (v !== undefined && v !== null) return v;
  const envName = "SKILL_" + k.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  for (const [name, value] of envPairs()) {
    if (name === envName || name === k) return value;
  }
  return undefined;
}

/** Every config value as a plain object. */
export function getAllConfig() {
  const out = {};
  for (const [name, value] of envPairs()) {
    if (name.startsWith("SKILL_")) out[name.slice(6)] = value;
  }
  for (const [k, v] of hostGetAllConfig()) out[k] = v;
  return out;
}

/** A successful tool result: `output` is the text shown to people (objects are pretty-printed). */
export function ok(output, data) {
  const text = typeof output === "string" ? output : output === undefined ? "" : JSON.stringify(output, null, 2);
  const r = { success: true, output: text };
  if (data !== undefined) r.data = data;
  return r;
}

/** A failed tool result with this message. */
export function err(message) {
  const text = message instanceof Error ? message.message : String(message);
  return { success: false, output: "", errorMessage: text };
}

function errorText(e) {
  if (e && typeof e === "object" && "message" in e && e.message) return String(e.message);
  if (e && typeof e === "object" && "payload" in e) return `wasi error: ${JSON.stringify(e.payload)}`;
  return String(e);
}

function isThenable(v) {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof v.then === "function";
}

// Apply `f` to a value or to what a Promise resolves to (so sync skills stay sync).
function then(v, f, onError) {
  if (isThenable(v)) return onError ? v.then(f, onError) : v.then(f);
  return f(v);
}

function guard(f, onError) {
  try {
    const v = f();
    return isThenable(v) ? v.then((x) => x, onError) : v;
  } catch (e) {
    return onError(e);
  }
}

const json = (v) => (typeof v === "string" ? v : JSON.stringify(v === undefined ? null : v));

/** A tool's return value as an ExecutionResult object. */
function toResult(v) {
  if (v === undefined || v === null) return { success: true, output: "" };
  if (typeof v === "string") return { success: true, output: v };
  if (typeof v !== "object") return { success: true, output: String(v), data: v };
  if ("success" in v) {
    const r = { success: !!v.success, output: v.output === undefined || v.output === null ? "" : typeof v.output === "string" ? v.output : JSON.stringify(v.output, null, 2) };
    if (v.errorMessage !== undefined && v.errorMessage !== null) r.errorMessage = String(v.errorMessage);
    else if (!r.success) r.errorMessage = v.error !== undefined ? String(v.error) : "the tool failed";
    if (v.data !== undefined) r.data = v.data;
    return r;
  }
  if ("ok" in v || "err" in v) return v;
  return { success: true, output: JSON.stringify(v, null, 2), data: v };
}

const PARAM_TYPES = ["string", "number", "integer", "boolean", "array", "object", "json", "file"];

function coerceDefault(p, v) {
  if (typeof v !== "string") return v;
  const t = p.paramType || p.type;
  if (t === "number" || t === "integer") {
    const n = Number(v);
    return Number.isNaN(n) ? v : n;
  }
  if (t === "boolean") return v === "true" ? true : v === "false" ? false : v;
  if (t === "array" || t === "object" || t === "json") {
    try { return JSON.parse(v); } catch { return v; }
  }
  return v;
}

// [{name, required, default}] of a tool's parameters, in either accepted shape.
function paramList(tool) {
  const ps = tool.parameters;
  if (Array.isArray(ps)) {
    return ps.map((p) => ({
      name: p.name, required: !!p.required,
      default: p.defaultValue !== undefined && p.defaultValue !== null ? coerceDefault(p, p.defaultValue) : p.default,
    }));
  }
  if (ps && typeof ps === "object" && ps.properties) {
    const req = new Set(ps.required || []);
    return Object.entries(ps.properties).map(([name, s]) => ({ name, required: req.has(name), default: s && s.default }));
  }
  return [];
}

/** Define a skill: {metadata, tools: [{name, description, parameters, handler}], validateConfig?}. */
export function defineSkill(def) {
  if (!def || typeof def !== "object") throw new TypeError("defineSkill: expected an object {metadata, tools}");
  const metadata = def.metadata;
  if (!metadata || typeof metadata !== "object" || !metadata.name) {
    throw new TypeError("defineSkill: metadata.name is required");
  }
  const tools = def.tools || [];
  if (!Array.isArray(tools)) throw new TypeError("defineSkill: tools must be an array");
  const byName = new Map();
  for (const t of tools) {
    if (!t || !t.name) throw new TypeError("defineSkill: every tool needs a name");
    if (typeof t.handler !== "function") throw new TypeError(`defineSkill: tool '${t.name}' has no handler function`);
    if (byName.has(t.name)) throw new TypeError(`defineSkill: tool '${t.name}' is defined twice`);
    if (Array.isArray(t.parameters)) {
      for (const p of t.parameters) {
        const ty = p.paramType || p.type || "string";
        if (!PARAM_TYPES.includes(ty)) throw new TypeError(`defineSkill: tool '${t.name}' parameter '${p.name}' has unknown type '${ty}'`);
      }
    }
    byName.set(t.name, { tool: t, params: paramList(t) });
  }
  const described = tools.map((t) => {
    const { handler, ...rest } = t;
    if (Array.isArray(rest.parameters)) {
      rest.parameters = rest.parameters.map((p) => (p.paramType || !p.type ? p : { ...p, paramType: p.type }));
    } else if (rest.parameters === undefined) {
      rest.parameters = [];
    }
    return rest;
  });

  const skill = {
    getMetadata: () => ({ version: "0.0.0", description: "", ...metadata }),
    getTools: () => described,
    executeTool(name, argsJson) {
      const entry = byName.get(name);
      if (!entry) return err(`unknown tool '${name}'; available: ${[...byName.keys()].join(", ")}`);
      let args;
      try {
        args = typeof argsJson === "string" ? (argsJson.trim() ? JSON.parse(argsJson) : {}) : argsJson || {};
      } catch (e) {
        return err(`arguments are not valid JSON: ${errorText(e)}`);
      }
      if (typeof args !== "object" || args === null || Array.isArray(args)) return err("arguments must be a JSON object");
      for (const p of entry.params) {
        if ((args[p.name] === undefined || args[p.name] === null) && p.default !== undefined) args[p.name] = p.default;
        if (p.required && (args[p.name] === undefined || args[p.name] === null)) {
          return err(`missing required parameter '${p.name}'`);
        }
      }
      const ctx = { tool: name, getConfig, get config() { return getAllConfig(); } };
      return guard(() => then(entry.tool.handler(args, ctx), toResult), (e) => err(errorText(e)));
    },
    validateConfig(configJson) {
      if (typeof def.validateConfig !== "function") return { ok: null };
      let cfg;
      try {
        cfg = typeof configJson === "string" ? JSON.parse(configJson || "{}") : configJson || {};
      } catch (e) {
        return { err: `config is not valid JSON: ${errorText(e)}` };
      }
      return guard(() => def.validateConfig(cfg), (e) => ({ err: errorText(e) }));
    },
  };
  Object.defineProperty(skill, SKILL, { value: true });
  return skill;
}

function validation(v) {
  if (v === undefined || v === null || v === true) return { ok: null };
  if (v === false) return { err: "invalid configuration" };
  if (typeof v === "string") {
    const t = v.trim();
    if (t.startsWith("{")) {
      try { return validation(JSON.parse(t)); } catch { return v; }
    }
    return t ? { err: v } : { ok: null };
  }
  // upstream's cookbook reports a complaint as {ok: null, error: "..."}
  if (typeof v === "object" && !("err" in v) && v.error) return { err: String(v.error) };
  return v;
}

/** A plain module's executeTool, preceded in the same sandbox by its validateConfig on the instance's
 *  config (upstream's cookbook keeps its config in a module global set there); a complaint fails the run. */
function configuredExecute(src, result) {
  return (name, args) => {
    const cfg = JSON.stringify(Object.fromEntries(hostGetAllConfig()));
    return then(guard(() => src.validateConfig(cfg), (e) => ({ err: errorText(e) })), (v) => {
      const verdict = validation(v);
      if (verdict && typeof verdict === "object" && "err" in verdict) {
        return JSON.stringify(err(String(verdict.err)));
      }
      return then(src.executeTool(name, args), result);
    });
  };
}

/** Internal: the four world exports of a user module, each returning a JSON string (or a Promise of one).
 *  Accepts `export default defineSkill(...)`, a default-exported object with the four functions,
 *  or named exports getMetadata/getTools/executeTool/validateConfig returning objects or strings. */
export function __adapt(mod) {
  const d = mod && mod.default;
  const src = d && typeof d === "object" && (d[SKILL] || typeof d.executeTool === "function") ? d : mod;
  const missing = ["getMetadata", "getTools", "executeTool"].filter((f) => typeof src[f] !== "function");
  if (missing.length) {
    throw new Error(`the skill module does not export ${missing.join(", ")}: export default defineSkill({...}) ` +
      "from @skill-engine/sdk, or export functions getMetadata, getTools, executeTool (and validateConfig)");
  }
  const tools = (v) => json(typeof v === "string" ? v : Array.isArray(v) ? v.map((t) => {
    if (!t || typeof t !== "object" || typeof t.handler !== "function") return t;
    const { handler, ...rest } = t;
    return rest;
  }) : v);
  const result = (v) => (typeof v === "string" ? v : JSON.stringify(toResult(v)));
  return {
    getMetadata: () => then(src.getMetadata(), json),
    getTools: () => then(src.getTools(), tools),
    // Plain modules keep their own error handling: what they throw is a crash, as before.
    executeTool: !src[SKILL] && typeof src.validateConfig === "function"
      ? configuredExecute(src, result)
      : (name, args) => then(src.executeTool(name, args), result),
    validateConfig: (cfg) => typeof src.validateConfig === "function"
      ? then(src.validateConfig(cfg), (v) => json(validation(v)))
      : '{"ok":null}',
  };
}
