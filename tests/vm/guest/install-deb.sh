#!/bin/sh
# Run by kexecd-vm-deb.service: dpkg -i of the package the harness put in
# /vm, its output on the console and in /vm/dpkg-install.log, its exit
# status in /vm/dpkg-install.status (the scenario judges, this only reports).
dpkg -i /vm/kexecd.deb >/vm/dpkg-install.log 2>&1
status=$?
echo "$status" >/vm/dpkg-install.status
cat /vm/dpkg-install.log
echo "install-deb: dpkg -i /vm/kexecd.deb: exit status $status"
exit 0
