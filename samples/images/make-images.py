#!/usr/bin/python3
"""Makes the sample signature and seal images (transparent PNGs at real size, 300 dpi).

They are obviously samples: the seal reads "MẪU" (sample) and names no real agency's seal number.
Run: /usr/bin/python3 samples/images/make-images.py   (needs Debian's python3-pil)
"""
import math
import os
from PIL import Image, ImageDraw, ImageFont

HERE = os.path.dirname(os.path.abspath(__file__))
FONT = os.path.join(HERE, "..", "fonts", "LiberationSerif-Bold.ttf")
DPI = 300
MM = DPI / 25.4


def seal():
    size = int(36 * MM)  # a round seal of 36 mm, the usual size for a provincial People's Committee
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    red = (200, 16, 32, 235)
    c = size / 2
    d.ellipse([4, 4, size - 5, size - 5], outline=red, width=9)
    inner = size * 0.30
    d.ellipse([c - inner, c - inner, c + inner, c + inner], outline=red, width=5)
    text = "ỦY BAN NHÂN DÂN TỈNH LÂM ĐỒNG ★ "
    font = ImageFont.truetype(FONT, int(size * 0.085))
    radius = size * 0.39
    total = sum(font.getlength(ch) for ch in text)
    angle = -math.pi / 2 - (total / radius) / 2
    for ch in text:
        w = font.getlength(ch)
        a = angle + (w / 2) / radius
        glyph = Image.new("RGBA", (int(w) + 40, int(size * 0.14)), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((20, 0), ch, font=font, fill=red)
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.BICUBIC, expand=True)
        x = c + radius * math.cos(a) - glyph.width / 2
        y = c + radius * math.sin(a) - glyph.height / 2
        img.alpha_composite(glyph, (int(x), int(y)))
        angle += w / radius
    big = ImageFont.truetype(FONT, int(size * 0.13))
    for i, line in enumerate(["MẪU", "SAMPLE"]):
        f = big if i == 0 else ImageFont.truetype(FONT, int(size * 0.07))
        w = f.getlength(line)
        d.text((c - w / 2, c - size * (0.10 if i == 0 else -0.04)), line, font=f, fill=red)
    img.save(os.path.join(HERE, "seal.png"), dpi=(DPI, DPI), optimize=True)


def signature():
    w, h = int(45 * MM), int(18 * MM)
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    ink = (20, 30, 110, 255)
    # A flowing hand-drawn stroke: a few loops and a long underline, like a real signature.
    pts = []
    for i in range(400):
        t = i / 399
        x = 20 + t * (w - 60)
        y = h * 0.45 + math.sin(t * 11) * h * 0.22 * (1 - t * 0.6) + math.cos(t * 29) * h * 0.06
        pts.append((x, y))
    d.line(pts, fill=ink, width=6, joint="curve")
    d.line([(w * 0.15, h * 0.8), (w * 0.55, h * 0.72), (w * 0.95, h * 0.78)], fill=ink, width=5, joint="curve")
    img.save(os.path.join(HERE, "signature.png"), dpi=(DPI, DPI), optimize=True)


if __name__ == "__main__":
    seal()
    signature()
    print("wrote seal.png and signature.png in", HERE)
