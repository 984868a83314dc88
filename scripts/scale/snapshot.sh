#!/usr/bin/env bash
# Copies the working tree into .cache/scale-app (node_modules hard-linked) and builds it there, so
# the scale harness and the security suite can run a production build while other people edit
# (or rebuild) the shared tree. Use: scripts/scale/snapshot.sh && BACKDROP_APP_DIR=.cache/scale-app npm run test:scale
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
dest="$root/.cache/scale-app"
mkdir -p "$dest"
# Everything but build output, data and dependencies (tar keeps modes; no rsync on Debian slim).
find "$dest" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
tar -C "$root" -cf - \
  --exclude=./node_modules --exclude=./.next --exclude=./.cache --exclude=./data --exclude=./test-results \
  --exclude=./playwright-report --exclude='./*.tmp.mts' --exclude=./.git . | tar -C "$dest" -xf -
if [ ! -d "$dest/node_modules" ]; then cp -al "$root/node_modules" "$dest/node_modules"; fi
cd "$dest"
rm -rf .next
node node_modules/next/dist/bin/next build
