// {{name}}: a TypeScript skill (esbuild strips the types; no tsc or npm install needed).
//
//   skill build .          bundle + componentize into dist/{{name}}.wasm
//   skill test .           run tests.yaml against the built component
//   skill dev . --run greet --args '{"name": "Ada"}'   hot reload on every save
import { defineSkill, getConfig, ok, err } from "@skill-engine/sdk";

interface GreetArgs {
  name: string;
  excited: boolean;
}

function countWords(text: string): { words: number; characters: number } {
  return { words: text.trim().split(/\s+/).length, characters: [...text].length };
}

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
      handler: async ({ name, excited }: GreetArgs) => {
        const greeting: string = getConfig("greeting") ?? "Hello";
        return ok(`${greeting}, ${name}${excited ? "!" : "."}`, { greeting, name });
      },
    },
    {
      name: "word-count",
      description: "Count the words and characters of a text",
      parameters: [{ name: "text", paramType: "string", description: "The text", required: true }],
      handler: ({ text }: { text: string }) => {
        if (!text.trim()) return err("text is empty");
        const c = countWords(text);
        return ok(`${c.words} words, ${c.characters} characters`, c);
      },
    },
  ],
  validateConfig: (config: Record<string, string>) => {
    if (config.greeting !== undefined && !String(config.greeting).trim()) return { err: "greeting must not be empty" };
    return { ok: null };
  },
});
