"""Distribution: where skills come from and how they are pinned, verified and shared.

One path for every source, ending in the store's atomic install (`engine.store`):

    spec ──parse_source──▶ Source ──fetch──▶ Fetched (a verified folder in scratch space)
         ──signature check (trust)──▶ build if it holds no component ──▶ Store.install (review)
         ──▶ the lock entry in $SKILL_ENGINE_HOME/skills.lock

- `sources`: the spec grammar (path, oci://, NAME[@VERSION], github:, git+..., https://...tar.gz|.zip).
- `fetching`: what a fetcher gets (`FetchContext`) and gives back (`Fetched`), and the progress `Step`s.
- `oci/`: the registry client (verified by digest while streaming), auth, credentials, the artifact layout,
  publish and registry search.
- `git`: the git CLI, shallow and sparse, never prompting. `archive`: tarball/zip URLs, members checked.
- `signing` / `trust`: minisign-compatible Ed25519 over a statement of every file's sha256; trusted keys.
- `lockfile`: skills.lock (sorted, atomic, no timestamps). `cache`: content-addressed blobs.
- `installer`: the flow above, used by `Engine.install`, `sync`, `update` and `pull_run`.

Nothing unverified is ever written into the store: fetchers stage under the home's tmp/ (same filesystem,
so the store's rename is atomic) and hand over only what matched its digest, commit or --sha256.
"""
