"""Make the real-world document corpus in tests/fixtures/documents/ (committed; run this
only to remake it). Each file shows the same reflective log, with an email address and a
postcode the anonymisation check must find, made the way registrants' files are made:

- LibreOffice Writer: OpenDocument text, a Word (.docx) export, and PDFs exported from
  both (subset TrueType fonts shown through hex strings, text mapped by ToUnicode);
- fpdf2 with an embedded TrueType font: a PDF whose text is in an Identity-H (Type0)
  font, as many PDF makers (and Word's "Save as PDF" for non-Latin text) write it.

Needs LibreOffice (Debian: apt-get install -y --no-install-recommends
libreoffice-writer-nogui), the DejaVu fonts, and fpdf2 (pip install fpdf2==2.8.9).

    .venv/bin/python tests/support/make_document_corpus.py
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

LINES = [
    "Reflective supervision log",
    "Supervision with Zoë Łukasiewicz on the Care Act 2014 — Ελληνικά too.",
    "Contact jo.smith@example.com, postcode SW1A 1AA.",
    "Learning need: mental capacity assessments.",
]
# What each file must show the text reader (and the identifiers it must find).
EXPECTED = ["Reflective supervision log", "jo.smith@example.com", "SW1A 1AA"]


def _soffice(source: Path, target: str, out: Path, home: Path) -> Path:
    subprocess.run(
        ["soffice", "--headless", "--convert-to", target, "--outdir", str(out), str(source)],
        check=True,
        timeout=180,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
    )
    return out / (source.stem + "." + target.split(":")[0])


def main() -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        source = work / "log.html"
        body = "".join(f"<p>{line}</p>" for line in LINES)
        source.write_text(f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>')
        odt = _soffice(source, "odt:writer8", work, work)
        docx = _soffice(odt, "docx:MS Word 2007 XML", work, work)
        shutil.copy(odt, CORPUS / "libreoffice.odt")
        shutil.copy(docx, CORPUS / "libreoffice-word.docx")
        shutil.copy(_soffice(odt, "pdf:writer_pdf_Export", work, work), CORPUS / "libreoffice.pdf")
        word_pdf_dir = work / "from-word"
        word_pdf_dir.mkdir()
        shutil.copy(
            _soffice(docx, "pdf:writer_pdf_Export", word_pdf_dir, work),
            CORPUS / "word-export.pdf",
        )

    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=12)
    for line in LINES:
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(CORPUS / "identity-h.pdf"))


if __name__ == "__main__":
    main()
