#!/bin/sh
# Remote use (scenarios with vm-ssh): the virtio NIC on QEMU's user network
# (10.0.2.15/24, gateway 10.0.2.2; the runner forwards a host port to our
# port 22) and sshd with a host key made now, so no key is ever cached.
# No modules.dep in this guest: two passes load every module whose
# dependencies came later in the list; "File exists" is fine.
for pass in 1 2; do
    for m in failover net_failover virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
             virtio_pci virtio_net; do
        out=$(insmod "/vm/modules/$m.ko" 2>&1) || case $out in
            *"File exists"*) ;;
            *) [ $pass = 2 ] && echo "ssh-setup: insmod $m: $out" >&2 ;;
        esac
    done
done
# The one NIC: whatever udev named it (ens3, eth0...).
dev='' i=0
while [ -z "$dev" ] && [ $i -lt 100 ]; do
    for d in /sys/class/net/*; do
        [ -e "$d/device" ] && dev=${d##*/}
    done
    [ -n "$dev" ] || { sleep 0.1; i=$((i + 1)); }
done
[ -n "$dev" ] || { echo "ssh-setup: no network interface appeared" >&2; exit 1; }
ip link set lo up &&
ip link set "$dev" up &&
ip addr add 10.0.2.15/24 dev "$dev" &&
ip route add default via 10.0.2.2 || { echo "ssh-setup: configuring $dev failed" >&2; exit 1; }
# Ed25519 only: RSA key generation is slow under TCG.
ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key || exit 1
systemctl start ssh.service || { systemctl status --no-pager ssh.service >&2; exit 1; }
i=0
until ss -Hltn 'sport = :22' | grep -q .; do
    [ $i -lt 100 ] || { echo "ssh-setup: sshd does not listen on port 22" >&2; exit 1; }
    sleep 0.1; i=$((i + 1))
done
echo "ssh-setup: $dev 10.0.2.15/24, sshd listening ($(ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2))"
