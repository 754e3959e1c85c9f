#!/usr/bin/env python3
"""mmfusion's --help and its parser come from one option table per command: every option that a
command's section of --help lists (its own, the shared ones and, for fuse, every method's) is one
its parser takes, and an option from no table is refused as unknown. Each call runs in a temporary
folder and names an input that does not exist, so it stops at an error before any work.
Usage: test_help.py MMFUSION"""
import re
import subprocess
import sys
import tempfile


def main():
    mmfusion = sys.argv[1]
    text = subprocess.run([mmfusion, "--help"], capture_output=True, text=True, check=True).stdout
    sections = re.split(r"^  mmfusion (\w+) ", text, flags=re.M)
    commands = dict(zip(sections[1::2], sections[2::2]))
    failures = []
    expected = {"phantom", "fuse", "dwt", "idwt", "texture", "features", "metrics", "info", "export", "render"}
    if set(commands) != expected:
        failures.append("--help lists the commands %s, expected %s" % (sorted(commands), sorted(expected)))
    for command, section in commands.items():
        options = set(re.findall(r"^ {6,10}(?:-o, )?(--[a-z][a-z-]*)", section, flags=re.M))
        # Every command that reads images takes the shared --replace-non-finite (phantom reads none).
        for option in ["--replace-non-finite"] if command != "phantom" else []:
            if option not in options:
                failures.append("%s: --help does not list the shared option %s" % (command, option))
        for option in sorted(options):
            with tempfile.TemporaryDirectory() as tmp:
                run = subprocess.run([mmfusion, command, option, "1", "missing.nii"], capture_output=True,
                                     text=True, timeout=60, cwd=tmp)
            if "unknown option" in run.stderr or "is now" in run.stderr:
                failures.append("%s: --help lists %s but the parser refuses it: %s" % (command, option,
                                                                                        run.stderr.strip()))
        run = subprocess.run([mmfusion, command, "--no-such-option"], capture_output=True, text=True, timeout=60)
        if run.returncode != 2 or "unknown option '--no-such-option'" not in run.stderr:
            failures.append("%s: an unknown option gave %d %r" % (command, run.returncode, run.stderr.strip()))
    for failure in failures:
        print(failure)
    print("%d commands checked, %d failures" % (len(commands), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
