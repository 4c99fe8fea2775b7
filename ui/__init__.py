"""Second Ear's faces: the command line (:mod:`ui.cli`, the ``secondear`` command) and the
PyQt6 panel (:mod:`ui.panel`). Both are thin: what they show and do is done by
:mod:`presets`, :mod:`bridge` and :mod:`analyzers` below them. Only :mod:`ui.panel` imports
PyQt6.
"""

from bridge.app import VERSION as __version__

__all__ = ["__version__"]
