"""The bridge's error family: everything it raises derives from :class:`BridgeError`."""

from __future__ import annotations


class BridgeError(Exception):
    """Root of every error raised by :mod:`bridge`."""


class AudioReadError(BridgeError, OSError):
    """An audio file cannot be read; the message names the file and says why."""


class PluginFailureError(BridgeError):
    """A third-party plugin failed while the chain host ran it in its worker process.

    ``plugin`` names the plugin (its name, else its bundle's), ``slot`` is the slot's index
    in the chain (0-based), ``detail`` says what happened (the signal, the timeout, the
    worker's last log lines). ``result`` is set by the chain host: the render's outcome
    (the input audio, the other slots' output with this slot bypassed, the report with this
    slot marked failed); see :class:`bridge.plugins.host.ChainRender`.
    """

    def __init__(self, message: str, *, plugin: str, slot: int, detail: str = "") -> None:
        super().__init__(message)
        self.plugin = plugin
        self.slot = slot
        self.detail = detail
        self.result: object | None = None


class PluginCrashError(PluginFailureError):
    """The plugin's worker process died (a segfault, an abort, any signal or exit) mid-call."""


class PluginHangError(PluginFailureError):
    """The plugin did not answer within the timeout; its worker process was killed."""


class DawLinkError(BridgeError, OSError):
    """The DAW does not answer over OSC (not running, wrong port, OSC surface off) or a
    reply cannot be used; the message names the DAW, the address and what was tried."""
