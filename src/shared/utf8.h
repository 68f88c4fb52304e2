/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* D-Bus strings must be valid UTF-8: sd-bus refuses to send a message that
 * carries anything else, so one bad byte in a command line, a path from the
 * configuration or kexec-tools' output would make Status, GetHistory or an
 * error reply unsendable for everyone. kexecd refuses such bytes where it
 * accepts input (command lines, configuration) and escapes them where it
 * only reports (history details, error messages). docs/security.md has the
 * per-field decisions. */

#include <stdbool.h>
#include <stddef.h>

/* Length in bytes of the valid UTF-8 sequence at s (1..4), or 0 if the bytes
 * at s do not start one (overlong forms, surrogates and values above
 * U+10FFFF are invalid, as in the D-Bus specification). */
size_t utf8_sequence_length(const unsigned char *s);

bool utf8_is_valid(const char *s);

/* A copy of s with every byte that is not part of valid UTF-8 written as
 * \xNN. NULL on
 * allocation failure. */
char *utf8_escape_invalid(const char *s);

/* s itself if it is valid UTF-8, else the escaped copy stored in *buf (freed
 * by the caller). Never NULL: on allocation failure a fixed placeholder. */
const char *utf8_or_escaped(const char *s, char **buf);
