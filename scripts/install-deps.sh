#!/usr/bin/env bash
# Installs the Debian 12 packages vtdsim needs, and only those that are missing.
# Idempotent and silent when everything is already there; called by `make run` and `make test`.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libsystemc-dev        # SystemC 2.3.4 + TLM-2.0 (platform, tlm layers)
  nlohmann-json3-dev    # configuration and statistics files
  libgtest-dev          # GoogleTest (static libraries and CMake package)
  python3
  qemu-system-x86       # the peer of the differential suite (testbench/differential) and the
                        # co-simulation with a real Linux guest (vtdsim cosim)
  valgrind              # callgrind instruction-count gate on speed (testbench/perf)
  python3-matplotlib    # PNG plots of sweeps, curves and studies (scripts/sweep_plot.py, traces/plot_curve.py)
  busybox-static        # co-simulation guest (scripts/cosim-guest.sh): the initramfs's shell and tools
  cpio                  # co-simulation guest: packs the initramfs
  kmod                  # co-simulation guest: depmod/modinfo for the Debian kernel's vfio modules
  libc6-dev             # co-simulation guest: static libc for gcc -static of the guest tool
  libelf1               # co-simulation guest: the kernel headers' objtool (vtdsim_ring.ko; make and
                        # gcc-12, the kernel's compiler, come with build-essential)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/vtdsim-apt.log 2>&1; then
  # The package index may be missing or stale on a fresh machine: refresh once and retry.
  "${sudo_cmd[@]}" apt-get update -q >>/tmp/vtdsim-apt.log 2>&1 || true
  if ! "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/vtdsim-apt.log 2>&1; then
    echo "install-deps: apt-get failed; see /tmp/vtdsim-apt.log" >&2
    tail -n 20 /tmp/vtdsim-apt.log >&2
    exit 1
  fi
fi
