"""The panel runs under Qt's offscreen platform in tests (DESIGN.md: "the real panel under
Qt's offscreen platform"), so no display is needed; set before the QApplication exists."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
