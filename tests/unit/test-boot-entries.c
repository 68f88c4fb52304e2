/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Boot entry discovery (src/boot/) on fixture trees built here: each test
 * makes a fresh root that plays "/" as the fake backend would. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "boot-entries.h"
#include "boot-path.h"
#include "macro.h"
#include "test-util.h"

static char *root;

static void new_root(void) {
        root = test_tmpdir();
}

static void w(const char *rel, const char *text) {
        test_write(root, rel, text);
}

static void ln(const char *target, const char *rel) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", root, rel);
        ASSERT_EQ(symlink(target, path), 0);
}

/* An EFI variable as efivarfs shows it: attributes, then UTF-16LE. */
static void efivar(const char *name, const char *value) {
        char path[4096], rel[512];
        snprintf(rel, sizeof(rel), "sys/firmware/efi/efivars/%s-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f", name);
        w(rel, "");
        snprintf(path, sizeof(path), "%s/%s", root, rel);
        FILE *f = fopen(path, "we");
        ASSERT_TRUE(f);
        fwrite("\x07\0\0\0", 1, 4, f);
        for (const char *s = value; ; s++) {
                fputc(*s, f);
                fputc(0, f);
                if (!*s)
                        break;
        }
        ASSERT_EQ(fclose(f), 0);
}

static const char *path_in_root(const char *rel) {
        static char buf[4096];
        snprintf(buf, sizeof(buf), "%s%s", root, rel);
        return buf;
}

static const BootEntry *find(const BootEntries *e, const char *id) {
        const BootEntry *x = boot_entries_find(e, id);
        if (!x)
                fprintf(stderr, "no entry '%s'\n", id);
        ASSERT_TRUE(x);
        return x;
}

static bool skipped_with(const BootEntries *e, const char *path_part, const char *reason_part) {
        for (size_t i = 0; i < e->n_skipped; i++)
                if (strstr(e->skipped[i].path, path_part) && strstr(e->skipped[i].reason, reason_part))
                        return true;
        for (size_t i = 0; i < e->n_skipped; i++)
                fprintf(stderr, "  skipped %s: %s\n", e->skipped[i].path, e->skipped[i].reason);
        return false;
}

TEST(test_version_compare) {
        ASSERT_TRUE(boot_version_compare("6.10.0", "6.9.0") > 0);
        ASSERT_TRUE(boot_version_compare("6.1.0-13-amd64", "6.1.0-9-amd64") > 0);
        ASSERT_TRUE(boot_version_compare("6.1", "6.1.0") < 0);
        ASSERT_TRUE(boot_version_compare("6.1~rc1", "6.1") < 0);
        ASSERT_TRUE(boot_version_compare("6.1.0-rc1", "6.1.0") > 0); /* no '~': a longer version */
        ASSERT_TRUE(boot_version_compare("1.02", "1.2") == 0);
        ASSERT_TRUE(boot_version_compare("1a", "1b") < 0);
        ASSERT_TRUE(boot_version_compare("1a", "11") < 0);
        ASSERT_TRUE(boot_version_compare(NULL, "1") < 0);
        ASSERT_TRUE(boot_version_compare("5", "5") == 0);
}

TEST(test_type1_entries_and_order) {
        BootEntries e = {};
        new_root();
        w("boot/vmlinuz-6.1.0-9", "k9");
        w("boot/vmlinuz-6.1.0-13", "k13");
        w("boot/initrd-6.1.0-13", "i13");
        w("boot/ucode.img", "u");
        w("boot/loader/entries/debian-6.1.0-9.conf",
          "title Debian\nversion 6.1.0-9\nlinux /vmlinuz-6.1.0-9\n");
        w("boot/loader/entries/debian-6.1.0-13.conf",
          "# comment\n\ntitle   Debian GNU/Linux\nversion 6.1.0-13\nmachine-id abc\n"
          "linux /vmlinuz-6.1.0-13\ninitrd /ucode.img\ninitrd /initrd-6.1.0-13\n"
          "options root=/dev/vda1 ro\noptions quiet\narchitecture " 
#if defined(__x86_64__)
          "x64"
#else
          "aa64"
#endif
          "\n");
        /* sort-key entries come first, whatever their ids */
        w("boot/loader/entries/zzz.conf", "title Z\nsort-key a\nversion 1\nlinux /vmlinuz-6.1.0-9\n");
        w("boot/loader/entries/yyy.conf", "title Y\nsort-key a\nversion 2\nlinux /vmlinuz-6.1.0-9\n");
        w("boot/loader/entries/other-arch.conf", "linux /vmlinuz-6.1.0-9\narchitecture riscv64\n");
        /* boot counter ran out: sorted last, the id drops the counter */
        w("boot/loader/entries/aaa-9.9+0-3.conf", "linux /vmlinuz-6.1.0-9\n");
        ASSERT_EQ(boot_entries_discover(root, &e), 0);

        ASSERT_EQ(e.n, 5 + 2); /* 5 entries + 2 installed kernels */
        ASSERT_STREQ(e.entries[0].id, "yyy.conf"); /* same sort-key: newest version first */
        ASSERT_STREQ(e.entries[1].id, "zzz.conf");
        ASSERT_STREQ(e.entries[2].id, "debian-6.1.0-13.conf"); /* ids compared as versions */
        ASSERT_STREQ(e.entries[3].id, "debian-6.1.0-9.conf");
        ASSERT_STREQ(e.entries[4].id, "aaa-9.9.conf");
        ASSERT_EQ(e.entries[4].tries_left, 0);

        const BootEntry *x = find(&e, "debian-6.1.0-13.conf");
        ASSERT_STREQ(x->title, "Debian GNU/Linux");
        ASSERT_STREQ(x->version, "6.1.0-13");
        ASSERT_STREQ(x->machine_id, "abc");
        ASSERT_STREQ(x->options, "root=/dev/vda1 ro quiet");
        ASSERT_STREQ(x->kernel, path_in_root("/boot/vmlinuz-6.1.0-13"));
        ASSERT_EQ(strv_length(x->initrds), 2);
        ASSERT_STREQ(x->initrds[0], path_in_root("/boot/ucode.img"));
        ASSERT_STREQ(x->initrds[1], path_in_root("/boot/initrd-6.1.0-13"));
        ASSERT_STREQ(boot_entry_source_to_string(x->source), "type1");
        ASSERT_TRUE(skipped_with(&e, "other-arch.conf", "architecture"));

        /* no selection rule: the first in order is the default */
        ASSERT_STREQ(boot_entries_default(&e)->id, "yyy.conf");
        ASSERT_STREQ(e.default_reason, "first boot loader entry in sort order");
        /* the installed kernels are listed after, newest first, not default */
        ASSERT_STREQ(e.entries[5].id, "vmlinuz-6.1.0-13");
        ASSERT_STREQ(e.entries[6].id, "vmlinuz-6.1.0-9");
        boot_entries_done(&e);
}

TEST(test_default_glob_and_efi_variables) {
        BootEntries e = {};
        new_root();
        w("efi/vmlinuz", "k");
        w("efi/loader/entries/a-1.conf", "title A1\nlinux /vmlinuz\n");
        w("efi/loader/entries/a-2.conf", "title A2\nlinux /vmlinuz\n");
        w("efi/loader/entries/b-1.conf", "title B1\nlinux /vmlinuz\n");
        w("efi/loader/loader.conf", "timeout 3\ndefault a-*\n");
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        /* the glob picks the first match in order: a-2 sorts before a-1 */
        ASSERT_STREQ(boot_entries_default(&e)->id, "a-2.conf");
        ASSERT_STREQ(e.default_reason, "default in loader.conf");
        ASSERT_STREQ(boot_entries_default(&e)->kernel, path_in_root("/efi/vmlinuz"));
        boot_entries_done(&e);

        efivar("LoaderEntryDefault", "a-1.conf");
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        ASSERT_STREQ(boot_entries_default(&e)->id, "a-1.conf");
        ASSERT_STREQ(e.default_reason, "LoaderEntryDefault EFI variable");
        boot_entries_done(&e);

        efivar("LoaderEntryOneShot", "b-1.conf");
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        ASSERT_STREQ(boot_entries_default(&e)->id, "b-1.conf");
        ASSERT_STREQ(e.default_reason, "LoaderEntryOneShot EFI variable");
        boot_entries_done(&e);

        /* a one-shot naming a missing entry falls through to the next rule */
        efivar("LoaderEntryOneShot", "gone.conf");
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        ASSERT_STREQ(boot_entries_default(&e)->id, "a-1.conf");
        boot_entries_done(&e);

        ASSERT_TRUE(boot_entry_id_matches("a-*.conf", "a-1.conf"));
        ASSERT_TRUE(boot_entry_id_matches("a-1", "a-1.conf"));
        ASSERT_TRUE(!boot_entry_id_matches("b-*", "a-1.conf"));
}

TEST(test_efivar_decode) {
        char *s = NULL;
        ASSERT_EQ(boot_efivar_decode("\x07\0\0\0a\0b\0\0\0", 10, &s), 0);
        ASSERT_STREQ(s, "ab");
        free(s);
        ASSERT_EQ(boot_efivar_decode("\x07\0\0\0\xe9\0", 6, &s), 0); /* é */
        ASSERT_STREQ(s, "\xc3\xa9");
        free(s);
        ASSERT_EQ(boot_efivar_decode("\x07\0\0\0a", 5, &s), -EINVAL);           /* odd size */
        ASSERT_EQ(boot_efivar_decode("\x07\0\0\0a\0\0\0b\0", 10, &s), -EINVAL); /* NUL inside */
        ASSERT_EQ(boot_efivar_decode("\x07\0\0\0\x00\xd8", 6, &s), -EINVAL);    /* surrogate */
        ASSERT_EQ(boot_efivar_decode("\x07\0\0", 3, &s), -EINVAL);
}

TEST(test_type2_ukis) {
        BootEntries e = {};
        new_root();
        w("boot/efi/EFI/Linux/debian-6.1.0-13.efi", "MZuki");
        w("boot/efi/EFI/Linux/debian-6.1.0-9.efi", "MZuki");
        w("boot/efi/EFI/Linux/readme.txt", "no");
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        ASSERT_EQ(e.n, 2);
        ASSERT_STREQ(e.entries[0].id, "debian-6.1.0-13.efi");
        ASSERT_STREQ(e.entries[0].title, "debian-6.1.0-13");
        ASSERT_STREQ(e.entries[0].kernel, path_in_root("/boot/efi/EFI/Linux/debian-6.1.0-13.efi"));
        ASSERT_STREQ(boot_entry_source_to_string(e.entries[0].source), "type2");
        ASSERT_TRUE(e.entries[0].is_default);
        ASSERT_EQ(strv_length(e.entries[0].initrds), 0);
        boot_entries_done(&e);
}

TEST(test_debian_symlinks) {
        BootEntries e = {};
        new_root();
        w("boot/vmlinuz-6.1.0-13-amd64", "k13");
        w("boot/initrd.img-6.1.0-13-amd64", "i13");
        w("boot/vmlinuz-6.1.0-9-amd64", "k9");
        w("boot/initrd.img-6.1.0-9-amd64", "i9");
        ln("boot/vmlinuz-6.1.0-9-amd64", "vmlinuz");  /* the default, though older */
        ln("boot/initrd.img-6.1.0-9-amd64", "initrd.img");
        ln("/boot/vmlinuz-6.1.0-13-amd64", "vmlinuz.old"); /* absolute: resolved in the root */
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        const BootEntry *d = boot_entries_default(&e);
        ASSERT_TRUE(d);
        ASSERT_STREQ(d->id, "vmlinuz");
        ASSERT_STREQ(e.default_reason, "Debian's vmlinuz symlink");
        ASSERT_STREQ(d->kernel, path_in_root("/boot/vmlinuz-6.1.0-9-amd64"));
        ASSERT_STREQ(d->initrds[0], path_in_root("/boot/initrd.img-6.1.0-9-amd64"));
        ASSERT_STREQ(d->version, "6.1.0-9-amd64");
        const BootEntry *o = find(&e, "vmlinuz.old");
        ASSERT_STREQ(o->kernel, path_in_root("/boot/vmlinuz-6.1.0-13-amd64"));
        ASSERT_EQ(strv_length(o->initrds), 0); /* no initrd.img.old */
        ASSERT_TRUE(!o->is_default);
        ASSERT_STREQ(find(&e, "vmlinuz-6.1.0-13-amd64")->initrds[0], path_in_root("/boot/initrd.img-6.1.0-13-amd64"));
        ASSERT_STREQ(boot_entries_find_release(&e, "6.1.0-9-amd64")->id, "vmlinuz-6.1.0-9-amd64");
        ASSERT_TRUE(!boot_entries_find_release(&e, "6.1.0-1-amd64"));
        boot_entries_done(&e);

        /* /boot/vmlinuz (link_in_boot) works the same */
        new_root();
        w("boot/vmlinuz-6.1.0-13-amd64", "k13");
        ln("vmlinuz-6.1.0-13-amd64", "boot/vmlinuz");
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        ASSERT_STREQ(boot_entries_default(&e)->id, "vmlinuz");
        ASSERT_STREQ(boot_entries_default(&e)->kernel, path_in_root("/boot/vmlinuz-6.1.0-13-amd64"));
        boot_entries_done(&e);
}

TEST(test_newest_by_version) {
        BootEntries e = {};
        new_root();
        const char *releases[] = { "6.9.0-1-amd64", "6.10.0-1-amd64", "6.10.0-10-amd64", "6.10.0-9-amd64", "5.19.0" };
        for (size_t i = 0; i < ELEMENTSOF(releases); i++) {
                char rel[256];
                snprintf(rel, sizeof(rel), "boot/vmlinuz-%s", releases[i]);
                w(rel, "k");
                snprintf(rel, sizeof(rel), "boot/initrd.img-%s", releases[i]);
                w(rel, "i");
        }
        w("boot/vmlinuz-6.11.0.dpkg-tmp", "partial"); /* dpkg's temporary: not a kernel */
        w("boot/vmlinuz-6.12.0.old", "old");
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        ASSERT_EQ(e.n, 5);
        const BootEntry *d = boot_entries_default(&e);
        ASSERT_STREQ(d->id, "vmlinuz-6.10.0-10-amd64");
        ASSERT_STREQ(d->initrds[0], path_in_root("/boot/initrd.img-6.10.0-10-amd64"));
        ASSERT_STREQ(e.default_reason, "newest installed kernel");
        ASSERT_STREQ(e.entries[1].id, "vmlinuz-6.10.0-9-amd64");
        ASSERT_STREQ(e.entries[2].id, "vmlinuz-6.10.0-1-amd64");
        ASSERT_STREQ(e.entries[3].id, "vmlinuz-6.9.0-1-amd64");
        ASSERT_STREQ(e.entries[4].id, "vmlinuz-5.19.0");
        boot_entries_done(&e);
}

TEST(test_half_written_and_malformed) {
        BootEntries e = {};
        new_root();
        w("boot/vmlinuz-1", "k");
        w("boot/loader/entries/good.conf", "title Good\nlinux /vmlinuz-1\n");
        w("boot/loader/entries/half.conf", "title Half\nversion 2\n");
        w("boot/loader/entries/missing.conf", "title Missing\nlinux /vmlinuz-2\n");
        w("boot/loader/entries/efi.conf", "title Shell\nefi /shell.efi\n");
        w("boot/loader/entries/ctl.conf", "linux /vmlinuz-1\noptions quiet\x01\n");
        w("boot/loader/entries/missing-initrd.conf", "linux /vmlinuz-1\ninitrd /nope\n");
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        ASSERT_EQ(e.n, 2); /* good.conf and the installed kernel */
        ASSERT_STREQ(boot_entries_default(&e)->id, "good.conf");
        ASSERT_TRUE(skipped_with(&e, "half.conf", "no 'linux' line"));
        ASSERT_TRUE(skipped_with(&e, "missing.conf", "does not exist"));
        ASSERT_TRUE(skipped_with(&e, "efi.conf", "EFI program"));
        ASSERT_TRUE(skipped_with(&e, "ctl.conf", "control characters"));
        ASSERT_TRUE(skipped_with(&e, "missing-initrd.conf", "initrd '/nope' does not exist"));
        boot_entries_done(&e);
}

TEST(test_escapes_are_refused) {
        BootEntries e = {};
        new_root();
        w("etc/shadow", "secret");
        w("boot/vmlinuz-1", "k");
        w("efi/vmlinuz", "k");
        w("boot/loader/entries/dotdot.conf", "linux /../etc/shadow\n");
        w("boot/loader/entries/dotdot2.conf", "linux vmlinuz-1\ninitrd /x/../../etc/shadow\n");
        ln("../etc/shadow", "boot/evil-link");
        w("boot/loader/entries/link.conf", "linux /evil-link\n");
        ln("/etc/shadow", "boot/evil-abs");
        w("boot/loader/entries/abs-link.conf", "linux /evil-abs\n");
        /* an entry on /boot cannot reach into the ESP either */
        ln("../efi/vmlinuz", "boot/cross");
        w("boot/loader/entries/cross.conf", "linux /cross\n");
        w("boot/loader/entries/backslash.conf", "linux \\vmlinuz-1\n");
        /* a symlink loop ends */
        ln("loop2", "boot/loop1");
        ln("loop1", "boot/loop2");
        w("boot/loader/entries/loop.conf", "linux /loop1\n");
        /* an absolute path that names the host's /etc is still in the root */
        w("boot/loader/entries/abs.conf", "linux /etc/shadow\n");
        /* the Debian symlink must point into /boot */
        ln("etc/shadow", "vmlinuz");
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        for (size_t i = 0; i < e.n; i++) {
                ASSERT_TRUE(!strstr(e.entries[i].kernel, "shadow"));
                ASSERT_TRUE(strncmp(e.entries[i].kernel, path_in_root("/boot/"), strlen(path_in_root("/boot/"))) == 0);
        }
        ASSERT_TRUE(skipped_with(&e, "dotdot.conf", "not a sane path"));
        ASSERT_TRUE(skipped_with(&e, "dotdot2.conf", "not a sane path"));
        ASSERT_TRUE(skipped_with(&e, "link.conf", "outside"));
        ASSERT_TRUE(skipped_with(&e, "abs-link.conf", "outside"));
        ASSERT_TRUE(skipped_with(&e, "cross.conf", "outside"));
        ASSERT_TRUE(skipped_with(&e, "backslash.conf", "not a sane path"));
        ASSERT_TRUE(skipped_with(&e, "loop.conf", "too many symlinks"));
        ASSERT_TRUE(skipped_with(&e, "abs.conf", "does not exist")); /* /boot/etc/shadow */
        ASSERT_TRUE(skipped_with(&e, "/vmlinuz", "outside /boot"));
        boot_entries_done(&e);

        char *p = NULL;
        ASSERT_EQ(boot_path_resolve(root, "/boot/../../../etc/shadow", "/boot", &p), -EXDEV);
        ASSERT_EQ(boot_path_resolve(root, "/boot/../../../boot/vmlinuz-1", "/boot", &p), 0);
        ASSERT_STREQ(p, path_in_root("/boot/vmlinuz-1")); /* ".." stops at the root */
        free(p);
        ASSERT_EQ(boot_path_join_entry("/boot", "a/../b", &p), -EINVAL);
        ASSERT_EQ(boot_path_join_entry("/boot", "", &p), -EINVAL);
        ASSERT_EQ(boot_path_join_entry("/boot", "//x/./y", &p), 0);
        ASSERT_STREQ(p, "/boot/x/./y");
        free(p);
}

TEST(test_non_utf8_names) {
        BootEntries e = {};
        new_root();
        w("boot/vmlinuz-1", "k");
        w("boot/vmlinuz-\xff", "k");
        w("boot/loader/entries/good.conf", "title Caf\xe9\nlinux /vmlinuz-1\n");
        w("boot/loader/entries/bad-\xfe.conf", "linux /vmlinuz-1\n");
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        ASSERT_EQ(e.n, 2); /* good.conf, vmlinuz-1 */
        ASSERT_STREQ(find(&e, "good.conf")->title, "Caf\\xe9"); /* escaped, not dropped */
        ASSERT_TRUE(skipped_with(&e, "bad-\\xfe.conf", "UTF-8"));
        ASSERT_TRUE(skipped_with(&e, "vmlinuz-\\xff", "UTF-8"));
        ASSERT_TRUE(find(&e, "vmlinuz-1"));
        boot_entries_done(&e);
}

TEST(test_many_entries_bounded) {
        BootEntries e = {};
        struct timespec a, b;
        new_root();
        w("boot/vmlinuz-1", "k");
        for (unsigned i = 0; i < 1500; i++) {
                char rel[256], text[256];
                snprintf(rel, sizeof(rel), "boot/loader/entries/e-%u.conf", i);
                snprintf(text, sizeof(text), "title E%u\nversion %u\nlinux /vmlinuz-1\noptions x=%u\n", i, i, i);
                w(rel, text);
        }
        clock_gettime(CLOCK_MONOTONIC, &a);
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double secs = (double) (b.tv_sec - a.tv_sec) + (double) (b.tv_nsec - a.tv_nsec) / 1e9;
        fprintf(stderr, "    1500 entries discovered in %.3f s\n", secs);
        ASSERT_TRUE(secs < 5.0);
        /* at most KEXECD_BOOT_ENTRIES_PER_DIR_MAX looked at, and said so */
        ASSERT_EQ(e.n, 1024 + 1);
        ASSERT_TRUE(skipped_with(&e, "loader/entries", "more than 1024 entries"));
        /* ordered newest first by id (e-1023 … among the names read) */
        for (size_t i = 1; i < 1024; i++)
                ASSERT_TRUE(boot_version_compare(e.entries[i - 1].id, e.entries[i].id) > 0);
        boot_entries_done(&e);
}

TEST(test_same_partition_twice) {
        BootEntries e = {};
        new_root();
        w("boot/efi/vmlinuz", "k");
        w("boot/efi/loader/entries/a.conf", "linux /vmlinuz\n");
        ln("boot/efi", "efi"); /* /efi and /boot/efi are one directory */
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        ASSERT_EQ(e.n, 1);
        ASSERT_EQ(e.n_skipped, 0);
        boot_entries_done(&e);
}

TEST(test_empty_root) {
        BootEntries e = {};
        new_root();
        ASSERT_EQ(boot_entries_discover(root, &e), 0);
        ASSERT_EQ(e.n, 0);
        ASSERT_TRUE(!boot_entries_default(&e));
        boot_entries_done(&e);
}

int main(void) {
        RUN(test_version_compare);
        RUN(test_type1_entries_and_order);
        RUN(test_default_glob_and_efi_variables);
        RUN(test_efivar_decode);
        RUN(test_type2_ukis);
        RUN(test_debian_symlinks);
        RUN(test_newest_by_version);
        RUN(test_half_written_and_malformed);
        RUN(test_escapes_are_refused);
        RUN(test_non_utf8_names);
        RUN(test_many_entries_bounded);
        RUN(test_same_partition_twice);
        RUN(test_empty_root);
        return test_finish("test-boot-entries");
}
