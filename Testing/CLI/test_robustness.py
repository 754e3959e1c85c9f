#!/usr/bin/env python3
"""mmfusion as a hostile user meets it: damaged inputs, bad options, dangerous output paths.

Every case runs the program once and asserts: the exit status (1 for an error, 2 for a usage
error), exactly one line on stderr starting with "mmfusion:" (and matching the expected fault),
no output under any output name, no temporary left behind, every input and foreign file untouched
(checksums before and after), no crash (a signal) and no hang (a time limit).

Usage: test_robustness.py MMFUSION GROUP   (GROUP: foreign, inputs, full, crashes, damaged, wrong,
hangs, options, killed; or all)
"""
import gzip
import hashlib
import math
import os
import re
import resource
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np

MMFUSION = sys.argv[1]
GROUP = sys.argv[2] if len(sys.argv) > 2 else "all"
WORK = tempfile.mkdtemp(prefix="mmfusion-robustness-")
FAILURES = []
CASES = 0


def path(*parts):
    return os.path.join(WORK, *parts)


def run(args, timeout=120, limit_bytes=None):
    def limit():
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    start = time.time()
    try:
        p = subprocess.run([MMFUSION] + args, capture_output=True, text=True, errors="replace", timeout=timeout,
                           preexec_fn=limit, cwd=WORK)
    except subprocess.TimeoutExpired:
        return None, "", f"timed out after {timeout} s", time.time() - start
    return p.returncode, p.stdout, p.stderr, time.time() - start


def digest(p):
    if os.path.isdir(p):
        return ("dir", tuple(sorted((n, digest(os.path.join(p, n))) for n in os.listdir(p))))
    st = os.lstat(p)
    if stat.S_ISREG(st.st_mode):
        with open(p, "rb") as f:
            return ("file", hashlib.sha256(f.read()).hexdigest())
    return ("special", st.st_mode, st.st_rdev)


def leftovers():
    found = []
    for root, dirs, files in os.walk(WORK):
        found += [os.path.join(root, n) for n in files + dirs if n.startswith(".mmfusion-partial-")]
    return found


def writing():
    """A temporary that holds bytes already: the run is writing it."""
    for l in leftovers():
        try:
            if os.path.isfile(l) and os.path.getsize(l) > 0:
                return True
        except OSError:
            pass
    return False


def case(name, args, status, match, outputs=(), keep=(), timeout=120, limit_bytes=None):
    """Runs one case; `outputs` must not exist afterwards, `keep` must be unchanged."""
    global CASES
    CASES += 1
    keep = [path(k) for k in keep]
    before = {k: digest(k) for k in keep if os.path.lexists(k)}
    for o in outputs:
        assert not os.path.lexists(path(o)), f"{name}: output {o} exists before the run"
    rc, out, err, seconds = run(args, timeout, limit_bytes)
    problems = []
    if rc is None:
        problems.append(err)
    elif rc < 0:
        problems.append(f"killed by signal {-rc}")
    elif rc != status:
        problems.append(f"exit {rc}, expected {status}")
    lines = err.strip("\n").split("\n") if err.strip() else []
    if rc is not None and (len(lines) != 1 or not lines[0].startswith("mmfusion: ")):
        problems.append(f"stderr is not one 'mmfusion:' line: {err!r}")
    elif rc is not None and not re.search(match, lines[0]):
        problems.append(f"message {lines[0]!r} does not match {match!r}")
    for o in outputs:
        if os.path.lexists(path(o)):
            problems.append(f"output {o} was left behind")
    for k, d in before.items():
        if not os.path.lexists(k) or digest(k) != d:
            problems.append(f"{os.path.relpath(k, WORK)} was changed or removed")
    left = leftovers()
    if left:
        problems.append(f"temporaries left: {left}")
        for l in left:
            shutil.rmtree(l, ignore_errors=True) if os.path.isdir(l) else os.remove(l)
    if problems:
        FAILURES.append(f"{name}: " + "; ".join(problems))
        print(f"FAIL {name}: " + "; ".join(problems))
    else:
        print(f"ok   {name} ({seconds:.2f} s): {lines[0] if lines else ''}")


def ok(args, limit_bytes=None):
    rc, out, err, _ = run(args, limit_bytes=limit_bytes)
    assert rc == 0, f"setup {args} failed: {err}"
    return out


# ---- fixtures: the phantom in several formats, and files written byte by byte
def nifti(name, data, datatype=16, pixdim=(1, 1, 1), vox_offset=352, dims=None, sform=None, gz=False, magic=b"n+1\0"):
    data = np.ascontiguousarray(data)
    shape = dims if dims is not None else list(data.shape[::-1])
    h = bytearray(348)
    struct.pack_into("<i", h, 0, 348)
    dim = [len(shape)] + list(shape) + [1] * (7 - len(shape))
    struct.pack_into("<8h", h, 40, *dim)
    bitpix = {2: 8, 4: 16, 16: 32, 32: 64, 64: 64, 128: 24}[datatype]
    struct.pack_into("<hh", h, 70, datatype, bitpix)
    struct.pack_into("<8f", h, 76, 1.0, *(list(pixdim) + [1.0] * (7 - len(pixdim))))
    struct.pack_into("<f", h, 108, float(vox_offset))
    struct.pack_into("<f", h, 112, 1.0)
    if sform is not None:
        struct.pack_into("<h", h, 254, 1)
        struct.pack_into("<12f", h, 280, *sform)
    h[344:348] = magic
    body = bytes(h) + b"\0" * 4
    if vox_offset > 352:
        body += b"\0" * (int(vox_offset) - 352)
    body += data.tobytes()
    with (gzip.open if gz else open)(path(name), "wb") as f:
        f.write(body)
    return name


def png(name, width, height, colour, rows, depth=8):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)
    raw = b"".join(b"\0" + r for r in rows)
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    with open(path(name), "wb") as f:
        f.write(data)
    return name


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return name


def read(name):
    with open(path(name), "rb") as f:
        return f.read()


def metaimage(name, fields, data=b""):
    text = "".join(f"{k} = {v}\n" for k, v in fields)
    return write(name, text.encode() + data)


ok(["phantom", "-o", "ph", "--size", "32", "--format", "nii"])
ok(["phantom", "-o", "phg", "--size", "32"])
ok(["phantom", "-o", "phm", "--size", "32", "--format", "mha", "--dim", "3"])
A2, B2 = "ph/mri_2d.nii", "ph/pet_2d.nii"
A3, B3 = "ph/mri_3d.nii", "ph/pet_3d.nii"
G2, H2 = "phg/mri_2d.nii.gz", "phg/pet_2d.nii.gz"
ALL = [A2, B2, A3, B3, G2, H2]
ramp = (np.arange(32 * 32, dtype=np.float32).reshape(32, 32) / 1023.0)
rgb_rows = [b"".join(bytes([(x * 8) % 256, (y * 8) % 256, (x * y) % 256]) for x in range(32)) for y in range(32)]
COLOUR = png("colour.png", 32, 32, 2, rgb_rows)
GREY = png("grey.png", 32, 32, 0, [bytes((x * 8 + y) % 256 for x in range(32)) for y in range(32)])


def group(name):
    return GROUP in ("all", name)


if group("foreign"):
    os.mkdir(path("emptydir"))
    case("metrics_empty_folder", ["fuse", A2, B2, "-o", "o1.nii.gz", "--metrics", "emptydir"], 1, "is a folder",
         ["o1.nii.gz"], ["emptydir"] + ALL)
    try:
        os.mknod(path("device"), stat.S_IFCHR | 0o600, os.makedev(1, 3))
        case("metrics_device_node", ["fuse", A2, B2, "-o", "o1.nii.gz", "--metrics", "device"], 1, "is a device",
             ["o1.nii.gz"], ["device"])
    except PermissionError:
        print("skip metrics_device_node (no permission to make a device node)")
    os.mkfifo(path("fifo"))
    case("output_fifo", ["fuse", A2, B2, "-o", "fifo"], 1, "is a pipe", [], ["fifo"], timeout=30)
    os.mkdir(path("full_folder"))
    write("full_folder/x", b"keep me")
    case("output_folder_with_files", ["texture", A2, "-o", "full_folder"], 1, "is a folder", [], ["full_folder"])
    case("dicom_output_into_used_folder", ["fuse", A3, B3, "-o", "full_folder/"], 1, "is not empty", [],
         ["full_folder"])
    os.symlink("/dev/null", path("null.png"))
    case("preview_a_link_to_a_device", ["fuse", A2, B2, "-o", "o2.nii.gz", "--preview", "null.png"], 1,
         "is a device", ["o2.nii.gz"], ["null.png"])

if group("inputs"):
    shutil.copy(path(A2), path("a.nii"))
    os.mkdir(path("d"))
    write("d/x", b"x")
    case("source_as_output_with_failing_metrics", ["fuse", "a.nii", B2, "-o", "a.nii", "--metrics", "d"], 1,
         "one of the inputs|is a folder", [], ["a.nii", "d"])
    case("source_as_output", ["fuse", "a.nii", B2, "-o", "a.nii"], 1, "one of the inputs", [], ["a.nii", B2])
    case("second_source_as_output", ["fuse", "a.nii", B2, "-o", B2], 1, "one of the inputs", [], ["a.nii", B2])
    case("texture_onto_its_input", ["texture", "a.nii", "-o", "a.nii"], 1, "one of the inputs", [], ["a.nii"])
    case("features_onto_its_input", ["features", "a.nii", "-o", "a.nii"], 1, "one of the inputs", [], ["a.nii"])
    case("metrics_json_onto_an_input", ["metrics", "a.nii", B2, "a.nii", "--json", B2], 1, "one of the inputs", [],
         ["a.nii", B2])
    case("output_and_metrics_the_same", ["fuse", "a.nii", B2, "-o", "o.nii.gz", "--metrics", "o.nii.gz"], 1,
         "named twice", ["o.nii.gz"], ["a.nii", B2])
    os.symlink("a.nii", path("link.nii"))
    case("output_a_link_to_a_source", ["fuse", "a.nii", B2, "-o", "link.nii"], 1, "one of the inputs", [],
         ["a.nii", "link.nii"])
    shutil.copy(path(A2), path("band_1_LL.nii"))
    case("dwt_band_onto_its_input", ["dwt", "band_1_LL.nii", "-o", "band", "--format", "nii"], 1, "one of the inputs",
         ["band_1_HL.nii", "band_dwt.txt"], ["band_1_LL.nii"])
    case("idwt_onto_a_band", ["idwt", "never", "-o", "a.nii"], 1, "cannot read", [], ["a.nii"])

if group("full"):
    os.symlink("/dev/full", path("full.nii"))
    case("output_link_to_dev_full", ["fuse", A2, B2, "-o", "full.nii"], 1, "is a device", [], ["full.nii"])
    for ext in ["nii", "nii.gz", "mha", "png", "nrrd", "tif"]:
        case(f"fuse_file_size_limit_{ext.replace('.', '_')}", ["fuse", A3 if ext != "png" else A2,
             B3 if ext != "png" else B2, "-o", f"limited.{ext}", "--method", "average"], 1,
             "incomplete|File too large|cannot write|failed|Could not", [f"limited.{ext}"], ALL, limit_bytes=600)
    shutil.copy(path(A3), path("a3d.nii"))
    case("texture_onto_itself_under_a_limit", ["texture", "a3d.nii", "-o", "a3d.nii"], 1, "one of the inputs", [],
         ["a3d.nii"], limit_bytes=600)
    case("texture_file_size_limit", ["texture", "a3d.nii", "-o", "tex.nii"], 1, "incomplete|too large|cannot write",
         ["tex.nii"], ["a3d.nii"], limit_bytes=600)
    case("features_file_size_limit", ["features", A2, "-o", "feat.nii.gz"], 1, "incomplete|too large|cannot write",
         ["feat.nii.gz"], ALL, limit_bytes=300)
    case("dwt_file_size_limit", ["dwt", A3, "-o", "limited_dwt", "--format", "nii"], 1,
         "incomplete|too large|cannot write", ["limited_dwt_1_LLL.nii", "limited_dwt_dwt.txt"], ALL,
         limit_bytes=600)
    case("colour_png_write_fails", ["fuse", GREY, COLOUR, "-o", "colour_out.png"], 1,
         "incomplete|too large|cannot write", ["colour_out.png"], [COLOUR], limit_bytes=200)
    case("preview_write_fails", ["fuse", A2, B2, "-o", "prev.nii.gz", "--metrics", "prev.json", "--preview",
         "prev.png"], 1, "too large|cannot write|incomplete", ["prev.nii.gz", "prev.json", "prev.png"], ALL,
         limit_bytes=1400)

if group("crashes"):
    ok(["fuse", "phg/mri_2d.nii.gz", "phg/pet_2d.nii.gz", "-o", "big.jpg", "--method", "average"])
    jpeg = read("big.jpg")
    write("cut.jpg", jpeg[: min(700, len(jpeg) // 2)])
    case("jpeg_cut_short", ["info", "cut.jpg"], 1, "cut short|ends before")
    case("jpeg_cut_short_fuse", ["fuse", "cut.jpg", GREY, "-o", "never.png"], 1, "cut short|ends before",
         ["never.png"], ["cut.jpg"])
    write("random.png", b"\x89PNG\r\n\x1a\n" + os.urandom(400))
    case("png_random", ["info", "random.png"], 1, "PNG")
    write("truncated.png", read(GREY)[:60])
    case("png_truncated", ["info", "truncated.png"], 1, "cut short|ends before")
    zero = bytearray(read(GREY))
    struct.pack_into(">I", zero, 16, 0)
    struct.pack_into(">I", zero, 29, zlib.crc32(bytes(zero[12:29])) & 0xffffffff)
    write("zero_width.png", bytes(zero))
    case("png_zero_width", ["info", "zero_width.png"], 1, "0 x 32 pixels")
    write("preamble.dcm", b"\0" * 128 + b"DICM")
    case("dicom_only_preamble", ["info", "preamble.dcm"], 1, "preamble")
    os.mkdir(path("preamble_series"))
    write("preamble_series/a.dcm", b"\0" * 128 + b"DICM")
    case("dicom_folder_with_a_preamble_only_file", ["info", "preamble_series"], 1, "preamble")
    nifti("nan_sform.nii", ramp, pixdim=(1, 1), sform=[math.nan, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0])
    case("nifti_nan_sform", ["info", "nan_sform.nii"], 1, "sform.*non-finite")

if group("damaged"):
    full = read(A3)
    write("cut.nii", full[: len(full) // 2])
    case("nifti_data_cut_short", ["info", "cut.nii"], 1, "holds .* of the .* bytes")
    case("nifti_data_cut_short_texture", ["texture", "cut.nii", "-o", "t.nii"], 1, "cut short", ["t.nii"], ["cut.nii"])
    gz = read("phg/mri_3d.nii.gz")
    write("half.nii.gz", gz[: len(gz) // 2])
    case("nifti_gz_cut_in_half", ["info", "half.nii.gz"], 1, "cut short|ends early")
    bad = bytearray(gz)
    for i in range(len(bad) // 2, len(bad) // 2 + 64):
        bad[i] ^= 0x5A
    write("corrupt.nii.gz", bytes(bad))
    case("nifti_gz_corrupt_mid_stream", ["info", "corrupt.nii.gz"], 1, "corrupt|check|cut short")
    nifti("offset.nii", ramp, pixdim=(1, 1), vox_offset=352)
    huge = bytearray(read("offset.nii"))
    struct.pack_into("<f", huge, 108, 1e9)
    write("huge_offset.nii", bytes(huge))
    case("nifti_huge_vox_offset", ["info", "huge_offset.nii"], 1, "past the end")
    neg = bytearray(read(A3))
    struct.pack_into("<h", neg, 46, -16)
    write("negative_dim.nii", bytes(neg))
    case("nifti_negative_dim3", ["info", "negative_dim.nii"], 1, r"dim\[3\] = -16")
    zero = bytearray(read(A3))
    struct.pack_into("<h", zero, 44, 0)
    write("zero_dim.nii", bytes(zero))
    case("nifti_zero_dim2", ["info", "zero_dim.nii"], 1, r"dim\[2\] = 0")
    big = bytearray(read("offset.nii")[:352])
    struct.pack_into("<8h", big, 40, 3, 1200, 1200, 1200, 1, 1, 1, 1)
    write("huge_header.nii", bytes(big) + b"\0" * 32768)
    case("nifti_1200_cubed_header_info", ["info", "huge_header.nii"], 1, "holds 32768 of the", timeout=20)
    case("nifti_1200_cubed_header_texture", ["texture", "huge_header.nii", "-o", "t.nii"], 1, "holds 32768 of the",
         ["t.nii"], timeout=20)
    nan = ramp.copy()
    nan[3, 5] = np.nan
    nifti("nan.nii", nan, pixdim=(1, 1))
    case("nifti_nan_voxel", ["fuse", "nan.nii", "nan.nii", "-o", "n.nii"], 1, "non-finite value nan", ["n.nii"])
    inf = ramp.copy()
    inf[0, 0] = np.inf
    nifti("inf.nii.gz", inf, pixdim=(1, 1), gz=True)
    case("nifti_gz_inf_voxel", ["metrics", "inf.nii.gz", "inf.nii.gz", "inf.nii.gz"], 1, "non-finite value inf")
    rc, _, err, _ = run(["fuse", "nan.nii", "inf.nii.gz", "-o", "replaced.nii", "--replace-non-finite", "--quiet"])
    if rc != 0 or not os.path.exists(path("replaced.nii")):
        FAILURES.append(f"replace_non_finite: exit {rc}: {err}")
    metaimage("nan.mha", [("NDims", 2), ("DimSize", "32 32"), ("ElementType", "MET_FLOAT"),
                          ("ElementDataFile", "LOCAL")], nan.tobytes())
    case("metaimage_nan_voxel", ["info", "nan.mha"], 1, "non-finite value nan")
    base = [("ObjectType", "Image"), ("NDims", 2), ("DimSize", "32 32"), ("ElementSpacing", "1 1"),
            ("ElementType", "MET_FLOAT")]
    write("unrelated.raw", b"short")
    metaimage("unrelated.mhd", base + [("ElementDataFile", "unrelated.raw")])
    case("metaimage_data_file_unrelated", ["info", "unrelated.mhd"], 1, "holds 5 of the 4096 bytes")
    metaimage("itself.mhd", base + [("ElementDataFile", "itself.mhd")])
    case("metaimage_data_file_itself", ["info", "itself.mhd"], 1, "header file itself")
    os.mkdir(path("afolder"))
    metaimage("folder.mhd", base + [("ElementDataFile", "afolder")])
    case("metaimage_data_file_folder", ["info", "folder.mhd"], 1, "a folder")
    metaimage("missing.mhd", base + [("ElementDataFile", "missing.raw")])
    case("metaimage_data_file_missing", ["info", "missing.mhd"], 1, "does not exist")
    write("data.raw", ramp.tobytes())
    metaimage("headersize.mhd", base + [("HeaderSize", 100000), ("ElementDataFile", "data.raw")])
    case("metaimage_header_size_past_the_end", ["info", "headersize.mhd"], 1, "past the end")
    metaimage("cut.mha", base + [("ElementDataFile", "LOCAL")], ramp.tobytes()[:1000])
    case("metaimage_local_data_cut", ["fuse", "cut.mha", A2, "-o", "c.nii"], 1, "holds 1000 of the 4096", ["c.nii"])
    nifti("complex.nii", np.zeros((32, 32), dtype=np.complex64), datatype=32, pixdim=(1, 1))
    case("nifti_complex", ["info", "complex.nii"], 1, "complex")
    metaimage("two.mha", base + [("ElementNumberOfChannels", 2), ("ElementDataFile", "LOCAL")],
              np.zeros((32, 32, 2), np.float32).tobytes())
    case("metaimage_two_channels", ["info", "two.mha"], 1, "2 channels")
    png("grey_alpha.png", 32, 32, 4, [bytes(64) for _ in range(32)])
    case("png_grey_alpha", ["info", "grey_alpha.png"], 1, "grey \\+ alpha")
    ok(["fuse", A3, B3, "-o", "series/", "--type", "uchar", "--quiet"])
    for kind in ["truncated", "junk"]:
        shutil.copytree(path("series"), path(f"series_{kind}"))
        slices = sorted(os.listdir(path(f"series_{kind}")))
        victim = f"series_{kind}/{slices[len(slices) // 2]}"
        if kind == "truncated":
            write(victim, read(victim)[:-300])
        else:
            write(victim, os.urandom(2000))
        case(f"dicom_series_{kind}_slice", ["fuse", f"series_{kind}", f"series_{kind}", "-o", f"s_{kind}.nii"], 1,
             "cut short|not a DICOM", [f"s_{kind}.nii"], [f"series_{kind}"])

if group("wrong"):
    # An oblique volume with 5 mm slices, written as a DICOM series of 8-bit and default pixels.
    header = read("phm/mri_3d.mha").split(b"ElementDataFile")[0].decode()
    c, s_ = math.cos(0.3), math.sin(0.3)
    header = re.sub(r"TransformMatrix = .*\n", f"TransformMatrix = {c} {s_} 0 {-s_} {c} 0 0 0 1\n", header)
    header = re.sub(r"ElementSpacing = .*\n", "ElementSpacing = 2 3 5\n", header)
    header = re.sub(r"Offset = .*\n", "Offset = -10 20 -30\n", header)
    write("oblique.mha", header.encode() + b"ElementDataFile" + read("phm/mri_3d.mha").split(b"ElementDataFile", 1)[1])
    reference = ok(["info", "oblique.mha"])
    for t in ["uchar", "auto", "short", "ushort"]:
        ok(["fuse", "oblique.mha", "oblique.mha", "-o", f"dicom_{t}/", "--method", "average", "--quiet"] +
           (["--type", t] if t != "auto" else []))
        back = ok(["info", f"dicom_{t}"])
        for key in ["size", "spacing", "origin", "direction"]:
            want = [float(x) for x in re.findall(r"-?[\d.e+-]+", re.search(key + r": (.*)", reference).group(1))]
            got = [float(x) for x in re.findall(r"-?[\d.e+-]+", re.search(key + r": (.*)", back).group(1))]
            if len(want) != len(got) or any(abs(a - b) > 1e-4 for a, b in zip(want, got)):
                FAILURES.append(f"dicom_{t}: {key} {got} != {want}")
        top = float(re.search(r"range: \[.*, (.*)\]", back).group(1))
        expected = {"uchar": 255, "auto": 65535, "ushort": 65535, "short": 32767}[t]
        if top != expected:
            FAILURES.append(f"dicom_{t}: the largest value is {top}, not {expected}")
        print(f"ok   dicom_{t}: grid kept, range up to {top}")
    for t, top in [("short", 32767), ("ushort", 65535), ("uchar", 255)]:
        ok(["fuse", A2, B2, "-o", f"int_{t}.nii", "--type", t, "--quiet"])
        got = float(re.search(r"range: \[.*, (.*)\]", ok(["info", f"int_{t}.nii"])).group(1))
        if not 0.9 * top < got <= top:
            FAILURES.append(f"integer output {t}: the largest value is {got}, not {top}")
    case("dicom_float_refused", ["fuse", A3, B3, "-o", "dicom_float/", "--type", "float"], 1, "holds integers",
         ["dicom_float"])
    case("activity_epsilon_1e308", ["fuse", A2, B2, "-o", "e.nii", "--method", "activity", "--epsilon", "1e308"], 2,
         "--epsilon takes a number", ["e.nii"])
    ok(["dwt", A2, "-o", "bands", "--format", "mha", "--quiet"])
    nan = np.zeros((16, 16), np.float32)
    nan[2, 2] = np.nan
    metaimage("bands_1_HH.mha", [("NDims", 2), ("DimSize", "16 16"), ("ElementType", "MET_FLOAT"),
                                 ("ElementDataFile", "LOCAL")], nan.tobytes())
    case("idwt_nan_band", ["idwt", "bands", "-o", "back.nii"], 1, "non-finite value nan", ["back.nii"])
    try:
        import onnx
        from onnx import helper, TensorProto, numpy_helper

        def model(name, nodes, initializers, channels=1):
            graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                                 [1, 1, None, None])],
                                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                                      [numpy_helper.from_array(v, k) for k, v in initializers.items()])
            onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path(name))
            return name
        w = np.ones((2, 1, 3, 3), np.float32)
        model("negvar.onnx", [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
                              helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["y"])],
              {"w": w, "s": np.ones(2, np.float32), "b": np.zeros(2, np.float32), "m": np.zeros(2, np.float32),
               "v": np.array([1, -4], np.float32)})
        case("onnx_negative_variance", ["features", A2, "-o", "nv.nii", "--model", "negvar.onnx"], 1,
             "variance", ["nv.nii"], ["negvar.onnx"])
        model("group0.onnx", [helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], group=0)], {"w": w})
        case("onnx_group_0", ["features", A2, "-o", "g0.nii", "--model", "group0.onnx"], 1, "group 0", ["g0.nii"])
        model("domain.onnx", [helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], domain="com.example")],
              {"w": w})
        case("onnx_unknown_domain", ["features", A2, "-o", "dm.nii", "--model", "domain.onnx"], 1,
             "domain 'com.example'", ["dm.nii"])
    except ImportError:
        print("skip the ONNX cases (no onnx module)")

if group("hangs"):
    for levels in ["-1", "1e10", "99999999999"]:
        case(f"dwt_levels_{levels}", ["fuse", A2, B2, "-o", "h.nii", "--method", "dwt", "--levels", levels], 2,
             "--levels takes a whole number from 1 to 16", ["h.nii"], timeout=20)

if group("options"):
    case("levels_1e10", ["dwt", A2, "-o", "p", "--levels", "1e10"], 2, "whole number from 1 to 16", ["p_dwt.txt"])
    case("levels_3abc", ["dwt", A2, "-o", "p", "--levels", "3abc"], 2, "not '3abc'", ["p_dwt.txt"])
    case("radius_1e10", ["texture", A2, "-o", "r.nii", "--radius", "1e10"], 2, "--radius takes a whole number",
         ["r.nii"])
    case("radius_negative", ["texture", A2, "-o", "r.nii", "--radius", "-1"], 2, "--radius takes a whole number from 0",
         ["r.nii"])
    case("range_three_numbers", ["texture", A2, "-o", "r.nii", "--range", "1,2,3"], 2, "--range takes LO,HI",
         ["r.nii"])
    case("metrics_range_three_numbers", ["metrics", A2, B2, A2, "--range", "1,2,3"], 2, "--range takes LO,HI")
    case("missing_value_swallows_option", ["dwt", A2, "-o", "-o"], 2, "'-o' needs a value", ["-o_1_LL.nii.gz"])
    case("glcm_levels_negative", ["fuse", A2, B2, "-o", "g.nii", "--glcm-levels", "-1"], 2,
         "--glcm-levels takes a whole number from 2 to 256", ["g.nii"])
    nifti("nan_spacing.nii", ramp, pixdim=(math.nan, 1))
    case("nifti_nan_spacing", ["info", "nan_spacing.nii"], 1, r"pixdim\[1\] = nan")
    nifti("zero_spacing.nii", ramp, pixdim=(1, 0))
    case("nifti_zero_spacing", ["info", "zero_spacing.nii"], 1, r"pixdim\[2\] = 0")
    case("mode_with_tdfif", ["fuse", A2, B2, "-o", "m.nii", "--mode", "zero"], 2, "'--mode' does not apply", ["m.nii"])
    case("wavelet_with_tdfif", ["fuse", A2, B2, "-o", "m.nii", "--wavelet", "db4"], 2, "'--wavelet' does not apply",
         ["m.nii"])
    case("metrics_preset_without_metrics", ["fuse", A2, B2, "-o", "m.nii", "--metrics-preset", "seed"], 2,
         "--metrics-preset needs --metrics", ["m.nii"])
    case("output_tensor_without_model", ["fuse", A2, B2, "-o", "m.nii", "--output-tensor", "y"], 2,
         "--output-tensor names a tensor of --model", ["m.nii"])
    case("option_twice", ["fuse", A2, B2, "-o", "m.nii", "--method", "max", "--method", "average"], 2, "given twice",
         ["m.nii"])
    header = read("phm/mri_3d.mha").split(b"ElementDataFile")[0].decode()
    header = re.sub(r"Offset = .*\n", "Offset = 100000 100000 100000\n", header)
    write("far.mha", header.encode() + b"ElementDataFile" + read("phm/mri_3d.mha").split(b"ElementDataFile", 1)[1])
    case("resample_only_without_overlap", ["fuse", "phm/mri_3d.mha", "far.mha", "-o", "far.nii", "--resample-only"], 1,
         "does not overlap", ["far.nii"])
    case("bmp_output", ["fuse", A2, B2, "-o", "x.bmp"], 1, "BMP is not written", ["x.bmp"])
    header = read("phm/mri_3d.mha").split(b"ElementDataFile")[0].decode()
    header = re.sub(r"TransformMatrix = .*\n", "TransformMatrix = 0 1 0 1 0 0 0 0 1\n", header)
    write("turned.mha", header.encode() + b"ElementDataFile" + read("phm/mri_3d.mha").split(b"ElementDataFile", 1)[1])
    case("direction_mismatch_one_line", ["fuse", "phm/mri_3d.mha", "turned.mha", "-o", "dm.nii"], 1,
         "different grids", ["dm.nii"])
    case("unknown_image_format_one_line", ["info", "test_robustness_missing.xyz"], 1, "no such file")
    write("text.nrrd", b"hello")
    case("not_nrrd", ["info", "text.nrrd"], 1, "not a NRRD file")

if group("killed"):
    # SIGKILL during the write: never a file under the output's name (a hidden temporary at most).
    ok(["phantom", "-o", "bigph", "--size", "160", "--dim", "3", "--format", "nii"])
    seen_partial = False
    for attempt in range(40):
        target = path("killed.nii")
        p = subprocess.Popen([MMFUSION, "fuse", "bigph/mri_3d.nii", "bigph/pet_3d.nii", "-o", "killed.nii",
                              "--method", "average", "--quiet"], cwd=WORK, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and p.poll() is None and not writing():
            time.sleep(0.0005)
        if p.poll() is None:
            p.kill()
        p.wait()
        partial = leftovers()
        if os.path.exists(target):
            if partial or p.returncode != 0:
                FAILURES.append(f"killed run {attempt}: killed.nii exists after SIGKILL")
                break
            os.remove(target)  # it finished before the kill: try again
            continue
        if partial:
            seen_partial = True
            for l in partial:
                os.remove(l)
            break
    CASES += 1
    if not seen_partial:
        FAILURES.append("killed: no run was caught mid-write")
    else:
        print(f"ok   sigkill_mid_write: only a hidden temporary was left (attempt {attempt + 1})")
    # SIGTERM: the temporaries go too.
    for attempt in range(40):
        p = subprocess.Popen([MMFUSION, "fuse", "bigph/mri_3d.nii", "bigph/pet_3d.nii", "-o", "termed.nii",
                              "--method", "average", "--quiet"], cwd=WORK, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and p.poll() is None and not writing():
            time.sleep(0.0005)
        caught = p.poll() is None
        p.terminate()
        p.wait()
        if os.path.exists(path("termed.nii")):
            os.remove(path("termed.nii"))
            continue
        if caught:
            break
    CASES += 1
    if leftovers() or os.path.exists(path("termed.nii")) or p.returncode != -signal.SIGTERM:
        FAILURES.append(f"sigterm: exit {p.returncode}, left {leftovers()}")
    else:
        print("ok   sigterm_mid_write: nothing left")

shutil.rmtree(WORK, ignore_errors=True)
print(f"{CASES - len(FAILURES)} passed, {len(FAILURES)} failed")
for f in FAILURES:
    print("FAILED:", f)
sys.exit(1 if FAILURES else 0)
