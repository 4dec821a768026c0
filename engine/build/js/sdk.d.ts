// Types of @skill-engine/sdk, the SDK bundled into every skill build by skill-tui.
export type ParamType = "string" | "number" | "integer" | "boolean" | "array" | "object" | "json" | "file";

export interface Parameter {
  name: string;
  paramType: ParamType;
  description?: string;
  required?: boolean;
  /** A string, as upstream: "80", "true", "[1,2]" are coerced to the parameter's type. */
  defaultValue?: string | number | boolean | null;
  enum?: unknown[];
}

export interface ExecutionResult {
  success: boolean;
  output: string;
  errorMessage?: string | null;
  data?: unknown;
}

export interface ToolContext {
  tool: string;
  getConfig: typeof getConfig;
  readonly config: Record<string, string>;
}

export type ToolReturn = ExecutionResult | { ok: unknown } | { err: string } | string | object | void;

export interface ToolDefinition<A = any> {
  name: string;
  description: string;
  parameters?: Parameter[] | Record<string, unknown>;
  handler: (args: A, ctx: ToolContext) => ToolReturn | Promise<ToolReturn>;
}

export interface SkillMetadata {
  name: string;
  version?: string;
  description?: string;
  author?: string;
  [key: string]: unknown;
}

export type ValidationResult = { ok: unknown } | { err: string } | boolean | string | void;

export interface SkillDefinition {
  metadata: SkillMetadata;
  tools: ToolDefinition[];
  validateConfig?: (config: Record<string, string>) => ValidationResult | Promise<ValidationResult>;
}

export interface Skill {
  getMetadata(): SkillMetadata;
  getTools(): object[];
  executeTool(name: string, args: string): ExecutionResult | Promise<ExecutionResult>;
  validateConfig(config: string): ValidationResult | Promise<ValidationResult>;
}

export function defineSkill(def: SkillDefinition): Skill;
/** One config value (get-config host import, then env SKILL_<KEY>), or undefined when unset. */
export function getConfig(key: string): string | undefined;
/** Every config value as an object. */
export function getConfig(): Record<string, string>;
export function getAllConfig(): Record<string, string>;
export function ok(output: unknown, data?: unknown): ExecutionResult;
export function err(message: unknown): ExecutionResult;
