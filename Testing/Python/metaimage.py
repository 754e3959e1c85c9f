"""MetaImage (.mha, data inline) reading and writing for the Python tests and scripts.

Arrays are indexed [z][y][x] (NumPy order), with a trailing channel axis for vector images;
the header's spacing and offset are returned in ITK order (x, y, z).
"""
import zlib

import numpy as np

TYPES = {"MET_UCHAR": np.uint8, "MET_CHAR": np.int8, "MET_SHORT": np.int16, "MET_USHORT": np.uint16,
         "MET_INT": np.int32, "MET_UINT": np.uint32, "MET_FLOAT": np.float32, "MET_DOUBLE": np.float64}


def read(path):
    """Returns (array, header dict with 'spacing' and 'origin' as float lists)."""
    with open(path, "rb") as f:
        data = f.read()
    header, offset = {}, 0
    while True:
        end = data.index(b"\n", offset)
        key, _, value = data[offset:end].decode().partition("=")
        header[key.strip()] = value.strip()
        offset = end + 1
        if key.strip() == "ElementDataFile":
            break
    if header["ElementDataFile"] != "LOCAL":
        raise ValueError("%s: only inline data (.mha) is read here" % path)
    dims = [int(v) for v in header["DimSize"].split()]
    raw = data[offset:]
    if header.get("CompressedData", "False") == "True":
        raw = zlib.decompress(raw)
    channels = int(header.get("ElementNumberOfChannels", "1"))
    shape = dims[::-1] + ([channels] if channels > 1 else [])
    array = np.frombuffer(raw, dtype=TYPES[header["ElementType"]]).reshape(shape)
    header["spacing"] = [float(v) for v in header.get("ElementSpacing", " ".join(["1"] * len(dims))).split()]
    header["origin"] = [float(v) for v in header.get("Offset", " ".join(["0"] * len(dims))).split()]
    return array, header


def write(path, array, spacing=None, origin=None, direction=None):
    """A scalar float32 image from an array indexed [z][y][x]; `direction` (optional) is the D x D
    matrix whose columns are the axes' directions, as ITK's."""
    array = np.ascontiguousarray(array, dtype=np.float32)
    dims = list(array.shape[::-1])
    spacing = spacing or [1.0] * len(dims)
    origin = origin or [0.0] * len(dims)
    matrix = "" if direction is None else "TransformMatrix = %s\n" % " ".join(
        "%r" % float(v) for v in np.asarray(direction, dtype=float).T.ravel())
    header = ("ObjectType = Image\nNDims = %d\nBinaryData = True\nBinaryDataByteOrderMSB = False\n%s"
              "Offset = %s\nElementSpacing = %s\nDimSize = %s\nElementType = MET_FLOAT\nElementDataFile = LOCAL\n" %
              (len(dims), matrix, " ".join(map(str, origin)), " ".join(map(str, spacing)), " ".join(map(str, dims))))
    with open(path, "wb") as f:
        f.write(header.encode())
        f.write(array.tobytes())
