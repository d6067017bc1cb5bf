"""What a PDF made by WeasyPrint really draws: its fonts and, per font, the glyphs it uses and the
text each glyph stands for (its ToUnicode map), read from the file itself.

Enough of PDF for pydyf's output (WeasyPrint's writer): numbered objects, some packed in
compressed object streams, Type0 fonts with Identity-H glyph ids and a ToUnicode CMap.
"""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import cache

from fontTools.ttLib import TTFont

_OBJECT = re.compile(rb"(\d+) 0 obj\s*")
_LENGTH = re.compile(rb"/Length (\d+)")


@dataclass
class PdfFont:
    name: str  # the PostScript name of the font program embedded, e.g. NotoNaskhArabic-Bold
    base_font: str  # the PDF's name for it, with its subset tag: CXBVDS+Noto-Naskh-Arabic
    glyphs: dict[int, str] = field(default_factory=dict)  # glyph id → the text it stands for

    def glyph_names(self) -> dict[int, str]:
        """Glyph id → its name in the installed font of the same PostScript name (WeasyPrint
        keeps the glyph ids of the font it embeds)."""
        order = _installed_glyph_order(self.name)
        return {gid: order[gid] for gid in self.glyphs}


def _stream(header: bytes, data: bytes, start: int) -> bytes:
    length = int(_LENGTH.search(header).group(1))
    body = data[start : start + length]
    return zlib.decompress(body) if b"/FlateDecode" in header else body


def pdf_objects(data: bytes) -> dict[int, bytes]:
    """Object number → its dictionary (and the decompressed stream after it, if any)."""
    objects: dict[int, bytes] = {}
    for match in _OBJECT.finditer(data):
        number, start = int(match.group(1)), match.end()
        if data[start : start + 2] != b"<<":
            continue
        stream_at = data.find(b"stream", start)
        end_at = data.find(b"endobj", start)
        if 0 <= stream_at < end_at:
            header = data[start:stream_at]
            body_start = stream_at + len(b"stream")
            body_start += 2 if data[body_start : body_start + 2] == b"\r\n" else 1
            objects[number] = header + b"\nstream\n" + _stream(header, data, body_start)
        else:
            objects[number] = data[start:end_at]
    # Objects packed in object streams: "number offset ..." pairs, then the objects.
    for packed in [body for body in objects.values() if body.startswith(b"<</Type /ObjStm")]:
        header, content = packed.split(b"\nstream\n", 1)
        first = int(re.search(rb"/First (\d+)", header).group(1))
        pairs = [int(value) for value in content[:first].split()]
        offsets = list(zip(pairs[::2], pairs[1::2], strict=True))
        for index, (number, offset) in enumerate(offsets):
            end = offsets[index + 1][1] if index + 1 < len(offsets) else len(content) - first
            objects[number] = content[first + offset : first + end]
    return objects


def _reference(body: bytes, key: bytes) -> int:
    return int(re.search(rb"/" + key + rb"\s*\[?\s*(\d+) 0 R", body).group(1))


def _to_unicode(cmap: bytes) -> dict[int, str]:
    glyphs = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for gid, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            glyphs[int(gid, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, text in re.findall(rb"<(\w+)>\s*<(\w+)>\s*<(\w+)>", block):
            first = bytes.fromhex(text.decode()).decode("utf-16-be")
            for offset in range(int(high, 16) - int(low, 16) + 1):
                glyphs[int(low, 16) + offset] = first[:-1] + chr(ord(first[-1]) + offset)
    return glyphs


def pdf_fonts(data: bytes) -> list[PdfFont]:
    """Every Type0 font of the PDF: which font program it embeds and the glyphs it draws."""
    objects = pdf_objects(data)
    fonts = []
    for body in objects.values():
        if b"/Subtype /Type0" not in body:
            continue
        descendant = objects[_reference(body, b"DescendantFonts")]
        descriptor = objects[_reference(descendant, b"FontDescriptor")]
        program = objects[_reference(descriptor, b"FontFile2")].split(b"\nstream\n", 1)[1]
        fonts.append(
            PdfFont(
                name=TTFont(io.BytesIO(program))["name"].getDebugName(6),
                base_font=re.search(rb"/BaseFont\s*/([^\s/<>\[\]]+)", body).group(1).decode(),
                glyphs=_to_unicode(objects[_reference(body, b"ToUnicode")].split(b"stream", 1)[1]),
            )
        )
    return fonts


@cache
def _installed_glyph_order(postscript_name: str) -> list[str]:
    listed = subprocess.run(
        ["fc-list", f":postscriptname={postscript_name}", "file"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split(":")[0]
    assert listed, f"no installed font is named {postscript_name}"
    return TTFont(listed.strip()).getGlyphOrder()


def contextual_form(glyph_name: str) -> str | None:
    """ "initial", "medial" or "final" when the glyph is a letter's joined form, by the name the
    font gives it: a presentation form (uniFEE4, ARABIC LETTER MEEM MEDIAL FORM) or a suffix
    (uni0645.medi); None for isolated letters and everything else."""
    suffix = re.search(r"\.(init|medi|fina)(?![a-z])", glyph_name)
    if suffix:
        return {"init": "initial", "medi": "medial", "fina": "final"}[suffix.group(1)]
    code = re.fullmatch(r"uni([0-9A-F]{4})", glyph_name)
    if code:
        name = unicodedata.name(chr(int(code.group(1), 16)), "")
        for form in ("initial", "medial", "final"):
            if f"{form.upper()} FORM" in name:
                return form
    return None
