"""`skill serve`: the installed skills as MCP tools, for AI agents.

- `schema`: MCP tool names (`skill__instance__tool`) and JSON schemas of arguments;
- `catalog`: what a server exposes (it re-reads when `Engine.stamp()` moves);
- `results`: runs and answers as MCP tool results, bounded;
- `search`: `search_skills`: the engine's search, by keywords while the model loads;
- `registry`: the running servers of a home, read by the control panel (light: no SDK);
- `server`: `SkillServer`, the handlers and the change watcher (the SDK loads here);
- `transports`: serving over stdio; `stdio`: stdio without threads. HTTP (MCP beside the REST API)
  is `engine.serve`.

Nothing but MCP is written to stdout while serving: logs go to stderr.
"""
