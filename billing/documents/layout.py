"""The page the documents are printed on: A4, DejaVu Sans (bundled in billing/fonts with
its licence, so "€", "£" and non-Latin names print whatever the host has installed)."""

from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT = "DejaVu"


class Document(FPDF):
    def __init__(self, title: str, created_at, language: str):
        super().__init__(format="A4")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_lang(language)
        self.set_title(title)
        self.set_creation_date(created_at)  # the document's own date, not the rendering's
        self.set_auto_page_break(auto=True, margin=15)
        self.add_page()
        self.set_font(FONT, "B", 15)
        self.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=9)

    def line_text(self, text: str, bold: bool = False, size: int = 9) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, 4.6, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def two_columns(self, left: list[str], right: list[str]) -> None:
        """Two address blocks side by side (seller and buyer, payee and payer)."""
        top = self.get_y()
        for column, lines in ((0, left), (1, right)):
            self.set_xy(self.l_margin + column * 95, top)
            for index, text in enumerate(lines):
                self.set_font(FONT, "B" if index == 0 else "", 9)
                self.set_x(self.l_margin + column * 95)
                self.multi_cell(92, 4.6, text, align="L", new_x="LEFT", new_y="NEXT")
        self.set_y(max(self.get_y(), top + 4.6 * max(len(left), len(right))))
        self.set_x(self.l_margin)

    def table(self, header: list[str], rows: list[list[str]], widths: list[float], align: str = "") -> None:
        """A bordered table; `align` is one letter per column (L or R), left by default."""
        align = align or "L" * len(widths)
        self.set_font(FONT, "B", 8)
        for title, width, side in zip(header, widths, align, strict=True):
            self.cell(width, 6, title, border=1, align=side)
        self.ln()
        self.set_font(FONT, size=8)
        for row in rows:
            for value, width, side in zip(row, widths, align, strict=True):
                self.cell(width, 5.5, value, border=1, align=side)
            self.ln()
