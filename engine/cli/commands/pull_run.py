"""`skill pull-run SOURCE TOOL [--arg K=V ...] [--args JSON] [--config K=V ...] [--keep] [--no-cache]`:
fetch a skill (or take it from the content-addressed cache), verify it, and run one tool in a throw-away
home, its default instance configured with --config (secret values only in memory). The store and
skills.lock are left alone unless --keep, which installs it as `skill install` would.
"""

from __future__ import annotations

import argparse

from engine.cli.args import check_timeout, read_pairs, read_tool_args
from engine.cli.commands import open_engine
from engine.cli.commands.install import review_prompt
from engine.cli.commands.run import report, stream
from engine.cli.output import progress


def run(a: argparse.Namespace) -> int:
    given = read_tool_args(a.args, a.arg)
    config = read_pairs(a.config, "--config")
    check_timeout(a.timeout)  # before anything is fetched
    result = open_engine().pull_run(
        a.ref,
        a.tool,
        given.given,
        arg_texts=given.pairs,
        config=config,
        keep=a.keep,
        no_cache=a.no_cache,
        timeout=a.timeout,
        review=lambda r: review_prompt(r, a, verb="run"),
        on_step=None if a.json else lambda step: progress(step.message),
        on_event=None if a.json else stream,
        insecure=a.insecure_registry,
    )
    return report(result, a.json)
