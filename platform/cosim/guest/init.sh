#!/bin/sh
# /init of the vtdsim co-simulation guest (busybox sh; packed by scripts/cosim-guest.sh).
#
# Kernel command line:
#   vtdsim.args=a,b,c     run `/bin/vtdsim-guest a b c` (commas become spaces), report its exit
#                         status and power off. Without it: a shell on the console, for
#                         debugging; leaving the shell powers off.
#   vtdsim.kmod=a=1,b=2   instead of the tool: `modprobe vtdsim_ring a=1 b=2` (commas become
#                         spaces; the module, platform/cosim/guest/kmod/vtdsim_ring.c, drives the
#                         ring engine through the kernel's DMA API from its probe), then read
#                         /sys/module/vtdsim_ring/parameters/result and rmmod it (its remove()):
#                         result 0 and a clean rmmod give `VTDSIM-GUEST RESULT PASS`, else
#                         `VTDSIM-GUEST RESULT FAIL kmod result=N` (or `... rmmod status=N`,
#                         `... not loaded`). vtdsim.kmod wins over vtdsim.args when both
#                         are given (`vtdsim cosim` always adds vtdsim.args); an empty
#                         `vtdsim.kmod=` loads the module with its defaults. vfio is not loaded.
#   vtdsim.hugepages=N    write N to /proc/sys/vm/nr_hugepages first (the tool's --hugepages
#                         also reserves what it needs by itself, so this is optional)
#   vtdsim.timeout=S      watchdog: kill the tool after S seconds of wall time (default 3600);
#                         with vtdsim.kmod, power off after S seconds (a module cannot be killed)
#
# Console lines: `VTDSIM-INIT uptime=<s>` when /init starts, the tool's `VTDSIM-GUEST ...`
# lines (with vtdsim.kmod: `VTDSIM-GUEST start kmod <params> uptime=<s>`, the module's
# `VTDSIM-KMOD ...` kernel messages, and the RESULT line), then `VTDSIM-GUEST-EXIT status=<rc>`
# (with vtdsim.kmod: 0 on PASS, else 1). Whatever fails, /init ends in `poweroff -f`
# (and, should that return, a sysrq power-off), so with `-no-reboot` QEMU always exits.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Use the console for stdio even if the kernel could not open it before /init.
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1

# The leading newline keeps the marker at the start of a line even after firmware escapes.
printf '\nVTDSIM-INIT uptime=%s kernel=%s\n' "$(cut -d' ' -f1 /proc/uptime)" "$(uname -r)"

power_off() {
  sync
  poweroff -f
  echo o >/proc/sysrq-trigger
  sleep 10
  exit 1 # /init exiting panics the kernel; with panic=-1 and -no-reboot QEMU exits
}

args=""
have_args=0
hugepages=""
kmod=""
have_kmod=0
timeout=3600
# shellcheck disable=SC2013 # the command line is one line of words
for kv in $(cat /proc/cmdline); do
  case "$kv" in
    vtdsim.args=*) args=$(echo "${kv#vtdsim.args=}" | tr ',' ' '); have_args=1 ;;
    vtdsim.kmod=*) kmod=$(echo "${kv#vtdsim.kmod=}" | tr ',' ' '); have_kmod=1 ;;
    vtdsim.hugepages=*) hugepages=${kv#vtdsim.hugepages=} ;;
    vtdsim.timeout=*) timeout=${kv#vtdsim.timeout=} ;;
  esac
done

if [ "$have_kmod" = 1 ]; then
  [ "$have_args" = 1 ] && echo "VTDSIM-INIT vtdsim.kmod given: vtdsim.args ignored"
  echo "VTDSIM-GUEST start kmod $kmod uptime=$(cut -d' ' -f1 /proc/uptime)"
  # The module's bounded waits end any run in seconds; should it hang anyway, power off.
  ( sleep "$timeout"; echo "VTDSIM-INIT watchdog: modprobe vtdsim_ring still running after $timeout s, powering off"; power_off ) &
  watchdog=$!
  # Kernel messages reach the console as they are printed; quiet would hide them.
  echo 7 >/proc/sys/kernel/printk
  # shellcheck disable=SC2086 # the words of vtdsim.kmod are module parameters
  modprobe vtdsim_ring $kmod
  mrc=$?
  kill "$watchdog" 2>/dev/null
  p=/sys/module/vtdsim_ring/parameters
  if [ -r "$p/result" ]; then
    res=$(cat "$p/result")
    echo "VTDSIM-INIT kmod modprobe status=$mrc result=$res stale_write=$(cat "$p/stale_write")"
    # Unloading runs the driver's remove(): part of what is tested.
    rmmod vtdsim_ring
    rmrc=$?
    echo "VTDSIM-INIT kmod rmmod status=$rmrc"
    if [ "$res" != 0 ]; then echo "VTDSIM-GUEST RESULT FAIL kmod result=$res"; rc=1
    elif [ "$rmrc" != 0 ]; then echo "VTDSIM-GUEST RESULT FAIL kmod rmmod status=$rmrc"; rc=1
    else echo "VTDSIM-GUEST RESULT PASS"; rc=0; fi
  else
    echo "VTDSIM-GUEST RESULT FAIL kmod not loaded (modprobe status $mrc)"; rc=1
  fi
  echo "VTDSIM-GUEST-EXIT status=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
  power_off
fi

# vfio type1 refuses groups without interrupt remapping unless told otherwise; the
# co-simulated VT-d has none (intremap=off), and this guest runs nothing untrusted.
modprobe vfio_iommu_type1 allow_unsafe_interrupts=1 || echo "VTDSIM-INIT modprobe vfio_iommu_type1 failed"
modprobe vfio-pci || echo "VTDSIM-INIT modprobe vfio-pci failed"

if [ -n "$hugepages" ]; then
  echo "$hugepages" >/proc/sys/vm/nr_hugepages ||
    echo "VTDSIM-INIT cannot write $hugepages to /proc/sys/vm/nr_hugepages"
  echo "VTDSIM-INIT nr_hugepages=$(cat /proc/sys/vm/nr_hugepages)"
fi

if [ "$have_args" = 0 ]; then
  echo "VTDSIM-INIT no vtdsim.args= on the kernel command line: shell on the console (exit powers off)"
  setsid cttyhack sh
  power_off
fi

# Kernel messages (vfio-pci binding, ...) stay in dmesg but off the console while the tool
# runs: the serial console would interleave them with the tool's lines, which vtdsim reads.
echo 4 >/proc/sys/kernel/printk
# shellcheck disable=SC2086 # the words of vtdsim.args are meant to split
/bin/vtdsim-guest $args &
tool=$!
(
  sleep "$timeout"
  echo "VTDSIM-INIT watchdog: vtdsim-guest still running after $timeout s, killing it"
  kill -9 "$tool"
) &
watchdog=$!
wait "$tool"
rc=$?
kill "$watchdog" 2>/dev/null
echo "VTDSIM-GUEST-EXIT status=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
power_off
