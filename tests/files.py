"""Files a resident's phone sends, made here: photos with EXIF and GPS, a bomb, a PDF."""

import io

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F


def phone_photo(width=4000, height=3000, orientation=6, fmt="JPEG", quality=90):
    """A photo as a phone writes it: EXIF with the device, the GPS position (Babakan, about
    7.4 S 108.9 E) and an orientation tag (6: turn 90 degrees clockwise to show). The left
    half is red and the right half blue, so a test can see which way it was turned."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[MAKE] = "TelefonUji"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (7.0, 24.0, 36.0), 3: "E", 4: (108.0, 54.0, 0.0)})
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes(), quality=quality)
    return out.getvalue()


def png(width=64, height=48, mode="RGBA"):
    out = io.BytesIO()
    Image.new(mode, (width, height), (10, 200, 10, 128) if mode == "RGBA" else (10, 200, 10)
              ).save(out, "PNG")
    return out.getvalue()


def webp(width=64, height=48):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 10, 200)).save(out, "WEBP")
    return out.getvalue()


def bomb(side=30000):
    """A PNG of a few bytes that declares ``side`` x ``side`` pixels (900 million: 2.7 GB
    decoded): a small PNG whose header is rewritten, its checksum made right again."""
    import struct
    import zlib

    data = bytearray(png(8, 8, "RGB"))
    # The IHDR chunk: length (4), type (4), width (4), height (4), ...; its CRC after 13 bytes.
    data[16:24] = struct.pack(">II", side, side)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def pdf(text="Berita acara"):
    """A small real PDF (reportlab)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, invariant=1)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


def five_mb_photo(seed=5):
    """A 4000 x 3000 phone photo of about 5 MB (detail a JPEG cannot squeeze), with EXIF and
    GPS: what the benchmark sends."""
    import random

    rng = random.Random(seed)
    small = (900, 675)
    image = Image.frombytes("RGB", small, rng.randbytes(small[0] * small[1] * 3)).resize(
        (4000, 3000), Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (7.0, 24.0, 36.0), 3: "E", 4: (108.0, 54.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()
