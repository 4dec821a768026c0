// {{name}}: a skill built with the SDK that ships with the engine.
//
//   skill build .          bundle + componentize into dist/{{name}}.wasm
//   skill test .           run tests.yaml against the built component
//   skill dev . --run greet --args '{"name": "Ada"}'   hot reload on every save
import { defineSkill, getConfig, ok, err } from "@skill-engine/sdk";

export default defineSkill({
  metadata: {
    name: "{{name}}",
    version: "0.1.0",
    description: {{description_json}},
  },
  tools: [
    {
      name: "greet",
      description: "Greet someone with the configured greeting",
      parameters: [
        { name: "name", paramType: "string", description: "Who to greet", required: true },
        { name: "excited", paramType: "boolean", description: "End with an exclamation mark", defaultValue: "true" },
      ],
      handler: async ({ name, excited }) => {
        const greeting = getConfig("greeting") ?? "Hello";
        return ok(`${greeting}, ${name}${excited ? "!" : "."}`, { greeting, name });
      },
    },
    {
      name: "word-count",
      description: "Count the words and characters of a text",
      parameters: [{ name: "text", paramType: "string", description: "The text", required: true }],
      handler: ({ text }) => {
        if (!text.trim()) return err("text is empty");
        const words = text.trim().split(/\s+/).length;
        return ok(`${words} words, ${[...text].length} characters`, { words, characters: [...text].length });
      },
    },
  ],
  // Called with the instance's config before it is saved: return {ok: null} or {err: "why"}.
  validateConfig: (config) => {
    if (config.greeting !== undefined && !String(config.greeting).trim()) return { err: "greeting must not be empty" };
    return { ok: null };
  },
});
