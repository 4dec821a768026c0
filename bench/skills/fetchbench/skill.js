// fetchbench: times `fetch` from inside a skill, for bench/bench_fetch.py.
import { defineSkill, ok } from "@skill-engine/sdk";

const now = () => (globalThis.performance ? performance.now() : Date.now());

export default defineSkill({
  metadata: { name: "fetchbench", version: "1.0.0", description: "Outbound HTTP timings" },
  tools: [
    {
      name: "sequential",
      description: "n fetches of url one after the other; each one's milliseconds",
      parameters: [
        { name: "url", paramType: "string", required: true },
        { name: "n", paramType: "integer", defaultValue: "1" },
      ],
      handler: async ({ url, n }) => {
        const ms = [];
        for (let i = 0; i < n; i++) {
          const t0 = now();
          await (await fetch(url)).text();
          ms.push(now() - t0);
        }
        return ok(`${n} fetches`, { ms });
      },
    },
    {
      name: "parallel",
      description: "fetch every url at once (Promise.all); the milliseconds until all are in",
      parameters: [{ name: "urls", paramType: "array", required: true }],
      handler: async ({ urls }) => {
        const t0 = now();
        await Promise.all(urls.map(async (u) => (await fetch(u)).text()));
        return ok(`${urls.length} fetches at once`, { ms: now() - t0 });
      },
    },
    {
      name: "idle",
      description: "no request: the run without network, for comparison",
      parameters: [],
      handler: () => ok("idle"),
    },
  ],
});
