"""`skill install SOURCE`: fetch and verify a skill (folder, .wasm, registry, git, URL), review what it asks
for, compile it once, install it, pin it in skills.lock.

The review: what the skill asks for (network, secrets, /data, limits) is shown; a skill that asks for
network, or an upgrade that asks for more than was accepted, needs a yes: `[y/N]` on a terminal,
`--yes` in a script. Without either it is refused (exit 2) and nothing changes.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from engine.cli.commands import open_engine
from engine.cli.output import confirm, print_json, progress

if TYPE_CHECKING:
    from engine.review import CapabilityReview


def run(a: argparse.Namespace) -> int:
    report = open_engine().install(
        a.path,
        name=a.name,
        force=a.force,
        progress=None if a.json else progress,
        review=lambda r: review_prompt(r, a),
        sha256=a.sha256,
        locked=a.locked,
        insecure=a.insecure_registry,
        allow_scripts=a.allow_scripts,
    )
    s = report.skill
    if a.json:
        print_json({"status": report.status, "previous_version": report.previous_version, **s.to_json()})
        return 0
    verb = {
        "installed": "installed",
        "upgraded": f"upgraded from {report.previous_version}",
        "replaced": "replaced",
        "unchanged": "already installed, unchanged",
    }[report.status]
    if s.has_component:
        print(f"{s.name} {s.version} {verb}: {len(s.tools)} tool(s): {', '.join(t.name for t in s.tools)}")
    else:
        print(
            f"{s.name} {s.version} {verb}: a knowledge skill, {len(s.files)} file(s); read it with `skill show {s.name}`"
        )
    for w in s.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def review_prompt(review: CapabilityReview, a: argparse.Namespace, verb: str = "install") -> bool:
    """Show what the skill asks for; ask when it needs consent (or take --yes, or refuse in a script).
    `skill update`, `sync` and `pull-run` ask the same way (`verb` names what they would do)."""
    asking = review.needs_consent and not a.yes
    interactive = asking and not a.json and sys.stdin.isatty()
    if not a.json and (interactive or not asking):
        for line in review.lines():
            progress(line)
    if not asking:
        return True
    what = f"network access ({', '.join(review.asked.network)})"
    if review.previous_version is not None:
        what = f"more than its installed version {review.previous_version} ({'; '.join(review.widened)})"
    asks = f"asks for {what}"
    if review.trust:  # another signer: asked whatever the skill asks for
        wider = review.asked.network and review.widened
        asks = "; ".join(review.trust) + (f", and it {asks}" if wider else "")
    refusal = f"{review.skill} {review.version} {asks}; pass --yes to accept it (nothing was installed)"
    return confirm(f"{verb} {review.skill} {review.version} with these capabilities?", refusal, a.json)
