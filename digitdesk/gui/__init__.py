"""The desktop app: Qt widgets over the recognition core.

Everything that imports PySide6 lives here. The widgets adapt the core (``digitdesk.recognize``,
``digitdesk.batch``...) to the screen; they own no recognition logic of their own, so the canvas,
dropped images and batches read exactly as the CLI does.
"""
