#!/usr/bin/env bash
# Set up everything skill-tui needs, idempotently, from the project's own files:
#   1. system packages (tmux, gnome-keyring, dbus, librsvg2-bin, node/npm, git, docker-registry,
#      apache2-utils, minisign) if missing
#   2. a virtualenv in .venv with the project installed (editable) + test tools
#   3. the pinned npm toolchain (componentize-js, jco, esbuild) in the engine's cache
#   4. the example skills built with componentize-js (cached by content hash)
#   5. with --install: the example skills installed into the engine home
# Re-running it does only what changed.
# The engine's cache is the one the `skill` command uses: $SKILL_ENGINE_CACHE, else
# ~/.cache/skill-tui. start.sh, test.sh, screenshots.py and your own `skill` commands all
# share it, so none of them rebuilds what another built.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

INSTALL_EXAMPLES=0
for arg in "$@"; do
  case "$arg" in
    --install) INSTALL_EXAMPLES=1 ;;
    *) echo "usage: scripts/setup.sh [--install]" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ---- 1. system packages ---------------------------------------------------------------------
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need tmux tmux
need rsvg-convert librsvg2-bin
need gnome-keyring-daemon gnome-keyring
need dbus-run-session dbus
need node nodejs
need npm npm
need git git
need docker-registry docker-registry  # tests start their own OCI registry on 127.0.0.1
need htpasswd apache2-utils           # ... with htpasswd (bcrypt) auth
need minisign minisign                # tests check our signatures with the stock minisign CLI
if ((${#missing[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    say "installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "error: missing system packages: ${missing[*]}; install them with your package manager" >&2
    exit 1
  fi
fi

# ---- 2. Python virtualenv ------------------------------------------------------------------------
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "error: $PY is $("$PY" -V 2>&1); skill-tui needs Python 3.11 or newer (set PYTHON=...)" >&2; exit 1; }
[ -x .venv/bin/python ] || { say "creating .venv"; "$PY" -m venv .venv; }
stamp=.venv/.skill-tui-installed
want=$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing skill-tui and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  # A plain path entry in a .pth, no import hook: an editable finder module imported by
  # site at every start would slow `skill run` (README "Speed"). pyproject's package-dir
  # {"" = "."} gives exactly that in setuptools' default (lenient) mode; the 'compat'
  # mode used before gave the same .pth but prints a deprecation box and will go away.
  .venv/bin/python -m pip install -q -e '.[test]'
  echo "$want" > "$stamp"
fi

# Byte-compile the project as pip does for installed packages (an editable install does not):
# with PYTHONDONTWRITEBYTECODE set, every `skill` start would otherwise recompile the engine.
# (not the skill templates and the Python skill SDK: those become Python in a project or a component)
.venv/bin/python -m compileall -q -x 'engine/build/(templates|python)/' engine skill_tui

# ---- 3 + 4. JS toolchain and example skills -------------------------------------------------------
say "building the example skills (first time: npm toolchain + ~15 s per skill; cached afterwards)"
.venv/bin/python -m engine.build.examples

# ---- 5. install them -------------------------------------------------------------------------------
# Installing an example that is already installed from the same source is a no-op; one that
# cannot be installed (say, a different build of the same version) is reported in one line
# and the installed one stays: start.sh opens the app either way. They are the project's own
# examples, so what they ask for (network for a networked example) is accepted with --yes.
# The knowledge examples (code-review, commit-messages, release-notes: SKILL.md folders with
# references/ and assets/, nothing to build or run) are installed the same way.
if ((INSTALL_EXAMPLES)); then
  say "installing the example skills (first time: ~5 s compile each)"
  exec 3>&1
  for dir in examples/*/; do
    if ! err=$(.venv/bin/skill install --yes "$dir" 2>&1 >&3); then
      last=$(printf '%s\n' "$err" | grep -v '^ ' | tail -n 1 || true)
      echo "warning: ${dir%/} was not installed: ${last#error: }" >&2
    fi
  done
  exec 3>&-
fi
