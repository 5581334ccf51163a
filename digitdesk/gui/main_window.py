"""The main window: three workspaces (Draw, Images, Batch), menus, drops, paste and settings.

The window is built without touching the model; :class:`.model_provider.ModelProvider` loads it
in the background and each workspace starts reading once it arrives.
"""

from __future__ import annotations

import os
from typing import Optional, Sequence

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMainWindow, QMessageBox, QTabWidget

from . import settings as keys
from .batch_page import BatchPage
from .draw_page import DrawPage
from .icons import app_icon, themed
from .images_page import ImagesPage
from .model_provider import ModelProvider
from .settings import Settings

DRAW, IMAGES, BATCH = range(3)


def image_file_filter() -> str:
    from ..formats import IMAGE_EXTENSIONS

    patterns = " ".join(f"*{e}" for e in sorted(IMAGE_EXTENSIONS))
    return f"Pictures ({patterns});;All files (*)"


class MainWindow(QMainWindow):
    def __init__(self, model_path: Optional[str] = None):
        super().__init__()
        self.setWindowTitle("digitdesk")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.settings = Settings()
        self.provider = ModelProvider(model_path, self)
        self.provider.ready.connect(self._model_ready)
        self.provider.failed.connect(self._model_failed)
        self._threshold_saved = self.settings.float(keys.REVIEW_THRESHOLD, None)

        self.draw_page = DrawPage()
        self.images_page = ImagesPage()
        self.batch_page = BatchPage()
        self.batch_page.model_path = model_path
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.draw_page, "&Draw")
        self.tabs.addTab(self.images_page, "&Images")
        self.tabs.addTab(self.batch_page, "&Batch")
        self.tabs.currentChanged.connect(self._workspace_changed)
        self.setCentralWidget(self.tabs)

        for page in (self.draw_page, self.images_page, self.batch_page):
            page.message.connect(self.show_message)
        self.draw_page.penWidthChanged.connect(lambda w: self.settings.set(keys.PEN_WIDTH, w))
        self.draw_page.mode_box.currentIndexChanged.connect(
            lambda _: self.settings.set(keys.DRAW_MODE, self.draw_page.mode_box.currentData()))
        self.images_page.openRequested.connect(self.open_files)
        self.images_page.itemActivated.connect(self._show_image_item)
        self.batch_page.folderUsed.connect(self._folder_used)
        self.batch_page.thresholdChanged.connect(self._threshold_changed)
        self.batch_page.resultActivated.connect(self._show_result)
        self.batch_page.batchFinished.connect(lambda _: self.export_action.setEnabled(True))
        self.batch_page.recursive_box.toggled.connect(lambda on: self.settings.set(keys.BATCH_RECURSIVE, on))
        self.batch_page.mode_box.currentIndexChanged.connect(
            lambda _: self.settings.set(keys.BATCH_MODE, self.batch_page.mode()))
        self.batch_page.template_edit.editingFinished.connect(
            lambda: self.settings.set(keys.LAST_TEMPLATE, self.batch_page.template_edit.text().strip()))

        self.model_label = QLabel("Loading the model…")
        self.model_label.setAccessibleName("Model status")
        self.statusBar().addPermanentWidget(self.model_label)
        self._build_menus()
        self._restore_settings()
        self._workspace_changed(self.tabs.currentIndex())

    # --- menus --------------------------------------------------------------------------------

    def _action(self, text, slot, shortcut=None, icon: str = "") -> QAction:
        action = QAction(themed(icon) if icon else QAction(self).icon(), text, self)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts(list(shortcut))
            else:
                action.setShortcut(shortcut)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.open_action = self._action("&Open Pictures…", self.open_files, QKeySequence.StandardKey.Open, "document-open")
        file_menu.addAction(self.open_action)
        self.open_folder_action = self._action("Read a &Folder…", self.open_folder, QKeySequence("Ctrl+Shift+O"), "folder-open")
        file_menu.addAction(self.open_folder_action)
        self.recent_menu = file_menu.addMenu("Recent &Folders")
        file_menu.addSeparator()
        self.export_action = self._action("&Export CSV…", self.export_csv, QKeySequence("Ctrl+E"), "document-save")
        self.export_action.setEnabled(False)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        file_menu.addAction(quit_action)

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.draw_page.undo_action)
        edit_menu.addAction(self.draw_page.redo_action)
        edit_menu.addAction(self.draw_page.clear_action)
        edit_menu.addSeparator()
        self.paste_action = self._action("&Paste Picture", self.paste, QKeySequence.StandardKey.Paste)
        edit_menu.addAction(self.paste_action)
        self.addAction(self.paste_action)

        view_menu = bar.addMenu("&View")
        for i, name in enumerate(("&Draw", "&Images", "&Batch")):
            action = self._action(name, lambda _=False, i=i: self.tabs.setCurrentIndex(i), QKeySequence(f"Ctrl+{i + 1}"))
            view_menu.addAction(action)

        help_menu = bar.addMenu("&Help")
        about = self._action("&About digitdesk", self.show_about, icon="help-about")
        about.setMenuRole(QAction.MenuRole.AboutRole)
        help_menu.addAction(about)
        about_qt = self._action("About &Qt", QApplication.aboutQt)
        about_qt.setMenuRole(QAction.MenuRole.AboutQtRole)
        help_menu.addAction(about_qt)
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        folders = self.settings.recent_folders()
        for folder in folders:
            action = self.recent_menu.addAction(folder)
            action.triggered.connect(lambda _=False, f=folder: self.use_batch_folder(f))
        if folders:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear List", self._clear_recent)
        self.recent_menu.setEnabled(bool(folders))
        self.batch_page.set_recent_folders(folders)

    def _clear_recent(self) -> None:
        self.settings.clear_recent_folders()
        self._rebuild_recent_menu()

    # --- model ----------------------------------------------------------------------------------

    def start_model(self) -> None:
        """Begin loading the model in the background (call once the window is showing)."""
        self.provider.start()

    def _model_ready(self, model) -> None:
        from .about import test_accuracy

        acc = test_accuracy(model.card or {})
        acc_text = f", {acc:.1%} on its test set" if acc is not None and acc <= 1 else ""
        self.model_label.setText(f"Model ready{acc_text}")
        if self._threshold_saved is None:
            self._apply_threshold(model.review_threshold, save=False)
        self.draw_page.set_model(model)
        self.images_page.set_model(model)
        self.show_message("Ready.", 3000)

    def _model_failed(self, message: str) -> None:
        self.model_label.setText("No model")
        self.images_page.set_model_failed(message)
        self.draw_page._show_nothing(f"The model could not be loaded: {message}")
        self.show_message(f"The model could not be loaded: {message}")
        box = QMessageBox(QMessageBox.Icon.Warning, "digitdesk",
                          f"The digit model could not be loaded, so nothing can be read.\n\n{message}",
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("model-error")
        box.open()   # window-modal, not a nested event loop: a headless self-check must not block

    def _apply_threshold(self, threshold: float, save: bool) -> None:
        self.batch_page.threshold_box.blockSignals(True)
        self.batch_page.set_threshold(threshold)
        self.batch_page.threshold_box.blockSignals(False)
        self.draw_page.set_threshold(threshold)
        self.images_page.set_threshold(threshold)
        if save:
            self.settings.set(keys.REVIEW_THRESHOLD, threshold)

    def _threshold_changed(self, threshold: float) -> None:
        self._threshold_saved = threshold
        self._apply_threshold(threshold, save=True)

    # --- workspaces -------------------------------------------------------------------------------

    def _workspace_changed(self, index: int) -> None:
        self.draw_page.set_active(index == DRAW)
        if index == DRAW:
            self.draw_page.canvas.setFocus()

    def show_message(self, text: str, timeout: int = 8000) -> None:
        self.statusBar().showMessage(text, timeout)

    def open_files(self) -> None:
        start = self.settings.str(keys.LAST_OPEN_FOLDER, os.path.expanduser("~"))
        paths, _ = QFileDialog.getOpenFileNames(self, "Open pictures", start, image_file_filter())
        if paths:
            self.settings.set(keys.LAST_OPEN_FOLDER, os.path.dirname(paths[0]))
            self.add_pictures(paths)

    def add_pictures(self, paths: list[str]) -> None:
        self.tabs.setCurrentIndex(IMAGES)
        self.images_page.add_paths(paths)
        self.show_message(f"Reading {len(paths)} item{'s' if len(paths) != 1 else ''}…")

    def open_paths(self, paths: Sequence[str]) -> None:
        """Open what the app was started with (``digitdesk FILE... | FOLDER``, the desktop entry's %F).

        Pictures go to the Images workspace and are read (as soon as the model is there); a folder
        becomes the Batch workspace's folder, ready but not started, since a batch can be long.
        Paths that are not there become rows that say so, and the status bar names them.
        """
        files = [p for p in paths if not os.path.isdir(p)]
        folders = [p for p in paths if os.path.isdir(p)]
        notes = []
        if folders:
            self.use_batch_folder(folders[0])
            if not os.access(folders[0], os.R_OK | os.X_OK):
                notes.append(f"The folder {folders[0]} cannot be read: permission denied.")
            else:
                notes.append(f"Folder to read: {folders[0]} (press Read folder to start).")
            if len(folders) > 1:
                notes.append("A batch reads one folder at a time; not opened: " + ", ".join(folders[1:]) + ".")
        if files:
            self.add_pictures(files)
            missing = [os.path.basename(p) or p for p in files if not os.path.lexists(p)]
            if missing:
                notes.append("Not found: " + ", ".join(missing) + ".")
        if notes:
            self.show_message(" ".join(notes), 20000)

    def open_folder(self) -> None:
        start = self.batch_page.folder() or self.settings.str(keys.LAST_BATCH_FOLDER, os.path.expanduser("~"))
        folder = QFileDialog.getExistingDirectory(self, "Folder to read", start)
        if folder:
            self.use_batch_folder(folder)

    def use_batch_folder(self, folder: str) -> None:
        self.batch_page.set_folder(folder)
        self.tabs.setCurrentIndex(BATCH)

    def _folder_used(self, folder: str) -> None:
        self.settings.set(keys.LAST_BATCH_FOLDER, folder)
        self.settings.add_recent_folder(folder)
        self._rebuild_recent_menu()

    def export_csv(self) -> None:
        if self.batch_page.results_model.rowCount() == 0:
            self.show_message("Nothing to export yet: read a folder in the Batch workspace first.")
            return
        path = self.batch_page.export_csv()
        if path:
            self.settings.set(keys.LAST_EXPORT_FOLDER, os.path.dirname(os.path.abspath(path)))

    def paste(self) -> None:
        data = QApplication.clipboard().mimeData()
        if data is None:
            return
        if self._take_mime(data):
            return
        self.show_message("The clipboard holds no picture to read.")

    def _take_mime(self, data) -> bool:
        paths = [u.toLocalFile() for u in data.urls() if u.isLocalFile()] if data.hasUrls() else []
        if paths:
            self.add_pictures(paths)
            return True
        if data.hasImage():
            image = data.imageData()
            if image is not None and not image.isNull():
                self.tabs.setCurrentIndex(IMAGES)
                self.images_page.add_image(image)
                return True
        if data.hasText():
            candidates = [t.strip() for t in data.text().splitlines() if t.strip()]
            if candidates and all(os.path.exists(c) for c in candidates):
                self.add_pictures(candidates)
                return True
        return False

    # --- drag and drop, anywhere on the window ------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        data = event.mimeData()
        if (data.hasUrls() and any(u.isLocalFile() for u in data.urls())) or data.hasImage():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        data = event.mimeData()
        folders = [u.toLocalFile() for u in data.urls() if u.isLocalFile()] if data.hasUrls() else []
        if self.tabs.currentIndex() == BATCH and len(folders) == 1 and os.path.isdir(folders[0]):
            self.use_batch_folder(folders[0])      # a folder dropped on Batch is the folder to read
            self.show_message(f"Folder to read: {folders[0]}")
            event.acceptProposedAction()
            return
        if self._take_mime(data):
            event.acceptProposedAction()
        else:
            event.ignore()

    # --- viewing one picture -------------------------------------------------------------------------

    def _show_result(self, result) -> None:
        from .image_viewer import ImageViewer

        if not result.path:
            return
        field = None
        template = self.batch_page.template
        if result.field and template is not None:
            match = [f for f in template.fields if f.name == result.field]
            field = match[0] if match else None
        caption = f"{result.file}, page {result.page}" + (f", field {result.field}" if result.field else "")
        caption += f": {result.prediction or '–'} ({result.status})" + (f" — {result.error}" if result.error else "")
        viewer = ImageViewer(self, f"{result.file} – digitdesk", result.path, result.page, result.boxes,
                             result.prediction, field=field, caption=caption)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()

    def _show_image_item(self, item) -> None:
        from .image_viewer import ImageViewer

        caption = f"{item.name}: {item.text or item.message}"
        viewer = ImageViewer(self, f"{item.name} – digitdesk", item.path, item.page, item.boxes, item.text,
                             gray=item.gray, caption=caption)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()

    def show_about(self) -> None:
        from .about import show_about

        return show_about(self, self.provider.model, self.provider.error)

    # --- settings -------------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value(keys.GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 720)
        state = s.value(keys.WINDOW_STATE)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        self.tabs.setCurrentIndex(min(max(s.int(keys.WORKSPACE, DRAW), 0), 2))
        self.draw_page.set_pen_width(s.int(keys.PEN_WIDTH, keys.DEFAULT_PEN_WIDTH))
        self.draw_page.set_mode(s.str(keys.DRAW_MODE, "auto"))
        if self._threshold_saved is not None:
            self._apply_threshold(self._threshold_saved, save=False)
        self.batch_page.set_folder(s.str(keys.LAST_BATCH_FOLDER, ""))
        self.batch_page.recursive_box.setChecked(s.bool(keys.BATCH_RECURSIVE, False))
        self.batch_page.set_mode(s.str(keys.BATCH_MODE, "auto"))
        self.batch_page.template_edit.setText(s.str(keys.LAST_TEMPLATE, ""))
        self.batch_page.export_folder = s.str(keys.LAST_EXPORT_FOLDER, "")

    def _confirm_quit(self) -> bool:
        answer = QMessageBox.question(
            self, "digitdesk", "A batch is still reading. Stop it and quit?\n\n"
            "Rows read so far are lost unless you export them first.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def save_settings(self) -> None:
        s = self.settings
        s.set(keys.GEOMETRY, self.saveGeometry())
        s.set(keys.WINDOW_STATE, self.saveState())
        s.set(keys.WORKSPACE, self.tabs.currentIndex())
        s.set(keys.PEN_WIDTH, int(self.draw_page.canvas.pen_width))
        s.set(keys.LAST_TEMPLATE, self.batch_page.template_edit.text().strip())
        if self.batch_page.folder():
            s.set(keys.LAST_BATCH_FOLDER, self.batch_page.folder())
        s.sync()

    def closeEvent(self, event) -> None:
        if self.batch_page.is_running() and self.isVisible() and not self._confirm_quit():
            event.ignore()
            return
        self.save_settings()
        self.batch_page.shutdown()
        self.draw_page.shutdown()
        self.images_page.shutdown()
        super().closeEvent(event)
