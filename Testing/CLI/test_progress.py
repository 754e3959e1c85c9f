#!/usr/bin/env python3
"""The progress bar of mmfusion: drawn only on a terminal unless --progress, never going backwards,
ending at 100%; --quiet draws nothing. A 3D TDFIF fusion (several sub-filters reporting progress)
long enough for the bar to appear (it waits a second).
Usage: test_progress.py MMFUSION"""
import re
import subprocess
import sys
import tempfile


def run(command):
    """stderr as it was written (bytes decoded without newline translation: the frames use CR)."""
    result = subprocess.run(command, capture_output=True, timeout=300)
    return result.returncode, result.stderr.decode()


def main():
    mmfusion = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([mmfusion, "phantom", "-o", tmp, "--dim", "3", "--size", "160"], check=True,
                       capture_output=True)
        fuse = [mmfusion, "fuse", f"{tmp}/mri_3d.nii.gz", f"{tmp}/pet_3d.nii.gz", "-o", f"{tmp}/f.nii.gz",
                "--backend", "cpu"]
        failures = []
        # stderr is a pipe here, not a terminal: no bar, only the one-line summary.
        code, err = run(fuse)
        if code != 0 or "\r" in err or err.count("\n") != 1:
            failures.append("without a terminal: expected one summary line and no frames, got %r" % err[:300])
        code, err = run(fuse + ["--progress"])
        frames = [int(p) for p in re.findall(r"\rfusing \[[# ]{30}\] +(\d+)%", err)]
        if code != 0 or not frames:
            failures.append("--progress drew no frame: %r" % err[:300])
        elif frames != sorted(frames) or frames[-1] != 100 or len(set(frames)) != len(frames):
            failures.append("the frames must rise, each once, to 100%%: %s" % frames)
        code, err = run(fuse + ["--progress", "--quiet"])
        if code != 0 or err:
            failures.append("--quiet must print nothing, got %r" % err[:300])
        print("frames with --progress: %s" % frames)
        for f in failures:
            print("FAIL: " + f)
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
