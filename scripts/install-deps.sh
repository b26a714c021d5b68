#!/usr/bin/env bash
# Installs what the tests and the demo need and that a fresh machine lacks: Debian packages, the Node.js LTS of
# .node-version (scripts/install-node.sh), npm packages, the Go-built control plane (kube-apiserver, etcd) and the
# Go test oracles (test/oracles/build-oracles.sh); Node.js, the control plane and the oracles are cached outside the
# repository. Idempotent: a warm machine skips every step that is already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  redis-server          # BullMQ's Redis
  docker-registry       # the OCI registry (distribution)
  apache2-utils         # htpasswd for the registry's basic auth
  buildah               # image builds (chroot isolation)
  skopeo
  linux-headers-amd64   # real out-of-tree .ko builds; brings linux-kbuild (sign-file)
  kmod                  # modinfo
  openssl               # test keys and certificates
  make gcc
  busybox-static        # modprobe, sleep and sh in the module-loader test images
  chromium fonts-dejavu-core  # headless browser check of the fleet web page
  curl ca-certificates
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci runs on the LTS too, so engine checks see the Node that runs the code.
PATH="$(bash scripts/install-node.sh):$PATH"
echo "install-deps: Node.js $(node --version) in $(dirname "$(command -v node)")"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund
fi

# Each build is assigned first: a failing build inside "$(…)" in echo's arguments would not stop the script (set -e).
control_plane=$(bash test/env/build-binaries.sh)
echo "install-deps: control plane binaries in $control_plane"
olm_validate=$(bash test/olm-validate/build.sh)
echo "install-deps: OLM bundle validator at $olm_validate"
oracles=$(bash test/oracles/build-oracles.sh)
echo "install-deps: test oracles $(echo "$oracles" | tr '\n' ' ')"
promtool=$(bash test/env/build-promtool.sh)
echo "install-deps: promtool $promtool"
