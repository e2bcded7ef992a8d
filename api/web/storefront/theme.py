"""A tenant's branding as CSS custom properties, with text contrast of at least 4.5:1 (WCAG 2.x AA).

The primary colour is the background of the header and buttons (with `--brand-text` on it) and the colour of
links on white, so it must reach 4.5:1 against white or black text and against the white page: a colour that
does not is darkened step by step (its hue kept) until it does. The secondary colour is the soft background of
the sub-header and summaries; when neither dark nor white text reaches 4.5:1 on it, the default is used."""

from __future__ import annotations

from dataclasses import dataclass

MIN_CONTRAST = 4.5
WHITE = "#ffffff"
DARK = "#1b1f24"
DEFAULT_BRAND = "#0b5cad"
DEFAULT_ACCENT = "#f3f6f9"
SERIF_FONTS = frozenset({"Merriweather", "Playfair Display", "Source Serif 4"})
SERIF = "Georgia, serif"
SANS = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'


def _rgb(hex_color: str) -> tuple[int, int, int]:
    value = hex_color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(hex_color: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _darken(hex_color: str, step: float = 0.08) -> str:
    return _hex(tuple(c * (1 - step) for c in _rgb(hex_color)))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Theme:
    brand: str
    brand_text: str
    accent: str
    accent_text: str
    heading_font: str
    adjusted: bool  # a tenant colour was changed to keep the contrast

    def css(self) -> str:
        return (
            ":root {\n"
            f"  --brand: {self.brand};\n  --brand-text: {self.brand_text};\n"
            f"  --accent: {self.accent};\n  --accent-text: {self.accent_text};\n"
            f"  --heading-font: {self.heading_font};\n"
            "}\n"
        )


def theme_for(primary: str | None, secondary: str | None, heading_font: str | None) -> Theme:
    adjusted = False
    brand = (primary or DEFAULT_BRAND).lower()
    # Links are --brand on white and buttons carry white text on --brand: both need the contrast.
    while contrast(brand, WHITE) < MIN_CONTRAST:
        brand = _darken(brand)
        adjusted = True
    accent = (secondary or DEFAULT_ACCENT).lower()
    accent_text = DARK if contrast(accent, DARK) >= contrast(accent, WHITE) else WHITE
    if contrast(accent, accent_text) < MIN_CONTRAST:
        accent, accent_text, adjusted = DEFAULT_ACCENT, DARK, True
    # The font is used when the visitor's device has it (no font files are fetched from elsewhere).
    font = f'"{heading_font}", {SERIF if heading_font in SERIF_FONTS else SANS}' if heading_font else SANS
    return Theme(brand=brand, brand_text=WHITE, accent=accent, accent_text=accent_text, heading_font=font,
                 adjusted=adjusted)
