"""Screenshots of each workspace for the README, taken from the real app under Xvfb.

    python packaging/screenshots.py [--out docs/screenshots] [--model FILE.onnx]

Without a display it re-runs itself under ``xvfb-run`` (install: apt-get install xvfb
libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0). Settings go to a temporary
folder. It writes draw.png (a number written on the canvas), images.png (pictures read),
batch.png (a finished batch of synthetic cheque scans read through a template) and
template.png (the template editor on one of those scans).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WIDTH, HEIGHT = 1180, 740


def _under_xvfb() -> None:
    if os.environ.get("DISPLAY") or os.environ.get("DIGITDESK_SCREENSHOTS_CHILD"):
        return
    xvfb = shutil.which("xvfb-run")
    if not xvfb:
        sys.exit("no display and no xvfb-run: apt-get install xvfb (see this script's docstring)")
    env = dict(os.environ, DIGITDESK_SCREENSHOTS_CHILD="1", QT_QPA_PLATFORM="xcb")
    cmd = [xvfb, "-a", "-s", "-screen 0 1400x900x24", sys.executable, __file__, *sys.argv[1:]]
    sys.exit(subprocess.call(cmd, env=env))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--model")
    args = parser.parse_args()
    _under_xvfb()

    import numpy as np
    from PIL import Image

    import digitdesk.gui  # noqa: F401
    from PySide6.QtCore import QCoreApplication, QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from digitdesk.gui.app import make_app

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="digitdesk-shots-"))
    app = make_app()
    QCoreApplication.setOrganizationName("digitdesk-screenshots")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
    from digitdesk.gui.main_window import BATCH, DRAW, IMAGES, MainWindow

    def pump(seconds: float, until=None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            if until is not None and until():
                break
            time.sleep(0.01)
        for _ in range(10):
            app.processEvents()

    def shoot(widget, name: str, colors: int = 128, scale: float = 1.0) -> None:
        pump(0.3)
        image = widget.grab().toImage()
        path = out / name
        image.save(str(path))
        # Keep the README light: an adaptive palette keeps UI pixels exact and the file small.
        with Image.open(path) as im:
            if scale != 1.0:
                im = im.resize((int(im.width * scale), int(im.height * scale)), Image.LANCZOS)
            im.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
        print(f"{path} ({path.stat().st_size // 1024} KiB)")

    window = MainWindow(args.model)
    window.resize(WIDTH, HEIGHT)
    window.show()
    window.start_model()
    pump(30, lambda: window.provider.model is not None)
    if window.provider.model is None:
        sys.exit(f"the model did not load: {window.provider.error}")

    # --- Draw: a number written on the canvas --------------------------------------------------
    window.tabs.setCurrentIndex(DRAW)
    canvas = window.draw_page.canvas
    canvas.add_stroke([(150, 95), (112, 205), (104, 228), (176, 226), (205, 224)], 22)     # 4
    canvas.add_stroke([(178, 120), (174, 200), (172, 300)], 22)
    canvas.add_stroke([(300, 110), (340, 80), (395, 84), (412, 130), (380, 200), (330, 270), (300, 305),
                       (360, 300), (425, 298)], 22)                                       # 2
    canvas.add_stroke([(520, 95), (600, 92), (620, 96), (590, 170), (560, 240), (545, 305)], 22)  # 7
    canvas.add_stroke([(540, 195), (610, 190)], 18)
    pump(5, lambda: window.draw_page.last_reading is not None and len(window.draw_page.last_reading.text) >= 3)
    shoot(window, "draw.png")

    # --- Images: pictures read one by one --------------------------------------------------------
    with np.load(ROOT.parent / "shared" / "data" / "mnist.npz") as d:
        digits = d["x_test"][:5]
    pictures = work / "pictures"
    pictures.mkdir()
    files = []
    for i, digit in enumerate(digits):
        path = pictures / f"scan-{i + 1}.png"
        Image.fromarray(255 - digit).resize((112, 112), Image.BILINEAR).save(path)
        files.append(str(path))
    subprocess.run([sys.executable, "-m", "tests.synth", str(work / "cheques"), "--count", "16",
                    "--formats", "png"], cwd=ROOT, check=True, capture_output=True)
    cheques = sorted((work / "cheques").glob("*.png"))
    amount = work / "amount.png"
    with Image.open(cheques[0]) as im:
        w, h = im.size
        im.crop((int(0.7157 * w), int(0.3187 * h), int(0.9843 * w), int(0.4812 * h))).save(amount)
    files.append(str(amount))
    window.add_pictures(files)
    page = window.images_page
    pump(30, lambda: len(page.table_model.items) == len(files) and not page.is_busy())
    shoot(window, "images.png")

    # --- Batch: cheque scans through the amount template, finished -----------------------------------
    batch = window.batch_page
    window.tabs.setCurrentIndex(BATCH)
    batch.set_folder(str(work / "cheques"))
    batch.template_edit.setText(str(work / "cheques" / "template.json"))
    batch.set_mode("auto")
    done = []
    batch.batchFinished.connect(done.append)
    batch.start()
    pump(300, lambda: bool(done))
    pump(2.0)   # thumbnails
    model = batch.results_model
    for row in range(model.rowCount()):
        if model.result(row).status == "review":
            model.correct(row, model.result(row).prediction)   # unchanged text: not a correction
            break
    batch.table.selectRow(1)
    shoot(window, "batch.png")

    # --- The template editor on a sample scan ------------------------------------------------------
    from digitdesk.gui.template_editor import TemplateEditor

    editor = TemplateEditor(window, template_path=str(work / "cheques" / "template.json"),
                            sample_folder=str(work / "cheques"))
    editor.resize(WIDTH, 600)
    editor.show()
    pump(10, lambda: editor.sample_path != "")
    editor.view.fitInView(editor.page_bounds(), Qt.AspectRatioMode.KeepAspectRatio)
    editor.fields()[0].setSelected(True)
    shoot(editor, "template.png", colors=24, scale=0.75)   # the scan's paper texture is most of the bytes
    editor.close()

    window.close()
    shutil.rmtree(work, ignore_errors=True)
    app.quit()


if __name__ == "__main__":
    main()
