#!/usr/bin/env bash
# cosim-guest.sh: builds the Linux guest of `vtdsim cosim` (a Debian kernel plus a busybox
# initramfs that runs platform/cosim/guest/vtdsim_guest.c, and the kernel module
# platform/cosim/guest/kmod/vtdsim_ring.c built against the kernel's headers) from Debian packages.
#
# Everything generated lives in a cache outside the repository:
#   ${VTDSIM_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vtdsim/guest}
#     vmlinuz              the kernel of the package linux-image-amd64 depends on
#     initramfs.cpio.gz    /init (platform/cosim/guest/init.sh), busybox, /bin/vtdsim-guest,
#                          vfio_pci + vfio_iommu_type1 and the modules they depend on (uncompressed),
#                          /lib/modules/KVER/extra/vtdsim_ring.ko (init's vtdsim.kmod=...)
#     vtdsim_ring.ko       that module, built with linux-headers-KVER, -KVER's -common and
#                          linux-kbuild-X.Y (three .debs, about 14 MB, downloaded once into debs/).
#                          If they cannot be had, the image is built without the module (one
#                          line says so; the VFIO tool is unaffected) and the download is tried
#                          again when the apt package lists change.
#     kernel-version       e.g. 6.1.0-56-amd64
#
# Each part (kernel, guest tool, kernel module, initramfs) has a stamp of its inputs and is rebuilt only when
# one of them changed; the kernel and header .debs are downloaded once and kept. When everything is current
# the script prints nothing and exits 0 in well under a second.
#
#   scripts/cosim-guest.sh            build what is out of date; after a build print the paths
#   scripts/cosim-guest.sh --print    print the paths if the image is current, else exit 1
#   scripts/cosim-guest.sh --force    rebuild every part (still no new download)
#
# Paths are printed as shell assignments (eval-able):
#   VTDSIM_GUEST_KERNEL=...  VTDSIM_GUEST_INITRD=...  VTDSIM_GUEST_KVER=...
# Exit status: 0 ok, 1 build error or (--print) not current, 77 the kernel package cannot be
# obtained (no Debian mirror / package lists), so callers can skip instead of fail.
# Needs: apt-get, dpkg-deb, depmod/modinfo (kmod), busybox-static, cpio, gcc + libc6-dev, and for
# the module make, gcc-12 (the kernel's compiler) and libelf1 (the headers' objtool)
# (scripts/install-deps.sh installs them). Works as root and as an ordinary user.
set -euo pipefail

prog=cosim-guest
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${VTDSIM_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vtdsim/guest}

tool_src=$root/platform/cosim/guest/vtdsim_guest.c
init_src=$root/platform/cosim/guest/init.sh
abi_hdr=$root/platform/devices/ring_dma_abi.h
kmod_src=$root/platform/cosim/guest/kmod/vtdsim_ring.c
kmod_kbuild=$root/platform/cosim/guest/kmod/Kbuild
self=$root/scripts/cosim-guest.sh
busybox_bin=/bin/busybox
# Modules /init loads; the initramfs gets these and everything they depend on.
guest_modules=(vfio_pci vfio_iommu_type1)

mode=build
case "${1:-}" in
  "") ;;
  --print) mode=print ;;
  --force) mode=force ;;
  -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$self"; exit 0 ;;
  *) echo "$prog: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

say() { echo "$prog: $*" >&2; }
die() { echo "$prog: $*" >&2; exit 1; }
sha() { sha256sum "$@" | awk '{print $1}' | sha256sum | awk '{print $1}'; }
print_paths() {
  echo "VTDSIM_GUEST_KERNEL=$cache/vmlinuz"
  echo "VTDSIM_GUEST_INITRD=$cache/initramfs.cpio.gz"
  echo "VTDSIM_GUEST_KVER=$(cat "$cache/kernel-version")"
}
stamp_is() { [ -f "$cache/stamps/$1" ] && [ "$(cat "$cache/stamps/$1")" = "$2" ]; }
set_stamp() { mkdir -p "$cache/stamps"; printf '%s\n' "$2" >"$cache/stamps/$1.tmp"; mv "$cache/stamps/$1.tmp" "$cache/stamps/$1"; }

for f in "$tool_src" "$init_src" "$abi_hdr" "$kmod_src" "$kmod_kbuild"; do [ -f "$f" ] || die "missing $f"; done

# --- which kernel: the package linux-image-amd64 depends on, at the version it pins ----------
# apt-cache takes about a second here (Debian's images keep no pkgcache.bin), so its answer is
# remembered until the package lists change.
lists_key=$( (ls -l --time-style=+%s /var/lib/apt/lists/ /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true) | sha256sum | cut -c1-16)
kpkg="" kver_pkg=""
if [ -f "$cache/stamps/apt" ]; then read -r key kpkg kver_pkg <"$cache/stamps/apt" || true; fi
if [ "${key:-}" != "$lists_key" ] || [ -z "$kpkg" ] || [ -z "$kver_pkg" ]; then
  # "Depends: linux-image-6.1.0-56-amd64 (= 6.1.192-2)" of the candidate version
  read -r kpkg kver_pkg < <(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
    sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*\) (= \([^)]*\)).*/\1 \2/p' | head -n1) || true
  if [ -n "${kpkg:-}" ] && [ -n "${kver_pkg:-}" ]; then
    mkdir -p "$cache/stamps"; echo "$lists_key $kpkg $kver_pkg" >"$cache/stamps/apt"
  elif [ -f "$cache/stamps/kernel" ]; then
    # No package lists: keep using the kernel built before.
    read -r kpkg kver_pkg _ <"$cache/stamps/kernel"
  else
    echo "$prog: cannot tell which kernel linux-image-amd64 depends on (no apt package lists? try apt-get update)" >&2
    exit 77
  fi
fi

inputs_kernel="$kpkg $kver_pkg $(sha "$self")"
inputs_tool="$(sha "$tool_src" "$abi_hdr" "$self") $(gcc -dumpfullversion 2>/dev/null || echo nogcc)"
bb_sha=$( [ -x "$busybox_bin" ] && sha "$busybox_bin" || echo none)
inputs_kmod="$kpkg $kver_pkg $(sha "$kmod_src" "$kmod_kbuild" "$abi_hdr" "$self") $(gcc-12 -dumpfullversion 2>/dev/null || echo nogcc12)"

# The module is current when it was built from these inputs, or when the header packages could
# not be had with the package lists as they are now (a new `apt-get update` tries again).
kmod_current() {
  { stamp_is kmod "$inputs_kmod" && [ -f "$cache/vtdsim_ring.ko" ]; } ||
    stamp_is kmod "$inputs_kmod|none|$lists_key"
}
current() {
  stamp_is kernel "$inputs_kernel" && stamp_is tool "$inputs_tool" && kmod_current &&
    stamp_is initramfs "$(initramfs_inputs)" &&
    [ -f "$cache/vmlinuz" ] && [ -f "$cache/initramfs.cpio.gz" ] && [ -f "$cache/kernel-version" ]
}
initramfs_inputs() {
  local ko=none
  [ -f "$cache/vtdsim_ring.ko" ] && ko=$(sha "$cache/vtdsim_ring.ko")
  echo "$inputs_kernel|$inputs_tool|$(sha "$init_src")|$bb_sha|$ko"
}

if [ "$mode" = print ]; then
  if current; then print_paths; exit 0; fi
  echo "$prog: the guest image in $cache is missing or out of date; run scripts/cosim-guest.sh" >&2
  exit 1
fi
if [ "$mode" = build ] && current; then exit 0; fi

for t in dpkg-deb depmod modinfo cpio gzip gcc; do
  command -v "$t" >/dev/null 2>&1 || die "$t not found (run scripts/install-deps.sh)"
done
if ! "$busybox_bin" --list >/dev/null 2>&1; then
  die "$busybox_bin not found (package busybox-static; run scripts/install-deps.sh)"
fi
mkdir -p "$cache/debs" "$cache/stamps"
t0=$(date +%s.%N)

# --- 1. kernel: .deb (downloaded once) -> vmlinuz, kernel-version, module closure -----------
if [ "$mode" = force ] || ! stamp_is kernel "$inputs_kernel" || [ ! -f "$cache/vmlinuz" ]; then
  # apt names the file with ':' of an epoch as %3a; Debian kernels have no epoch.
  deb=$cache/debs/${kpkg}_${kver_pkg}_amd64.deb
  if [ ! -f "$deb" ]; then
    say "downloading $kpkg $kver_pkg"
    dl=$(mktemp -d "$cache/debs/dl.XXXXXX")
    if ! (cd "$dl" && apt-get download -q "$kpkg=$kver_pkg" >"$dl/log" 2>&1) ||
       ! ls "$dl"/"${kpkg}"_*.deb >/dev/null 2>&1; then
      rm -rf "$dl"
      echo "$prog: cannot download $kpkg (no Debian mirror reachable?)" >&2
      exit 77
    fi
    mv "$dl"/"${kpkg}"_*.deb "$deb"
    rm -rf "$dl"
    # A kernel the meta-package no longer depends on is not needed again.
    find "$cache/debs" -maxdepth 1 -name 'linux-image-*.deb' ! -name "$(basename "$deb")" -delete
  fi
  say "extracting $(basename "$deb")"
  kroot=$(mktemp -d "$cache/kroot.XXXXXX")
  trap 'rm -rf "$kroot"' EXIT
  dpkg-deb -x "$deb" "$kroot"
  kver=$(ls "$kroot/lib/modules")
  if [ -z "$kver" ] || [ ! -f "$kroot/boot/vmlinuz-$kver" ]; then die "$deb holds no kernel"; fi
  depmod -b "$kroot" "$kver"   # the .deb ships no modules.dep
  # Keep only the modules the initramfs needs (the whole tree is about 400 MB).
  mods=$cache/kernel-modules.new
  rm -rf "$mods"; mkdir -p "$mods/lib/modules/$kver"
  declare -A seen=()
  add_module() {
    local name=$1 file dep
    [ -n "${seen[$name]:-}" ] && return 0
    seen[$name]=1
    file=$(modinfo -b "$kroot" -k "$kver" -F filename "$name" 2>/dev/null) ||
      die "module $name not found in $kpkg"
    case "$file" in /*) ;; *) return 0 ;; esac   # "(builtin)"
    mkdir -p "$mods/$(dirname "${file#"$kroot"}")"
    cp "$file" "$mods/${file#"$kroot"}"
    for dep in $(modinfo -F depends "$file" | tr , ' '); do add_module "$dep"; done
  }
  for m in "${guest_modules[@]}"; do add_module "$m"; done
  cp "$kroot/lib/modules/$kver"/modules.{builtin,builtin.modinfo,order} "$mods/lib/modules/$kver/"
  depmod -b "$mods" "$kver"
  rm -rf "$cache/kernel-modules"; mv "$mods" "$cache/kernel-modules"
  cp "$kroot/boot/vmlinuz-$kver" "$cache/vmlinuz.new"; mv "$cache/vmlinuz.new" "$cache/vmlinuz"
  cp "$kroot/boot/config-$kver" "$cache/config"
  echo "$kver" >"$cache/kernel-version"
  rm -rf "$kroot"; trap - EXIT
  say "kernel $kver, modules: $(cd "$cache/kernel-modules" && find . -name '*.ko' -printf '%f ' | sed 's/\.ko//g')"
  set_stamp kernel "$inputs_kernel"
fi
kver=$(cat "$cache/kernel-version")

# --- 2. the guest tool, static ----------------------------------------------------------------
if [ "$mode" = force ] || ! stamp_is tool "$inputs_tool" || [ ! -x "$cache/vtdsim-guest" ]; then
  say "compiling vtdsim-guest"
  gcc -O2 -static -Wall -Wextra -I"$root" -o "$cache/vtdsim-guest.new" "$tool_src"
  mv "$cache/vtdsim-guest.new" "$cache/vtdsim-guest"
  set_stamp tool "$inputs_tool"
fi

# --- 3. the kernel module, against the kernel's own headers ----------------------------------
# linux-headers-KVER needs linux-headers-<abi>-common and linux-kbuild-<major.minor>, all three
# from the same source package (same version). Without them the image has no module.
kmod_skip() {
  rm -f "$cache/vtdsim_ring.ko"
  set_stamp kmod "$inputs_kmod|none|$lists_key"
  echo "$prog: building the image without vtdsim_ring.ko: $* (vtdsim.kmod= will fail; the VFIO tool is unaffected)" >&2
}
if [ "$mode" = force ] || ! kmod_current; then
  kbase=${kver%%-*}   # 6.1.0 of 6.1.0-56-amd64
  hpkgs=("linux-headers-$kver" "linux-headers-${kver%-*}-common" "linux-kbuild-${kbase%.*}")
  missing_debs=()
  for p in "${hpkgs[@]}"; do
    ls "$cache/debs/${p}_${kver_pkg}"_*.deb >/dev/null 2>&1 || missing_debs+=("$p=$kver_pkg")
  done
  if [ ${#missing_debs[@]} -gt 0 ]; then
    say "downloading ${hpkgs[*]} $kver_pkg"
    dl=$(mktemp -d "$cache/debs/dl.XXXXXX")
    if (cd "$dl" && apt-get download -q "${missing_debs[@]}" >"$dl/log" 2>&1); then
      mv "$dl"/*.deb "$cache/debs/"
      # Headers of a kernel the meta-package no longer depends on are not needed again.
      find "$cache/debs" -maxdepth 1 \( -name 'linux-headers-*.deb' -o -name 'linux-kbuild-*.deb' \) \
        ! -name "*_${kver_pkg}_*.deb" -delete
    fi
    rm -rf "$dl"
  fi
  have_debs=1
  for p in "${hpkgs[@]}"; do ls "$cache/debs/${p}_${kver_pkg}"_*.deb >/dev/null 2>&1 || have_debs=0; done
  if [ "$have_debs" = 0 ]; then
    kmod_skip "cannot download ${hpkgs[*]} $kver_pkg"
  elif ! command -v make >/dev/null 2>&1 || ! command -v gcc-12 >/dev/null 2>&1; then
    kmod_skip "make or gcc-12 not found (run scripts/install-deps.sh)"
  else
    say "compiling vtdsim_ring.ko against linux-headers-$kver"
    kb=$(mktemp -d "$cache/kmod.XXXXXX")
    trap 'rm -rf "$kb"' EXIT
    for p in "${hpkgs[@]}"; do dpkg-deb -x "$(ls "$cache/debs/${p}_${kver_pkg}"_*.deb)" "$kb/root"; done
    hdir=$kb/root/usr/src/linux-headers-$kver
    [ -f "$hdir/Makefile" ] || die "linux-headers-$kver has no $hdir/Makefile"
    # Its Makefile includes the -common tree by absolute path; point it into the extraction.
    sed -i "s#^include /usr/src/#include $kb/root/usr/src/#" "$hdir/Makefile"
    mkdir "$kb/src"
    cp "$kmod_src" "$kmod_kbuild" "$abi_hdr" "$kb/src/"
    if ! make -C "$hdir" M="$kb/src" modules >"$kb/log" 2>&1 || [ ! -f "$kb/src/vtdsim_ring.ko" ]; then
      cat "$kb/log" >&2
      die "building vtdsim_ring.ko failed"
    fi
    if grep -q 'warning:' "$kb/log"; then grep 'warning:' "$kb/log" >&2; fi
    cp "$kb/src/vtdsim_ring.ko" "$cache/vtdsim_ring.ko.new"
    mv "$cache/vtdsim_ring.ko.new" "$cache/vtdsim_ring.ko"
    rm -rf "$kb"; trap - EXIT
    set_stamp kmod "$inputs_kmod"
  fi
fi

# --- 4. initramfs -------------------------------------------------------------------------------
if [ "$mode" = force ] || ! stamp_is initramfs "$(initramfs_inputs)" || [ ! -f "$cache/initramfs.cpio.gz" ]; then
  say "packing initramfs"
  ir=$(mktemp -d "$cache/initramfs.XXXXXX")
  trap 'rm -rf "$ir"' EXIT
  # busybox and its applet links (hundreds of ln forks, so kept per busybox build)
  if ! stamp_is busybox "$bb_sha" || [ ! -x "$cache/busybox-root/bin/busybox" ]; then
    rm -rf "$cache/busybox-root"
    mkdir -p "$cache/busybox-root"/{bin,sbin,usr/bin,usr/sbin}
    cp "$busybox_bin" "$cache/busybox-root/bin/busybox"
    # Where busybox says each applet belongs; never a link over the busybox binary itself.
    for a in $("$busybox_bin" --list-full); do
      [ "$a" = bin/busybox ] || [ -e "$cache/busybox-root/$a" ] || ln -s /bin/busybox "$cache/busybox-root/$a"
    done
    set_stamp busybox "$bb_sha"
  fi
  cp -a "$cache/busybox-root/." "$ir/"
  mkdir -p "$ir"/{dev,proc,sys,tmp,etc,lib}
  cp "$cache/vtdsim-guest" "$ir/bin/vtdsim-guest"
  cp "$init_src" "$ir/init"
  chmod 755 "$ir/init" "$ir/bin/vtdsim-guest"
  cp -a "$cache/kernel-modules/lib/modules" "$ir/lib/"
  if [ -f "$cache/vtdsim_ring.ko" ]; then
    mkdir -p "$ir/lib/modules/$kver/extra"
    cp "$cache/vtdsim_ring.ko" "$ir/lib/modules/$kver/extra/"
    depmod -b "$ir" "$kver"   # so that modprobe vtdsim_ring finds it
  fi
  # Owned by root inside the guest, whoever builds it.
  (cd "$ir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
    gzip -6 >"$cache/initramfs.cpio.gz.new"
  mv "$cache/initramfs.cpio.gz.new" "$cache/initramfs.cpio.gz"
  rm -rf "$ir"; trap - EXIT
  set_stamp initramfs "$(initramfs_inputs)"
fi

say "guest image ready ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s): kernel $kver, initramfs $(du -k "$cache/initramfs.cpio.gz" | cut -f1) KiB"
print_paths
