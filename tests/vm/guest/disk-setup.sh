#!/bin/sh
# Loads the disk's drivers, formats the disk on the first boot only, mounts
# it at /var/lib/kexecd (kexecd.service's StateDirectory).
# No modules.dep in this guest: two passes load every module whose
# dependencies came later in the list; "File exists" is fine. No
# /vm/modules: the kernel has the drivers built in (build-kernel-x86).
if [ -d /vm/modules ]; then
    for pass in 1 2; do
        for m in crc16 crc32c_generic libcrc32c mbcache jbd2 ext4 virtio_ring virtio virtio_pci_legacy_dev \
                 virtio_pci_modern_dev virtio_pci virtio_blk; do
            out=$(insmod "/vm/modules/$m.ko" 2>&1) || case $out in
                *"File exists"*) ;;
                *) [ $pass = 2 ] && echo "disk-setup: insmod $m: $out" >&2 ;;
            esac
        done
    done
fi
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || { echo "disk-setup: no /dev/vda" >&2; exit 1; }
if ! blkid /dev/vda >/dev/null 2>&1; then
    mkfs.ext4 -q -F -L kexecd-state /dev/vda || exit 1
    echo "disk-setup: formatted /dev/vda"
fi
mkdir -p /var/lib/kexecd
mount -t ext4 /dev/vda /var/lib/kexecd || exit 1
echo "disk-setup: /var/lib/kexecd on /dev/vda ($(ls /var/lib/kexecd | wc -l) entries)"
