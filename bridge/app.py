"""The program's name and installed version, read once for every package above."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

#: The distribution's and the command's name; also the folder name under the user's
#: config and cache folders.
APP_NAME = "secondear"

try:
    VERSION = version(APP_NAME)
except PackageNotFoundError:  # a source tree that is not installed
    VERSION = "0+unknown"
