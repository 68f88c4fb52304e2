# Runs the current stage of the scenario in /vm/scenario.sh. The stage comes
# from the kernel command line (vm.stage=NAME, "first" when absent): a
# scenario that kexecs or crashes passes vm.stage=... to the next kernel, and
# that kernel's init comes back here. The kernel ignores vm.stage= itself
# (a dotted unknown parameter is taken for a module option).
. /vm/vmlib.sh
VM_SCENARIO=$(cat /vm/scenario-name)
VM_STAGE=$(vm_cmdline_value vm.stage)
VM_STAGE=${VM_STAGE:-first}
VM_GUEST=$(cat /vm/guest-kind)
export VM_SCENARIO VM_STAGE VM_GUEST

. /vm/scenario.sh
vm_say "@@STAGE $VM_STAGE $VM_GUEST"
if ! command -v "stage_$VM_STAGE" >/dev/null 2>&1; then
    vm_fail "scenario has no stage_$VM_STAGE for this boot"
fi
"stage_$VM_STAGE"
status=$?
# A stage that hands over to another kernel (kexec, panic) never gets here;
# returning means it neither passed nor failed.
vm_fail "stage $VM_STAGE ended (status $status) without a verdict"
