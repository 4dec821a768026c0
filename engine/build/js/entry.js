// The entry every skill build bundles: adapts the author's module (`__skill_user__`,
// aliased by the build to the skill's source) to the skill world's four exports,
// each returning a JSON string, or a Promise of one for async skills. The fetch polyfill
// is imported first, so it is in place before the skill's own module is evaluated.
import "./fetch.js";
import * as user from "__skill_user__";
import { __adapt } from "@skill-engine/sdk";

const skill = __adapt(user);

export function getMetadata() { return skill.getMetadata(); }
export function getTools() { return skill.getTools(); }
export function executeTool(toolName, args) { return skill.executeTool(toolName, args); }
export function validateConfig(config) { return skill.validateConfig(config); }
