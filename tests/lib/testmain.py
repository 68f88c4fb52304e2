# SPDX-License-Identifier: LGPL-2.1-or-later
"""The one way Python test files end: unittest with meson's exit codes.

A skipped test must not count as passed. unittest exits 0 when tests are
skipped, so meson would report the file OK and the closing line of
tools/run-tests would never say "skipped". Here:
  - any failure or error: exit 1;
  - any skip: exit 77 (meson: SKIP), or 1 in CI mode;
  - nothing run: exit 1.
CI mode is CI=true, exactly (the one definition, also in tests/vm/run, the
meson fallbacks and tests/system); docs/testing.md."""
import os
import sys
import unittest


def ci_mode():
    return os.environ.get("CI") == "true"


def run():
    prog = unittest.main(verbosity=2, exit=False)
    result = prog.result
    if not result.wasSuccessful():
        sys.exit(1)
    if result.testsRun == 0:
        print("no tests ran", file=sys.stderr)
        sys.exit(1)
    if result.skipped:
        for test, why in result.skipped:
            print("SKIPPED %s: %s" % (test.id(), why), file=sys.stderr)
        if ci_mode():
            print("CI=true: a skipped test is a failure", file=sys.stderr)
            sys.exit(1)
        sys.exit(77)
    sys.exit(0)
