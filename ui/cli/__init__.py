"""The ``secondear`` command line, one module per command family (as ``ui/panel/`` has one
per part of the window): ``analyze``, ``suggest`` (suggest, apply) with ``stems``,
``render`` (render, ab), ``daw`` (serve, status, push, watch, follow), ``plugins``,
``presets`` and ``panel`` (the launcher of ``ui.panel``); ``context`` holds what several
commands share (the context flags, files and folders, progress bars, errors) and ``report``
the readable text. The work itself is done in :mod:`bridge` and :mod:`analyzers`; nothing
here decides anything about audio.
"""

from .main import main

__all__ = ["main"]
