#!/usr/bin/env bash
# Fresh-clone check: does `npm ci && npm test` pass on a machine that has nothing but Node.js?
#
# Clones this repository's committed HEAD (not the uncommitted edits) into a new `mktemp -d` folder
# and runs `npm ci --no-audit --no-fund && npm test` there, with CI=true and a PATH of only the
# node binary's folder, /usr/bin and /bin. It refuses to start when a Chromium or Chrome is on that
# PATH, so a green run shows that the browser tests use the Chromium that npm ci brings
# (@sparticuz/chromium) and no system browser. DATABASE_URL is dropped: the tests start their own
# embedded PostgreSQL, as on a new machine. npm's own configuration (registry, cache, CA certificates)
# is kept.
#
#   scripts/fresh-clone-check.sh            # the folder is removed at the end
#   KEEP=1 scripts/fresh-clone-check.sh     # the folder stays, for a look after a failure
#
# It takes several minutes (the install, then the whole suite) and exits with the first failure.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
head="$(git -C "$repo" rev-parse HEAD)"
if [ -n "$(git -C "$repo" status --porcelain)" ]; then
  echo "Note: uncommitted changes in $repo are not part of this check; it tests $head." >&2
fi

node_dir="$(dirname "$(command -v node)")"
clean_path="$node_dir:/usr/bin:/bin"
for browser in chromium chromium-browser google-chrome google-chrome-stable chrome; do
  if found="$(PATH="$clean_path" command -v "$browser")"; then
    echo "A browser is on the PATH this check uses ($found): it could not show that npm ci brings the tests' browser." >&2
    exit 2
  fi
done

work="$(mktemp -d)"
if [ "${KEEP:-}" = 1 ]; then
  trap 'echo "The clone stays in $work."' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi

echo "--- clone $head into $work"
git clone --quiet --no-checkout "$repo" "$work"
git -C "$work" checkout --quiet --detach "$head"

cd "$work"
run() {
  echo "--- $*"
  env -u DATABASE_URL -u NODE_OPTIONS PATH="$clean_path" CI=true "$@"
}
start=$SECONDS
run npm ci --no-audit --no-fund
echo "(install: $((SECONDS - start)) s)"
start=$SECONDS
run npm test
echo "(tests: $((SECONDS - start)) s)"
echo "--- fresh clone of $head: npm ci && npm test passed with no system Chromium"
