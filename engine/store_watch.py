"""Notice, from any process, that the installed skills or the instances changed.

Front doors that stay open (the control panel) show what the store holds now: a skill
installed by `skill install` or dev mode in another terminal, an instance added or
configured with the CLI. watchfiles (inotify on Linux) reports the changes; only the
entries that can alter what a front door lists count, so runs writing to an instance's
`/data` folder wake nobody, and a burst of them wakes the reader only if the store's
stamp (`Store.stamp`) moved: a stray file, a config saved with the values it had, or an
instance added and removed again within one burst wake nobody either.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from engine.home import Home
from engine.store import Store


def relevant(home: Home, path: str) -> bool:
    """Does a change at `path` alter the skill list, an instance list or an instance's config?

    skills/NAME (the install symlinks), instances/SKILL, instances/SKILL/INSTANCE and
    instances/SKILL/INSTANCE/config.toml; nothing inside data folders, temp files or locks.
    """
    p = Path(path)
    if p.parent == home.skills:
        return not p.name.startswith(".")
    try:
        parts = p.relative_to(home.instances).parts
    except ValueError:
        return False
    return 1 <= len(parts) <= 2 or (len(parts) == 3 and parts[2] == "config.toml")


def store_changes(store: Store, stop: threading.Event) -> Iterator[None]:
    """Yield once per burst of changes that moved the store's stamp, until `stop` is set (blocking: run
    it in a thread)."""
    import watchfiles

    home = store.home
    if home.readonly:  # baked into an image: it changes only with a new deployment
        stop.wait()
        return
    for folder in (home.skills, home.instances):
        folder.mkdir(parents=True, exist_ok=True)
    seen = store.stamp()
    for _changes in watchfiles.watch(
        home.skills,
        home.instances,
        stop_event=stop,
        debounce=400,
        step=50,
        watch_filter=lambda _change, path: relevant(home, path),
        raise_interrupt=False,
    ):
        now = store.stamp()
        if now != seen:
            seen = now
            yield
