#!/usr/bin/env bash
# Unpack pinned front-end files from the npm registry into the (git-ignored) static vendor folder.
set -euo pipefail
dest=$1 echarts_version=$2
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  else
    echo "npm is missing: install Node.js/npm (apt-get install npm); pages will show tables without charts" >&2
    exit 0
  fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "echarts@${echarts_version}" >/dev/null)
tar -xzf "$work"/echarts-*.tgz -C "$work" package/dist/echarts.min.js package/LICENSE
mkdir -p "$dest"
cp "$work/package/dist/echarts.min.js" "$dest/echarts.min.js"
cp "$work/package/LICENSE" "$dest/echarts.LICENSE"
echo "vendored echarts ${echarts_version} into ${dest}"
