#!/usr/bin/env bash
# Set up podman on a machine without a Docker engine or Docker Hub access, and
# build a local stand-in for python:3.12-slim to build testguard's Dockerfile on.
#
#   eval "$(scripts/podman-base-image.sh)"     # prints the settings, builds the base once
#   podman build --pull=never --build-arg PYTHON_IMAGE="$TESTGUARD_BASE_IMAGE" -t testguard .
#
# Needs: podman, runc, debootstrap (apt-get install -y podman buildah runc debootstrap),
# root, and network to the Debian mirror. Everything lives under
# $TESTGUARD_PODMAN_HOME (default ~/.cache/testguard-podman), so the base image
# (about a minute to build) is built once per machine.
set -euo pipefail

home="${TESTGUARD_PODMAN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/testguard-podman}"
name="${TESTGUARD_BASE_IMAGE:-localhost/testguard-base:bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
mkdir -p "$home/storage" "$home/run" "$home/tmp"

for tool in podman runc debootstrap; do
  if ! command -v "$tool" >/dev/null; then
    echo "podman-base-image: $tool is missing (apt-get install -y podman buildah runc debootstrap)" >&2
    exit 3
  fi
done

# The sandbox forbids raising rlimits, so containers get exactly the hard limits
# we have; crun refuses this cgroup layout, runc with cgroupfs works.
nofile="$(ulimit -Hn)"
nproc="$(ulimit -Hu)"
if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
cat >"$home/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat >"$home/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$home/storage"
runroot = "$home/run"
EOF
export CONTAINERS_CONF="$home/containers.conf"
export CONTAINERS_STORAGE_CONF="$home/storage.conf"
export TMPDIR="$home/tmp"

if ! podman image exists "$name"; then
  rootfs="$home/rootfs"
  rm -rf "$rootfs"
  echo "podman-base-image: debootstrap bookworm into $rootfs" >&2
  debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
    bookworm "$rootfs" "$mirror" >"$home/debootstrap.log" 2>&1 || {
    tail -n 20 "$home/debootstrap.log" >&2
    exit 1
  }
  # This network reaches HTTPS through a proxy with its own CA: hand the host's
  # bundle to the stand-in so that pip inside `podman build` can reach PyPI.
  # The Dockerfile itself stays clean.
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  fi
  cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/" 2>/dev/null || true
  rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*
  tar -C "$rootfs" -c . | podman import \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["python3"]' \
    - "$name" >/dev/null
  rm -rf "$rootfs"
  echo "podman-base-image: built $name" >&2
fi

printf 'export CONTAINERS_CONF=%q\n' "$CONTAINERS_CONF"
printf 'export CONTAINERS_STORAGE_CONF=%q\n' "$CONTAINERS_STORAGE_CONF"
printf 'export TMPDIR=%q\n' "$TMPDIR"
printf 'export TESTGUARD_BASE_IMAGE=%q\n' "$name"
