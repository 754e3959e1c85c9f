"""Bad input raises one clear line and leaves the input alone; two threads fuse at once with the
GIL released; a thousand calls do not grow the memory; the backend and progress are reported."""
import threading
import time

import numpy as np
import pytest

import mmfusion


def pair(size=32):
    return mmfusion.phantom("mri", 2, size), mmfusion.phantom("pet", 2, size)


def one_line(excinfo):
    message = str(excinfo.value)
    assert message and "\n" not in message, message
    return message


def test_bad_input_raises_clear_errors(tmp_path):
    mri, pet = pair()
    with pytest.raises(ValueError) as e:
        mmfusion.Image(np.zeros(5, np.float32))
    assert "2D or 3D" in one_line(e)
    with pytest.raises(TypeError) as e:
        mmfusion.Image(np.zeros((4, 4), np.complex64))
    assert "dtype" in one_line(e)
    with pytest.raises(TypeError):
        mmfusion.Image(np.zeros((4, 4), bool))
    other = mmfusion.Image(pet.array, spacing=(2.0, 2.0))
    with pytest.raises(ValueError) as e:
        mmfusion.fuse([mri, other])
    assert "not on the grid of source 0" in one_line(e)
    nan = np.array(pet.array)
    nan[3, 4] = np.nan
    with pytest.raises(ValueError) as e:
        mmfusion.fuse([mri, mmfusion.Image(nan, pet.spacing, pet.origin, pet.direction)])
    assert "NaN" in one_line(e)
    strided = mmfusion.Image(np.asfortranarray(np.zeros((64, 32), np.float32))[::2, :], pet.spacing, pet.origin)
    with pytest.raises(ValueError) as e:
        mmfusion.fuse([mri, strided])
    assert "not contiguous" in one_line(e)
    with pytest.raises(ValueError) as e:
        mmfusion.fuse([mri, pet], "median")
    assert "unknown method 'median'" in one_line(e)
    with pytest.raises(ValueError) as e:
        mmfusion.fuse([mri, pet], "max", weight_power=2)
    assert "does not apply" in one_line(e)
    with pytest.raises(ValueError) as e:
        mmfusion.fuse([mri, pet], "tdfif", weight_power=-1)  # checked by the C++ registry
    assert "weight-power" in one_line(e)
    with pytest.raises(ValueError) as e:
        mmfusion.fuse([mri, pet], backend="gpu")
    assert "unknown backend" in one_line(e)
    with pytest.raises(ValueError) as e:
        mmfusion.fuse([mri])
    assert "at least two sources" in one_line(e)
    colour = mmfusion.Image(np.stack([pet.array * 255] * 3, axis=-1), pet.spacing, pet.origin, colour=True)
    with pytest.raises(ValueError) as e:  # refused before any work
        mmfusion.fuse([mri, colour], register="rigid")
    assert "register its luminance first" in one_line(e)
    with pytest.raises(FileNotFoundError) as e:
        mmfusion.read("/nonexistent/image.nii.gz")
    one_line(e)
    damaged = tmp_path / "damaged.nii.gz"
    damaged.write_bytes(b"\x1f\x8b\x08\x00" + b"not a gzip stream" * 10)
    with pytest.raises(ValueError) as e:
        mmfusion.read(damaged)
    assert "damaged.nii.gz" in one_line(e)


def test_read_only_inputs_are_used_and_left_untouched(tmp):
    mri, pet = pair()
    frozen = np.asfortranarray(np.array(pet.array, dtype=np.float32))
    frozen.setflags(write=False)
    before = frozen.copy()
    fused = mmfusion.fuse([mri, mmfusion.Image(frozen, pet.spacing, pet.origin)], "max")
    np.testing.assert_array_equal(frozen, before)
    np.testing.assert_array_equal(fused.array, mmfusion.fuse([mri, pet], "max").array)
    # A C-ordered or integer input is converted (a copy), with the same result.
    as_int = mmfusion.Image(np.ascontiguousarray(np.round(pet.array * 1000)).astype(np.int16), pet.spacing, pet.origin)
    scaled = mmfusion.Image(np.round(pet.array * 1000).astype(np.float32), pet.spacing, pet.origin)
    np.testing.assert_allclose(mmfusion.fuse([mri, as_int], "max").array, mmfusion.fuse([mri, scaled], "max").array)


def test_backend_reported_and_progress():
    mri, pet = pair()
    assert mmfusion.fuse([mri, pet], "max", backend="cpu").backend == "cpu"
    emulated = mmfusion.fuse([mri, pet], "max", backend="emulated")
    assert emulated.backend == "emulated"
    np.testing.assert_allclose(emulated.array, mmfusion.fuse([mri, pet], "max", backend="cpu").array, atol=1e-6)
    seen = []
    mmfusion.fuse([mri, pet], "tdfif", progress=seen.append)
    assert seen and seen[-1] == pytest.approx(1.0) and all(0.0 <= v <= 1.0 for v in seen)

    def stop(_):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # the callback's exception ends the fusion
        mmfusion.fuse([mri, pet], "tdfif", progress=stop)


def test_two_threads_fuse_at_once_with_the_gil_released():
    mri, pet = mmfusion.phantom("mri", 3, 64), mmfusion.phantom("pet", 3, 64)
    expected = mmfusion.fuse([mri, pet], "tdfif").array
    results, ticks = [None, None], []

    def work(k):
        results[k] = mmfusion.fuse([mri, pet], "tdfif").array

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):  # Python runs while both fuse
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)
    assert len(ticks) > 20, "the main thread did not run during the fusions (is the GIL held?)"


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2 ** 20


def test_a_thousand_calls_do_not_grow_the_memory():
    mri, pet = pair(32)
    for _ in range(100):
        mmfusion.fuse([mri, pet], "max")
        mmfusion.metrics([mri, pet], mri)
    start = rss_mib()
    for _ in range(1000):
        fused = mmfusion.fuse([mri, pet], "max")
        mmfusion.metrics([mri, pet], fused)
    assert rss_mib() - start < 20, "memory grew by %.1f MiB over 1000 calls" % (rss_mib() - start)
