"""Pull + verify + install of the ~12.7 MB textkit skill from a local registry, against a raw GET of the same
bytes with httpx, in the same run (target: <= 1.5x). Compile is excluded (the compile cache is warm, as it is
for any component installed before) and printed apart, cold, once.

- raw httpx:      one httpx.Client, GET the manifest and each layer blob, bytes read, nothing checked or written
- httpx + sha256: the same GETs streamed, hashed and written to a file: the least a verifying pull does
- fetch_oci:      manifest + every layer, each hashed while streaming into a fresh blob cache, the folder staged
- install:        Engine.install(oci://...) in a fresh home and blob cache: the fetch above, then the store's
                  install (describe the component, the capability review, the package, the lock), which is
                  printed apart too: the same install from the local folder

Run: .venv/bin/python bench/bench_pull.py   (needs Debian's docker-registry, as the tests do)
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, median, row

sys.path.insert(0, str(REPO / "tests"))

RUNS = 7


def main() -> None:
    import httpx

    from engine.api import Engine
    from engine.distribution.oci.pull import fetch_oci
    from engine.distribution.sources import parse_oci
    from engine.home import Home
    from fixtures.env import SHARED_CACHE
    from fixtures.oci_registry import run_registry

    work = Path(tempfile.mkdtemp(prefix="skill-bench-pull-"))

    def fresh_engine(name: str) -> Engine:
        cache = work / name / "cache"
        cache.mkdir(parents=True)
        for sub in ("compiled", "builds", "toolchain"):
            (cache / sub).symlink_to(SHARED_CACHE / sub)
        return Engine(Home(root=work / name / "home", cache=cache))

    with run_registry(work / "registry") as reg:
        author = fresh_engine("author")
        report = author.publish(REPO / "examples" / "textkit", reg.oci("skills/textkit:1.0.0"))
        ref = reg.oci(f"skills/textkit@{report.digest}")
        blobs = [b for b in report.blobs if b.name != "config"]
        size = sum(b.size for b in blobs) + len(json.dumps(report.manifest))
        fresh_engine("warm").install(ref)  # the compile cache has it from here on

        raw, hashed, fetched, installed, local = [], [], [], [], []
        with httpx.Client() as client:
            for i in range(RUNS):
                t0 = time.perf_counter()
                client.get(f"{reg.url}/v2/skills/textkit/manifests/{report.digest}").read()
                for b in blobs:
                    client.get(f"{reg.url}/v2/skills/textkit/blobs/{b.digest}").read()
                raw.append(time.perf_counter() - t0)

                t0 = time.perf_counter()
                for b in blobs:
                    digest = hashlib.sha256()
                    with (
                        client.stream("GET", f"{reg.url}/v2/skills/textkit/blobs/{b.digest}") as r,
                        open(work / "copy", "wb") as out,
                    ):
                        for chunk in r.iter_bytes():
                            digest.update(chunk)
                            out.write(chunk)
                hashed.append(time.perf_counter() - t0)

                engine = fresh_engine(f"fetch-{i}")
                ctx = engine._installer.context()
                t0 = time.perf_counter()
                fetch_oci(parse_oci(ref), ctx).cleanup()
                fetched.append(time.perf_counter() - t0)

                engine = fresh_engine(f"install-{i}")
                t0 = time.perf_counter()
                engine.install(ref)
                installed.append(time.perf_counter() - t0)

                engine = fresh_engine(f"local-{i}")
                t0 = time.perf_counter()
                engine.install(REPO / "examples" / "textkit")
                local.append(time.perf_counter() - t0)

        compile_home = fresh_engine("cold")
        (compile_home.home.cache / "compiled").unlink()
        (compile_home.home.cache / "compiled").mkdir()
        wasm = (REPO / "examples" / "textkit" / "dist" / "textkit.wasm").read_bytes()
        t0 = time.perf_counter()
        compile_home.runtime.compile(wasm, "textkit.wasm")
        cold = time.perf_counter() - t0

    base = median(raw)
    print(f"pull of {size / 1e6:.1f} MB from docker-registry on 127.0.0.1, median of {RUNS}")
    row("raw httpx GET of the same bytes", f"{base * 1000:.1f} ms", "no checks, nothing written")
    row("httpx GET + sha256 + write to disk", f"{median(hashed) * 1000:.1f} ms", f"{median(hashed) / base:.2f}x raw")
    row("fetch_oci: pull + verify + stage", f"{median(fetched) * 1000:.1f} ms", f"{median(fetched) / base:.2f}x raw")
    row(
        "skill install oci://...@digest (compile excluded)",
        f"{median(installed) * 1000:.1f} ms",
        f"{median(installed) / base:.2f}x raw (target <= 1.5x)",
    )
    row(
        "  of which the store's own install",
        f"{median(local) * 1000:.1f} ms",
        "the same install from the local folder (describe, package, lock)",
    )
    row("compile, cold (once per component, then cached)", f"{cold * 1000:.0f} ms", "printed apart")


if __name__ == "__main__":
    main()
