# Shared by scripts/setup-and-run and scripts/test: install what casebook needs.

ensure_venv() {  # $1: extras, e.g. "[dev]"
  local extras="$1"
  local stamp=".venv/.installed${extras}"
  if [ ! -x .venv/bin/python ]; then
    echo "== creating .venv"
    python3 -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "== installing casebook${extras} and its pinned dependencies"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".${extras}"
    touch "$stamp"
  fi
}

have_postgres() {
  command -v pg_ctl >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null
}

apt_install() {  # $1: Debian package, $2: what it is for
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing $1 (Debian package) for $2"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "$1" >/dev/null
  else
    echo "$1 is not installed and this is not root: install the '$1' package" >&2
    return 1
  fi
}

ensure_postgres() {
  have_postgres && return 0
  apt_install postgresql "the store tests"
}

ensure_chromium() {  # the browser the end-to-end tests drive (never `playwright install`)
  [ -x /usr/bin/chromium ] && return 0
  apt_install chromium "the web end-to-end tests"
}
