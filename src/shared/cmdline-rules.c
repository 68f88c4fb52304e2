/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a reused command line loses or gains (cmdline_reuse()). One rule a
 * line, so that tests/integration/test_docs.py can hold this table and the
 * one in docs/configuration.md ("Crash kernel rules") equal. Learnt from
 * what distributions' kdump tools do, each rule kept only with a reason
 * that holds for kexecd's crash kernel. */
#include "cmdline.h"
#include "macro.h"

#define RULE(action, images, arches, arg, reason) \
        { CMDLINE_RULE_##action, CMDLINE_IMAGE_##images, CMDLINE_ARCH_##arches, arg, reason }

static const CmdlineRule rules[] = {
        RULE(DROP, BOTH, ALL, "BOOT_IMAGE", "the boot loader's note of the file it loaded, false for a kexec'd kernel"),
        RULE(DROP, BOTH, ALL, "initrd", "a boot loader or EFI stub file name (or an address of the old boot); kexecd passes the initrd itself"),
        RULE(DROP, KDUMP, ALL, "crashkernel", "a crash kernel must not reserve memory for another crash kernel"),
        RULE(DROP, KDUMP, ALL, "hugepages", "huge pages sized for the whole machine cannot come out of the reservation"),
        RULE(DROP, KDUMP, ALL, "hugepagesz", "goes with hugepages=, which is dropped"),
        RULE(DROP, KDUMP, ALL, "default_hugepagesz", "goes with hugepages=, which is dropped"),
        RULE(DROP, KDUMP, ALL, "cma", "a contiguous memory area sized for the whole machine cannot come out of the reservation"),
        RULE(DROP, KDUMP, ALL, "hugetlb_cma", "as cma=: a CMA area for huge pages does not fit the reservation"),
        RULE(DROP, KDUMP, ALL, "kexec_jump_back_entry", "the return address of a kexec jump into the first kernel, which a crash kernel never takes"),
        RULE(DROP, KDUMP, ALL, "mem", "the crash kernel's memory is the reservation wherever it lies; a limit meant for the first kernel can cut all of it off"),
        RULE(DROP, KDUMP, X86_64, "memmap", "may declare usable RAM outside the reservation, where the dead kernel's memory is"),
        RULE(DROP, KDUMP, ALL, "nr_cpus", "the CPU count of a crash kernel comes from ExtraCmdline= (one CPU is all the reservation feeds)"),
        RULE(DROP, KDUMP, ALL, "maxcpus", "as nr_cpus="),
        RULE(DROP, KDUMP, ALL, "quiet", "the console is the only place that shows why a dump failed"),
        RULE(DROP, KDUMP, ALL, "log_buf_len", "a log buffer sized for the first kernel (often megabytes) comes out of the reservation"),
        RULE(DROP, KDUMP, ALL, "slub_debug", "debug padding and tracking multiply slab memory the reservation does not have"),
        RULE(ADD, KDUMP, ALL, "numa=off", "per-node structures cost memory and a dump needs no locality"),
        RULE(ADD, KDUMP, ALL, "cgroup_disable=memory", "the memory controller's per-page accounting costs memory and a dump needs no limits"),
        RULE(ADD, KDUMP, ALL, "udev.children-max=2", "udev's default number of workers, each costing memory, is sized for a machine, not a reservation"),
        RULE(ADD, KDUMP, ALL, "panic=10", "a crash kernel that panics too reboots the machine after 10 s instead of hanging"),
        RULE(ADD, KDUMP, X86_64, "disable_cpu_apicid=0", "the crash kernel may run on an AP; waking the boot CPU (APIC ID 0) with INIT can reset the machine"),
        RULE(ADD, KDUMP, X86_64, "acpi_no_memhotplug", "ACPI memory hot-add would online memory outside the reservation, the dead kernel's"),
        RULE(ADD, KDUMP, AARCH64, "cma=0", "arm64 kernels are often built with a default CMA area (CONFIG_CMA_SIZE_MBYTES) the reservation cannot hold"),
};

const CmdlineRule *cmdline_rules(size_t *ret_n) {
        *ret_n = ELEMENTSOF(rules);
        return rules;
}
