"""Second Ear's user interfaces: the command line (``ui.cli``) and, later, the PyQt6 panel.

Only this package imports PyQt6, and only in the panel's modules.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("secondear")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
