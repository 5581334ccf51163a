"""Icons for buttons and the application: the desktop theme's where it has them, else Qt's own.

The application icon is drawn by :func:`draw_app_icon` (also used to write the PNG/SVG files in
``resources/icons/``), so the app never depends on an image file being installed.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QLinearGradient, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

_FALLBACKS = {
    "edit-undo": QStyle.StandardPixmap.SP_ArrowBack,
    "edit-redo": QStyle.StandardPixmap.SP_ArrowForward,
    "edit-clear": QStyle.StandardPixmap.SP_DialogResetButton,
    "document-open": QStyle.StandardPixmap.SP_DialogOpenButton,
    "folder-open": QStyle.StandardPixmap.SP_DirOpenIcon,
    "document-save": QStyle.StandardPixmap.SP_DialogSaveButton,
    "media-playback-start": QStyle.StandardPixmap.SP_MediaPlay,
    "process-stop": QStyle.StandardPixmap.SP_BrowserStop,
    "edit-delete": QStyle.StandardPixmap.SP_TrashIcon,
    "list-add": QStyle.StandardPixmap.SP_FileDialogNewFolder,
    "help-about": QStyle.StandardPixmap.SP_MessageBoxInformation,
}


def themed(name: str) -> QIcon:
    icon = QIcon.fromTheme(name)
    if icon.isNull() and name in _FALLBACKS:
        icon = QApplication.style().standardIcon(_FALLBACKS[name])
    return icon


# The digit drawn on the icon: a handwritten-looking 7 in the 0..1 square, as (x, y) points.
ICON_STROKE = [(0.28, 0.30), (0.50, 0.285), (0.70, 0.29), (0.64, 0.42), (0.55, 0.58), (0.47, 0.76)]
ICON_BAR = [(0.40, 0.53), (0.63, 0.52)]
BG_TOP, BG_BOTTOM, INK, BOX = "#2f6fde", "#1b3f8f", "#ffffff", "#ffd54a"


def draw_app_icon(size: int = 256) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    s = float(size)
    grad = QLinearGradient(0, 0, 0, s)
    grad.setColorAt(0.0, QColor(BG_TOP))
    grad.setColorAt(1.0, QColor(BG_BOTTOM))
    p.setBrush(grad)
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(QRectF(0.04 * s, 0.04 * s, 0.92 * s, 0.92 * s), 0.2 * s, 0.2 * s)
    box = QPen(QColor(BOX), 0.035 * s, Qt.PenStyle.DashLine)
    p.setPen(box)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(0.2 * s, 0.2 * s, 0.6 * s, 0.66 * s), 0.04 * s, 0.04 * s)
    ink = QPen(QColor(INK), 0.085 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(ink)
    for stroke in (ICON_STROKE, ICON_BAR):
        path = QPainterPath(QPointF(stroke[0][0] * s, stroke[0][1] * s))
        for x, y in stroke[1:]:
            path.lineTo(QPointF(x * s, y * s))
        p.drawPath(path)
    p.end()
    return image


def app_icon_svg() -> str:
    """The same icon as scalable vector graphics, for desktop entries and packaging."""
    def poly(points):
        return " ".join(f"{x * 256:.1f},{y * 256:.1f}" for x, y in points)

    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
  <defs><linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">
    <stop offset="0" stop-color="{BG_TOP}"/><stop offset="1" stop-color="{BG_BOTTOM}"/></linearGradient></defs>
  <rect x="10.24" y="10.24" width="235.52" height="235.52" rx="51.2" fill="url(#bg)"/>
  <rect x="51.2" y="51.2" width="153.6" height="168.96" rx="10.24" fill="none" stroke="{BOX}"
        stroke-width="8.96" stroke-dasharray="17.9 8.96"/>
  <polyline points="{poly(ICON_STROKE)}" fill="none" stroke="{INK}" stroke-width="21.76"
            stroke-linecap="round" stroke-linejoin="round"/>
  <polyline points="{poly(ICON_BAR)}" fill="none" stroke="{INK}" stroke-width="21.76" stroke-linecap="round"/>
</svg>
"""


def app_icon() -> QIcon:
    from ..resources_path import resource_path

    icon = QIcon()
    png = resource_path("icons", "digitdesk.png")
    if png.is_file():
        icon.addFile(str(png))
    else:
        for size in (16, 32, 48, 64, 128, 256):
            icon.addPixmap(QPixmap.fromImage(draw_app_icon(size)))
    return icon


def write_icon_files(folder) -> list:
    """Write digitdesk.png (256 px) and digitdesk.svg into ``folder`` (run once, committed)."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / "digitdesk.png", folder / "digitdesk.svg"
    draw_app_icon(256).save(str(png))
    svg.write_text(app_icon_svg(), encoding="utf-8")
    return [png, svg]


if __name__ == "__main__":  # python -m digitdesk.gui.icons resources/icons
    import sys

    app = QApplication.instance() or QApplication(sys.argv[:1])
    for path in write_icon_files(sys.argv[1] if len(sys.argv) > 1 else "resources/icons"):
        print(path)
