"""What the side-by-side benchmark scripts share: building, running our Google Benchmark program,
and a Python with the peers from PyPI (in build/bench-venv; Debian's /usr/bin/python3 when PyPI
cannot be reached)."""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("FUSION_BUILD_DIR", os.path.join(ROOT, "build"))
VENV = os.path.join(BUILD, "bench-venv")


def ours(benchmark_filter, repetitions=3):
    """Builds the project, runs the benchmarks matching the filter; {run name: median real time (ms)}."""
    subprocess.run([os.path.join(ROOT, "scripts", "setup.sh")], check=True, stdout=subprocess.DEVNULL)
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([os.path.join(BUILD, "bin", "MultimodalFusionBenchmarks"),
                        "--benchmark_filter=" + benchmark_filter, "--benchmark_repetitions=%d" % repetitions,
                        "--benchmark_report_aggregates_only=true", "--benchmark_out=" + f.name,
                        "--benchmark_out_format=json"], check=True, stdout=subprocess.DEVNULL)
        return {b["run_name"]: b["real_time"] for b in json.load(open(f.name))["benchmarks"]
                if b.get("aggregate_name") == "median"}


def peer_python(packages, timeout=1800):
    """The venv's Python with `packages` installed from PyPI, or Debian's Python."""
    python = os.path.join(VENV, "bin", "python")
    try:
        if not os.path.exists(python):
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True, capture_output=True)
        subprocess.run([python, "-m", "pip", "install", "-q", *packages], check=True, capture_output=True,
                       timeout=timeout)
        return python
    except Exception as error:
        print("note: PyPI peers %s unavailable (%s); using Debian's" % (" ".join(packages), error), file=sys.stderr)
        return "/usr/bin/python3"


def peer(packages, program):
    """Runs `program` with the peers' Python; its JSON output."""
    return json.loads(subprocess.run([peer_python(packages), "-c", program], check=True, capture_output=True,
                                     text=True).stdout)
