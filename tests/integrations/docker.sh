#!/usr/bin/env bash
# The Docker image (Dockerfile: the static binary on `scratch`), end to end (called by .ci/run):
# build it, run it on the bad example mounted at /src (findings, exit 1). Skipped, saying so,
# where there is no Docker daemon to talk to.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
. "$root/tests/integrations/common.sh"
if ! command -v docker >/dev/null 2>&1; then
  echo "docker image: SKIPPED (no docker command)"
  exit 0
fi
if ! docker info >/dev/null 2>&1; then
  echo "docker image: SKIPPED (no Docker daemon: $(docker info 2>&1 | grep -i -m1 'cannot\|error' || true))"
  exit 0
fi
tag="stv2lint-test:$$"
trap 'docker image rm -f "$tag" >/dev/null 2>&1 || true' EXIT

echo "== docker build"
start=$(date +%s)
docker build --quiet -t "$tag" "$root"
echo "image built in $(( $(date +%s) - start )) s"

echo "== docker run on examples/broken-apim"
out="$(mktemp)"
expect_findings "$out" docker run --rm -v "$root/examples/broken-apim:/src:ro" "$tag" check . --format compact
rm -f "$out"
echo "docker image: ok"
