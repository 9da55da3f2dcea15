#!/usr/bin/python3
"""Extra seeds for fuzz_torch_checkpoint: a real torch.save file re-packed with every size and
offset in ZIP64 records (as in a > 4 GB checkpoint), and one with deflated storages.
Run: /usr/bin/python3 tests/fuzz/make_zip_seeds.py"""
import os, struct, zipfile, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "tests", "fixtures", "torch", "state_dict.pt")


def repack(entries, deflate, zip64):
    out, directory = bytearray(), bytearray()
    for name, data in entries:
        payload = data
        method = 0
        if deflate and "/data/" in name:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            payload = c.compress(data) + c.flush()
            method = 8
        crc = zlib.crc32(data)
        offset = len(out)
        name_b = name.encode()
        extra = struct.pack("<HHQQ", 1, 16, len(data), len(payload)) if zip64 else b""
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (len(payload), len(data))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0x21, crc, *sizes,
                           len(name_b), len(extra)) + name_b + extra + payload
        cextra = struct.pack("<HHQQQ", 1, 24, len(data), len(payload), offset) if zip64 else b""
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method, 0, 0x21, crc,
                                 *sizes, len(name_b), len(cextra), 0, 0, 0, 0,
                                 0xFFFFFFFF if zip64 else offset) + name_b + cextra
    cd_offset = len(out)
    out += directory
    n = len(entries)
    if zip64:
        record = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(directory), cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, record, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(directory), cd_offset, 0)
    return bytes(out)


def main():
    with zipfile.ZipFile(SOURCE) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    corpus = os.path.join(HERE, "corpus", "torch_checkpoint")
    for name, deflate, zip64 in [("zip64.pt", False, True), ("deflated.pt", True, False),
                                 ("zip64_deflated.pt", True, True)]:
        data = repack(entries, deflate, zip64)
        with open(os.path.join(corpus, name), "wb") as f:
            f.write(data)
        with zipfile.ZipFile(os.path.join(corpus, name)) as check:  # Python agrees it is valid
            assert check.testzip() is None
        print(name, len(data), "bytes")


if __name__ == "__main__":
    main()
