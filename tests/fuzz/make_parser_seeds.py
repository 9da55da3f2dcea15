#!/usr/bin/python3
"""Seed corpora for the parser fuzzers that are not weight files (docs/fuzzing.md): image
decoding, PNG metadata, batch jobs, model.json and the tokenizers. Real files of the repository
where there are some, small hand-made ones for the rest.
Run: /usr/bin/python3 tests/fuzz/make_parser_seeds.py"""
import glob, json, os, shutil, struct, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "corpus")


def target(name):
    path = os.path.join(CORPUS, name)
    os.makedirs(path, exist_ok=True)
    return path


def write(folder, name, data):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, text_chunks):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\0" + b"".join(bytes([x * 40 % 256, y * 60 % 256, 128])
                                     for x in range(width)) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + b"".join(text_chunks) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def images():
    out = target("image_decode")
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/image/decode/*"))):
        if ".expected." not in path:
            shutil.copy(path, out)
    write(out, "ppm_p6", b"P6\n# comment\n3 2\n255\n" + bytes(range(18)))
    write(out, "pgm_p5_16bit", b"P5 2 2 65535\n" + bytes(range(8)))
    write(out, "pbm_p1", b"P1\n4 2\n1 0 1 0\n0 1 0 1\n")
    write(out, "pfm", b"Pf\n2 2\n-1.0\n" + struct.pack("<4f", 0.0, 0.25, 0.5, 1.0))
    write(out, "gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    write(out, "png_tiny", png(2, 2, []))


def png_metadata():
    out = target("png_metadata")
    request = {"model": "/models/deadiff_v1.ckpt", "prompt": "a castle on a hill",
               "negative_prompt": "over-exposure", "styles": [{"path": "a.png"},
                                                              {"path": "b.png", "weight": 2}],
               "mix": 0.3, "content": "c.png", "mode": "both", "image_weight": 1.0, "seed": 42,
               "steps": 50, "cfg": 7.5, "sampler": "ddim", "width": 512, "height": 512,
               "batch": 1, "dtype": "auto", "depth": "d.png", "control": "cn.pth",
               "control_scale": 0.8, "control_start": 0.0, "control_end": 0.9}
    text = json.dumps(request).encode()
    params = (b"a castle on a hill\nNegative prompt: over-exposure\nSteps: 50, Sampler: DDIM, "
              b"CFG scale: 7.5, Seed: 42, Size: 512x512")
    write(out, "text", png(2, 2, [chunk(b"tEXt", b"parameters\0" + params),
                                  chunk(b"tEXt", b"deadiff_request\0" + text)]))
    write(out, "ztxt", png(1, 1, [chunk(b"zTXt", b"deadiff_request\0\0" + zlib.compress(text))]))
    unicode = json.dumps({"prompt": "城堡 \u00e9t\u00e9", "styles": ["\u00fc.png"]},
                         ensure_ascii=False).encode()
    write(out, "itxt", png(1, 1, [chunk(b"iTXt", b"deadiff_request\0\0\0\0\0" + unicode),
                                  chunk(b"iTXt", b"parameters\0\1\0zh\0\0" + zlib.compress(params))]))
    write(out, "strings", png(1, 1, [chunk(b"tEXt", b"deadiff_request\0" + json.dumps(
        {"prompt": "x", "styles": ["s.png"], "seed": 18446744073709551615, "mode": "style",
         "sampler": "euler-a", "future_key": [1, {"a": None}]}).encode())]))


def batch_jobs():
    out = target("batch_job")
    for path in sorted(glob.glob(os.path.join(ROOT, "resources/examples/*.json"))):
        shutil.copy(path, out)
    write(out, "axes.json", json.dumps({
        "template": {"prompt": "a house", "steps": 4, "width": 64, "height": 64, "batch": 2,
                     "control": "cn.pth", "depth": "d.png"},
        "prompts": ["a", "b c"], "styles": [["s.png", {"path": "t.png", "weight": 2}]],
        "mix": [0, 0.5], "seeds": [1, 2], "image_weight": [0.5, 1],
        "depths": ["d1.png", "d2.png"],
        "name_template": "{index}_{seed}_{style}_{prompt:20}_{mix}_{steps}_{depth}.png"}))
    write(out, "seed_count.json", json.dumps({"template": {"prompt": "p", "seed": 7},
                                              "seed_count": 3,
                                              "name_template": "{batch_index}-{cfg}-{sampler}"}))


def model_json():
    out = target("model_json")
    shutil.copy(os.path.join(ROOT, "resources/demo-model/model.json"),
                os.path.join(out, "demo.json"))
    for name in ("dcm", "recon", "stre"):
        shutil.copy(os.path.join(ROOT, "resources/demo-model/ablations", name, "model.json"),
                    os.path.join(out, name + ".json"))
    write(out, "minimal.json", '{"format": "deadiff-model"}')


def tokenizers():
    out = target("tokenizers")
    for i, text in enumerate([
            "A curly-haired boy", "a photo of a cat, 4k, trending on artstation!!",
            "Caf\u00e9 na\u00efve \u00c5ngstr\u00f6m \u00df", "\u57ce\u5821\u3068\u732b \u2014 \ud55c\uad6d\uc5b4",
            "&amp; &lt;tag&gt; &#169; &eacute; don't we'll", "\U0001F600\U0001F3A8 emoji \u200d\u2640",
            "e\u0301 combining \u0308marks", "UPPER lower MiXeD 12345 3.14 1,000",
            "tab\tnew\nline\r\x0b\x0c", "\xff\xfe invalid", "unaffable unbelievable"]):
        data = text.encode("utf-8", "surrogatepass") if "\xff" not in text else b"\xff\xfe invalid \xc3"
        write(out, "prompt_%02d" % i, data)


if __name__ == "__main__":
    images()
    png_metadata()
    batch_jobs()
    model_json()
    tokenizers()
