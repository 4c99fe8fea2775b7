"""Second Ear's faces: the command line (:mod:`ui.cli`, the ``secondear`` command) and the
PyQt6 panel (:mod:`ui.panel`). Both are thin: what they show and do is done by
:mod:`presets`, :mod:`bridge` and :mod:`analyzers` below them. Only :mod:`ui.panel` imports
PyQt6.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("secondear")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
