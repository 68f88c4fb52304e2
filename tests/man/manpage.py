# SPDX-License-Identifier: LGPL-2.1-or-later
"""The built man pages (build/man, meson's 'man' feature) as tests see them.

Pages are rendered the way a reader gets them, with man(1), but on a wide
line and without hyphenation, so that a name is never split across lines.
A page's text is then cut into its sections (headings at column 0) and the
terms of each section: the lines at the body's indentation that are
followed by an indented description (scdoc's "*term*\\n\\tdescription")."""
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
MAN_DIR = os.environ.get("KEXECD_MAN_DIR", os.path.join(SRC, "build", "man"))
PAGES = ["kexecctl.1", "kexecd.8", "kexecd.conf.5", "org.kexecd1.5", "kexecd-shutdown.8", "kexecd-capture.8"]


def path(page):
    p = os.path.join(MAN_DIR, page)
    if not os.path.exists(p):
        raise AssertionError("%s is not built (meson -Dman=enabled, ninja)" % p)
    return p


def warnings(page):
    """What man and groff say about the page, beyond the rendered text."""
    out = []
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    p = subprocess.run(["man", "--warnings", "-l", path(page)], env=env, capture_output=True, text=True, timeout=60)
    if p.returncode != 0 or p.stderr.strip():
        out.append("man --warnings -l (rc=%d): %s" % (p.returncode, p.stderr.strip()))
    p = subprocess.run(["groff", "-ww", "-k", "-t", "-man", "-z", path(page)], env=env, capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0 or p.stderr.strip():
        out.append("groff -ww -man -z (rc=%d): %s" % (p.returncode, p.stderr.strip()))
    return out


def text(page):
    env = dict(os.environ, MANWIDTH="250", MANROFFOPT="-rHY=0", LC_ALL="C.UTF-8")
    env.pop("MAN_KEEP_FORMATTING", None)
    p = subprocess.run(["man", "-l", path(page)], env=env, capture_output=True, text=True, timeout=60, check=True)
    t = re.sub(r".\x08", "", p.stdout)
    # groff's hyphen and minus signs, as typed.
    return t.replace("\u2010", "-").replace("\u2212", "-").replace("\u2019", "'").replace("\u2018", "`")


def sections(page):
    """{heading: [lines]} of a rendered page (header and footer dropped)."""
    lines = text(page).splitlines()
    filled = [i for i, line in enumerate(lines) if line.strip()]
    lines = lines[filled[0] + 1:filled[-1]]
    out, current = {}, None
    for line in lines:
        if line and not line[0].isspace():
            current = line.strip()
            out[current] = []
        elif current:
            out[current].append(line)
    return out


def section(page, heading):
    s = sections(page)
    if heading not in s:
        raise AssertionError("%s has no section %r (it has %s)" % (page, heading, sorted(s)))
    return s[heading]


def indent(line):
    return len(line) - len(line.lstrip(" "))


def terms(lines):
    """The term lines of a section: at the body's indentation (the least
    indentation of its text; subsection headings, indented by 3, are not
    text), followed by a more indented line."""
    body = [line for line in lines if line.strip() and indent(line) > 3]
    if not body:
        return []
    base = min(indent(line) for line in body)
    out = []
    for i, line in enumerate(body[:-1]):
        if indent(line) == base and indent(body[i + 1]) > base:
            out.append(line.strip())
    return out


def flat(lines):
    """A section's text with all whitespace runs made one space."""
    return " ".join(" ".join(lines).split())


def option_names(s):
    """-x and --long-name tokens in s."""
    return re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", s)


def help_blocks(help_text):
    """{"Commands": [terms], "Options": [terms], ...} of a --help text: the
    left column of each "Title:" block (lines indented at most 6 columns;
    the description starts after a run of two spaces or more)."""
    out, current = {}, None
    for line in help_text.splitlines():
        m = re.match(r"^([A-Z][^:]*):\s*$", line)
        if m:
            current = m.group(1)
            out[current] = []
            continue
        if not line.strip():
            continue
        if current is not None and 0 < indent(line) <= 6:
            out[current].append(re.split(r"\s{2,}", line.strip())[0])
    return out
