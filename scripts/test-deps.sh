#!/usr/bin/env bash
# Installs what `make test` needs and the machine lacks: PostgreSQL's server
# binaries (unless $DATABASE_URL names a server), chromium for the browser
# tests, fonts-wqy-microhei so that Chinese pages render, python3 for the
# test of docs/design.md's hand check of a journal chain, and graphviz for the
# test of the state diagram (docs/state-machine.svg). As root it uses
# apt-get; otherwise it prints the exact command to run and fails.
set -euo pipefail

missing=()

have_postgres() {
  [ -n "${DATABASE_URL:-}" ] && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && return 0
  command -v initdb >/dev/null 2>&1
}

have_chromium() {
  [ -n "${CHROMIUM:-}" ] && [ -x "$CHROMIUM" ] && return 0
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]
}

have_cjk_font() {
  fc-list 2>/dev/null | grep -qi 'WenQuanYi Micro Hei' && return 0
  dpkg -s fonts-wqy-microhei >/dev/null 2>&1
}

have_postgres || missing+=(postgresql)
command -v python3 >/dev/null 2>&1 || missing+=(python3) # docs/design.md's hand check of a chain
have_chromium || missing+=(chromium)
have_cjk_font || missing+=(fonts-wqy-microhei)
command -v dot >/dev/null 2>&1 || missing+=(graphviz) # the state diagram's test (tools/statediagram)

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "make test needs: ${missing[*]}" >&2
  echo "run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing ${missing[*]} with apt-get" >&2
if [[ " ${missing[*]} " == *" postgresql "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  # The tests start their own throwaway clusters: no system cluster is wanted.
  mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
have_postgres || { echo "PostgreSQL's server binaries are still missing after apt-get" >&2; exit 1; }
have_chromium || { echo "chromium is still missing after apt-get" >&2; exit 1; }
command -v dot >/dev/null 2>&1 || { echo "graphviz's dot is still missing after apt-get" >&2; exit 1; }
