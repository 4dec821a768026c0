"""skill-tui's headless engine: store, instances, sandboxed wasmtime runtime, history.

Nothing in this package imports Textual; the CLI, the TUI and the MCP server all
drive it through :class:`engine.api.Engine`.
"""

__version__ = "0.1.0"
