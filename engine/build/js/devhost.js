// The dev host: one prebuilt component whose exports delegate to skill source it
// evaluates at instantiation, so a save costs an esbuild bundle, not a componentize.
//
// The source (a CommonJS bundle of entry.js + the skill) arrives in the environment
// variable below. The evaluated code never sees it: its `wasi:cli/environment`
// (handed in through the `require` shim) lists every variable but that one.
// The fetch polyfill is installed here too (the evaluated bundle installs its own copy
// again), so the native fetch, which traps, is never what a skill gets.
import "./fetch.js";
import * as environment from "wasi:cli/environment@0.2.12";
import * as preopens from "wasi:filesystem/preopens@0.2.12";
import * as types from "wasi:filesystem/types@0.2.12";
import getConfig from "get-config";
import getAllConfig from "get-all-config";
import httpRequest from "http-request";
import httpStart from "http-start";
import httpWait from "http-wait";

const SOURCE_VAR = "SKILL_DEV_SOURCE";

function visibleEnvironment() {
  return environment.getEnvironment().filter(([k]) => k !== SOURCE_VAR);
}

const MODULES = {
  "wasi:cli/environment@0.2.12": {
    __esModule: true,
    getEnvironment: visibleEnvironment,
    getArguments: () => environment.getArguments(),
    initialCwd: () => environment.initialCwd(),
  },
  "wasi:filesystem/preopens@0.2.12": { __esModule: true, ...preopens },
  "wasi:filesystem/types@0.2.12": { __esModule: true, ...types },
  "get-config": { __esModule: true, default: getConfig },
  "get-all-config": { __esModule: true, default: getAllConfig },
  "http-request": { __esModule: true, default: httpRequest },
  "http-start": { __esModule: true, default: httpStart },
  "http-wait": { __esModule: true, default: httpWait },
};

function shim(name) {
  const m = MODULES[name];
  if (m) return m;
  throw new Error(`cannot import '${name}': a skill can import only the skill world's interfaces (` +
    Object.keys(MODULES).join(", ") + ") and bundled npm packages");
}

let skill = null;

function load() {
  if (skill) return skill;
  const pair = environment.getEnvironment().find(([k]) => k === SOURCE_VAR);
  if (!pair) throw new Error("dev host: no skill source was given");
  const module = { exports: {} };
  new Function("require", "module", "exports", pair[1])(shim, module, module.exports);
  skill = module.exports;
  return skill;
}

export function getMetadata() { return load().getMetadata(); }
export function getTools() { return load().getTools(); }
export function executeTool(toolName, args) { return load().executeTool(toolName, args); }
export function validateConfig(config) { return load().validateConfig(config); }
