"""The policy's PDF proven from the file, not assumed from the text pdftotext gives back (which
reads the same whether the letters are joined or not): the Arabic is drawn by the Arabic fonts
the system packages install, embedded; its letters take their joined forms."""

import subprocess
from collections import defaultdict

from tests.helpers import POLICY, api_client, client_for, publish
from tests.pdf import contextual_form, pdf_fonts

# infra/system-packages.sh installs these; WeasyPrint would fall back silently to any font with
# Arabic glyphs (DejaVu Sans has some) if they were missing.
ARABIC_FONTS = {"NotoNaskhArabic-Regular", "NotoNaskhArabic-Bold", "Amiri-Regular"}
# Letters that join on both sides, and a paragraph where each takes its three joined forms
# (initial, medial, final), whatever the template's own words become.
DUAL_JOINING = "بتحسعفلمنهي"
JOINED = (
    "<p>يحرص فريق الجمعية على حسن استقبال المستفيد وسماع طلبه وتلبية حاجته بعناية، ويلتزم بنشر "
    "سياسته في موقعه ومتابعة حالته حتى تنتهي، فنعمل معه بروح الفريق الواحد، وفي هذا الوقت نعرف "
    "نفس الضعيف ونحفظ بياناته ونكتب له بما يتم، ونسمع رأيه ونصلح ما يلزم فيه.</p>"
)


def _pdf(tenant) -> bytes:
    response = client_for(tenant).get("/policy.pdf")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _pdffonts(data: bytes, tmp_path) -> list[dict[str, str]]:
    """pdffonts' table: name, type, encoding, embedded, subset, ToUnicode, per font."""
    path = tmp_path / "policy.pdf"
    path.write_bytes(data)
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    rows = []
    for line in lines[2:]:  # a header and a rule
        name, *rest = line.split()
        # The type may be two words ("CID TrueType"): the fixed columns are read from the end.
        emb, sub, uni = rest[-5:-2]
        rows.append({"name": name, "encoding": rest[-6], "emb": emb, "sub": sub, "uni": uni})
    return rows


def test_the_pdf_draws_its_arabic_with_the_arabic_fonts_embedded(alpha, media, tmp_path):
    client, auth = api_client(alpha, alpha.admin_email)
    client.patch("/api/v1/association/", {"basmala": True}, content_type="application/json", **auth)
    publish(alpha, data=POLICY)
    data = _pdf(alpha)
    listed = _pdffonts(data, tmp_path)
    assert listed, "pdffonts lists no font"
    for font in listed:
        # Embedded (a reader without the fonts shows the same page), subset, and with the map
        # back to the text (copying and searching the PDF give the Arabic words).
        assert (font["emb"], font["sub"], font["uni"]) == ("yes", "yes", "yes"), font
    fonts = pdf_fonts(data)
    assert {font.base_font for font in fonts} == {font["name"] for font in listed}
    drawing_arabic = {
        font.name
        for font in fonts
        if any("\u0600" <= char <= "\u06ff" for text in font.glyphs.values() for char in text)
    }
    # The body and headings in Noto Naskh Arabic, the basmala in Amiri: nothing else.
    assert drawing_arabic == ARABIC_FONTS, drawing_arabic


def test_the_pdf_joins_the_arabic_letters(alpha, media):
    extra = {"key": "preamble", "extra_ar": JOINED, "extra_en": "<p>Joined letters.</p>"}
    publish(alpha, data={**POLICY, "sections": [extra]})
    fonts = pdf_fonts(_pdf(alpha))
    forms = defaultdict(set)  # letter → the joined forms its glyphs take, in the body's font
    for font in fonts:
        if font.name != "NotoNaskhArabic-Regular":
            continue
        for gid, name in font.glyph_names().items():
            text = font.glyphs[gid]
            form = contextual_form(name)
            if form and len(text) == 1:
                forms[text].add(form)
    # Unshaped text would draw every letter with its one isolated glyph: no form at all.
    missing = {
        letter: {"initial", "medial", "final"} - forms[letter]
        for letter in DUAL_JOINING
        if forms[letter] != {"initial", "medial", "final"}
    }
    assert not missing, f"letters drawn without these joined forms: {missing}"
