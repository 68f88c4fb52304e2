/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cmdline.h"
#include "macro.h"
#include "test-util.h"

TEST(test_validate) {
        char buf[KEXECD_CMDLINE_MAX + 2];
        ASSERT_EQ(cmdline_validate(""), 0);
        ASSERT_EQ(cmdline_validate("root=/dev/vda ro"), 0);
        ASSERT_EQ(cmdline_validate("a\nb"), -EILSEQ);
        ASSERT_EQ(cmdline_validate("a\tb"), -EILSEQ);
        ASSERT_EQ(cmdline_validate("a\x7f"), -EILSEQ);
        memset(buf, 'x', KEXECD_CMDLINE_MAX);
        buf[KEXECD_CMDLINE_MAX] = 0;
        ASSERT_EQ(cmdline_validate(buf), 0); /* exactly the limit */
        buf[KEXECD_CMDLINE_MAX] = 'x';
        buf[KEXECD_CMDLINE_MAX + 1] = 0;
        ASSERT_EQ(cmdline_validate(buf), -E2BIG);
}

TEST(test_split_quotes) {
        _cleanup_strv_free_ char **l = NULL;
        ASSERT_EQ(cmdline_split("  a b=\"c d\"  e ", &l), 0);
        ASSERT_EQ(strv_length(l), 3);
        ASSERT_STREQ(l[0], "a");
        ASSERT_STREQ(l[1], "b=\"c d\"");
        ASSERT_STREQ(l[2], "e");
}

/* Whether `line` has an argument with `key` (the part before '='), or
 * exactly `arg` when it has a value. */
static bool line_has(const char *line, const char *arg) {
        _cleanup_strv_free_ char **l = NULL;
        const char *eq = strchr(arg, '=');
        size_t k = eq ? (size_t) (eq - arg) : strlen(arg);
        ASSERT_EQ(cmdline_split(line, &l), 0);
        for (char **a = l; *a; a++)
                if (strncmp(*a, arg, k) == 0 && ((*a)[k] == '=' || (*a)[k] == 0) && (!eq || streq(*a, arg)))
                        return true;
        return false;
}

static bool line_has_exact(const char *line, const char *arg) {
        _cleanup_strv_free_ char **l = NULL;
        ASSERT_EQ(cmdline_split(line, &l), 0);
        for (char **a = l; *a; a++)
                if (streq(*a, arg))
                        return true;
        return false;
}

static char *reuse(const char *running, bool kdump, CmdlineArch arch, const char *extra, const char *append) {
        char *s = NULL;
        ASSERT_EQ(cmdline_reuse(running, kdump, arch, extra, append, &s), 0);
        return s;
}

TEST(test_reuse_kexec) {
        _cleanup_free_ char *s = reuse("BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro crashkernel=256M quiet hugepages=64 "
                                       "initrd=\\EFI\\debian\\initrd.img cma=64M",
                                       false, CMDLINE_ARCH_X86_64, KEXECD_KDUMP_EXTRA_DEFAULT, NULL);
        /* The next kernel keeps its crash reservation and its huge pages;
         * only the boot loader's notes go. */
        ASSERT_STREQ(s, "root=/dev/vda1 ro crashkernel=256M quiet hugepages=64 cma=64M");
}

TEST(test_reuse_kdump_x86_64) {
        _cleanup_free_ char *s = reuse("BOOT_IMAGE=/vmlinuz root=/dev/vda1 nr_cpus=8 crashkernel=384M quiet "
                                       "hugepagesz=1G hugepages=4 default_hugepagesz=1G cma=64M hugetlb_cma=2G "
                                       "mem=4G memmap=64M$0x100000000 maxcpus=4 log_buf_len=16M slub_debug=FZ "
                                       "kexec_jump_back_entry=0x1000 initrd=/initrd.img panic=0 console=ttyS0",
                                       true, CMDLINE_ARCH_X86_64, KEXECD_KDUMP_EXTRA_DEFAULT, NULL);
        ASSERT_STREQ(s, "root=/dev/vda1 console=ttyS0 numa=off cgroup_disable=memory udev.children-max=2 panic=10 "
                        "disable_cpu_apicid=0 acpi_no_memhotplug irqpoll nr_cpus=1 reset_devices");
}

TEST(test_reuse_kdump_aarch64) {
        _cleanup_free_ char *s = reuse("root=/dev/vda2 crashkernel=512M cma=64M hugepages=64 memmap=1G quiet",
                                       true, CMDLINE_ARCH_AARCH64, KEXECD_KDUMP_EXTRA_DEFAULT, NULL);
        /* memmap= is x86's; arm64 gains cma=0 against a built-in CMA size,
         * and no x86-only argument. */
        ASSERT_STREQ(s, "root=/dev/vda2 memmap=1G numa=off cgroup_disable=memory udev.children-max=2 panic=10 "
                        "cma=0 irqpoll nr_cpus=1 reset_devices");
}

TEST(test_reuse_kdump_unknown_arch) {
        _cleanup_free_ char *s = reuse("root=/dev/vda1 memmap=1G", true, CMDLINE_ARCH_UNKNOWN, "", NULL);
        /* Only the rules that hold everywhere. */
        ASSERT_STREQ(s, "root=/dev/vda1 memmap=1G numa=off cgroup_disable=memory udev.children-max=2 panic=10");
}

static bool added_on(const char *key, bool kdump, CmdlineArch arch) {
        size_t n, k = strlen(key);
        const CmdlineRule *rules = cmdline_rules(&n);
        for (size_t i = 0; i < n; i++)
                if (rules[i].action == CMDLINE_RULE_ADD && (rules[i].images & (kdump ? CMDLINE_IMAGE_KDUMP : CMDLINE_IMAGE_KEXEC)) &&
                    (rules[i].arches == CMDLINE_ARCH_ALL || (rules[i].arches & arch)) &&
                    strncmp(rules[i].arg, key, k) == 0 && (rules[i].arg[k] == '=' || rules[i].arg[k] == 0))
                        return true;
        return false;
}

/* Every rule of the table, one by one: a DROP removes its key on the
 * architectures and images it is for and nowhere else; an ADD appears
 * there only, replaces the running value, and yields to ExtraCmdline= and
 * Append=. */
TEST(test_every_rule) {
        static const CmdlineArch arches[] = { CMDLINE_ARCH_UNKNOWN, CMDLINE_ARCH_X86_64, CMDLINE_ARCH_AARCH64 };
        size_t n;
        const CmdlineRule *rules = cmdline_rules(&n);

        ASSERT_TRUE(n >= 20);
        for (size_t k = 0; k < n; k++) {
                const CmdlineRule *rule = &rules[k];
                const char *eq = strchr(rule->arg, '=');
                _cleanup_free_ char *key = eq ? strndup(rule->arg, eq - rule->arg) : strdup(rule->arg);
                _cleanup_free_ char *running = NULL, *user = NULL;
                ASSERT_TRUE(key);
                ASSERT_TRUE(!isempty(rule->reason) && !strchr(rule->reason, '|') && !strchr(rule->reason, '\n'));
                ASSERT_TRUE(asprintf(&running, "root=/dev/vda1 %s=running-value", key) > 0);
                ASSERT_TRUE(asprintf(&user, "%s=user-value", key) > 0);

                for (size_t ai = 0; ai < ELEMENTSOF(arches); ai++)
                        for (int kdump = 0; kdump <= 1; kdump++) {
                                CmdlineArch arch = arches[ai];
                                bool image = rule->images & (kdump ? CMDLINE_IMAGE_KDUMP : CMDLINE_IMAGE_KEXEC);
                                bool applies = image && (rule->arches == CMDLINE_ARCH_ALL || (rule->arches & arch));
                                _cleanup_free_ char *s = reuse(running, kdump, arch, "", NULL);
                                char *running_arg = strchr(running, ' ') + 1;

                                if (rule->action == CMDLINE_RULE_DROP) {
                                        /* Kept where it does not apply, unless an addition
                                         * for that arch sets the same key (cma=0 on arm64). */
                                        if (!line_has(s, running_arg) != (applies || added_on(key, kdump, arch)))
                                                fprintf(stderr, "rule %s, arch %d, kdump %d: \"%s\"\n", rule->arg, arch, kdump, s);
                                        ASSERT_EQ(!line_has(s, running_arg), applies || added_on(key, kdump, arch));
                                        continue;
                                }
                                ASSERT_EQ(line_has_exact(s, rule->arg), applies);
                                /* The running value of an added key never survives next to it. */
                                if (applies) {
                                        ASSERT_TRUE(!line_has(s, running_arg));
                                        _cleanup_free_ char *e = reuse(running, kdump, arch, user, NULL);
                                        _cleanup_free_ char *a = reuse(running, kdump, arch, "", user);
                                        ASSERT_TRUE(!line_has_exact(e, rule->arg) && line_has_exact(e, user));
                                        ASSERT_TRUE(!line_has_exact(a, rule->arg) && line_has_exact(a, user));
                                }
                        }
        }
}

TEST(test_reuse_kdump) {
        _cleanup_free_ char *s = reuse("BOOT_IMAGE=/vmlinuz root=/dev/vda1 nr_cpus=8 crashkernel=384M quiet", true,
                                       CMDLINE_ARCH_UNKNOWN, KEXECD_KDUMP_EXTRA_DEFAULT, NULL);
        /* crashkernel= and quiet dropped, nr_cpus replaced by the extras' value. */
        ASSERT_STREQ(s, "root=/dev/vda1 numa=off cgroup_disable=memory udev.children-max=2 panic=10 "
                        "irqpoll nr_cpus=1 reset_devices");
}

TEST(test_reuse_kdump_custom_extra_and_append) {
        _cleanup_free_ char *s = reuse("root=/dev/sda crashkernel=1G,high crashkernel=128M,low nr_cpus=4", true,
                                       CMDLINE_ARCH_X86_64, "maxcpus=1 quiet panic=30",
                                       "console=ttyS0 marker=\"x y\" numa=on hugepages=2");
        /* The user's extras and appended arguments win: their quiet,
         * panic=30 and numa=on stay, the rules' panic=10 and numa=off go;
         * an appended hugepages= is the user's choice. */
        ASSERT_STREQ(s, "root=/dev/sda cgroup_disable=memory udev.children-max=2 disable_cpu_apicid=0 acpi_no_memhotplug "
                        "maxcpus=1 quiet panic=30 console=ttyS0 marker=\"x y\" numa=on hugepages=2");
}

TEST(test_reuse_dash_is_underscore) {
        _cleanup_free_ char *s = reuse("root=/dev/vda1 nr-cpus=8 default-hugepagesz=1G udev.children_max=16 log-buf-len=1M",
                                       true, CMDLINE_ARCH_UNKNOWN, "nr_cpus=1", NULL);
        ASSERT_STREQ(s, "root=/dev/vda1 numa=off cgroup_disable=memory udev.children-max=2 panic=10 nr_cpus=1");
}

TEST(test_arch_from_format) {
        ASSERT_EQ(cmdline_arch_from_kernel_format("bzImage"), CMDLINE_ARCH_X86_64);
        ASSERT_EQ(cmdline_arch_from_kernel_format("arm64-Image"), CMDLINE_ARCH_AARCH64);
        ASSERT_EQ(cmdline_arch_from_kernel_format("pe"), CMDLINE_ARCH_UNKNOWN);
        ASSERT_EQ(cmdline_arch_from_kernel_format(NULL), CMDLINE_ARCH_UNKNOWN);
}

TEST(test_reuse_empty) {
        _cleanup_free_ char *s = reuse("", false, CMDLINE_ARCH_UNKNOWN, NULL, NULL);
        ASSERT_STREQ(s, "");
}

int main(void) {
        RUN(test_validate);
        RUN(test_split_quotes);
        RUN(test_reuse_kexec);
        RUN(test_reuse_kdump_x86_64);
        RUN(test_reuse_kdump_aarch64);
        RUN(test_reuse_kdump_unknown_arch);
        RUN(test_every_rule);
        RUN(test_reuse_kdump);
        RUN(test_reuse_kdump_custom_extra_and_append);
        RUN(test_reuse_dash_is_underscore);
        RUN(test_arch_from_format);
        RUN(test_reuse_empty);
        return test_finish("test-cmdline");
}
