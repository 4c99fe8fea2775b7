"""What a scan learns about a plugin: immutable records, and their JSON form.

A :class:`BundleEntry` is one bundle on disk (a ``.vst3`` or ``.component``) as the scan
found it: its fingerprint (mtime and size, to know when to scan it again), whether it
loaded, why not, and the :class:`PluginInfo` of every plugin inside it. Each plugin lists
its :class:`ParameterInfo` — pedalboard's Python name for the parameter (units in the name,
e.g. ``threshold_db``), its range in the plugin's own units, its step and its default.

``to_dict`` / ``from_dict`` give the JSON form the index file stores (:mod:`.index`) and
``secondear plugins … --json`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Value = float | bool | str | None

#: Parameters a plugin framework adds for the host's sake, not the sound's: DPF's buffer
#: size, sample rate and latency reports, and VST3's program switch.
META_PARAMETERS = frozenset({"buffer_size_frames", "sample_rate_frames", "latency_frames", "current_program"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ParameterInfo:
    """One parameter of a plugin, as pedalboard exposes it.

    Attributes
    ----------
    name : str
        pedalboard's Python identifier (``threshold_db``, ``frequency_1_hz``): the key for
        ``load_plugin(parameter_values=…)`` and for setting it on a loaded plugin.
    display_name : str
        The plugin's own name for it (``"Threshold"``).
    kind : str
        ``"float"``, ``"bool"`` or ``"choice"`` (a value from ``choices``).
    units : str or None
        The plugin's unit label (``"dB"``, ``"Hz"``, ``"%"``), None when it gives none.
    min_value, max_value : float or None
        Range in ``units``; None for a choice.
    step : float or None
        The exact step when the plugin declares one (``1.0`` for a switch).
    approx_step : float or None
        pedalboard's estimate of the smallest change when there is no declared step.
    default : float, bool, str or None
        The value right after loading, in ``units`` (or the choice's text).
    default_raw : float or None
        The plugin's default as a normalized 0–1 value.
    choices : tuple of str
        The texts a choice parameter takes, in order (empty otherwise).
    automatable : bool
        False for meters and read-outs (``gain_reduction_db``) and host-only parameters.
    meta : bool
        True for parameters a framework adds for the host (:data:`META_PARAMETERS`).
    """

    name: str
    display_name: str
    kind: str
    units: str | None
    min_value: float | None
    max_value: float | None
    step: float | None
    approx_step: float | None
    default: Value
    default_raw: float | None
    choices: tuple[str, ...] = ()
    automatable: bool = True
    meta: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "display_name": self.display_name, "kind": self.kind,
            "units": self.units, "min": self.min_value, "max": self.max_value,
            "step": self.step, "approx_step": self.approx_step, "default": self.default,
            "default_raw": self.default_raw, "choices": list(self.choices),
            "automatable": self.automatable, "meta": self.meta,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ParameterInfo:
        return cls(
            name=d["name"], display_name=d["display_name"], kind=d["kind"], units=d["units"],
            min_value=d["min"], max_value=d["max"], step=d["step"], approx_step=d["approx_step"],
            default=d["default"], default_raw=d["default_raw"], choices=tuple(d["choices"]),
            automatable=d["automatable"], meta=d["meta"],
        )  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginInfo:
    """One plugin found in a bundle.

    Attributes
    ----------
    name : str
        The plugin's name (``"ZamEQ2"``, ``"Dragonfly Room Reverb"``); pass it as
        ``plugin_name`` to ``pedalboard.load_plugin`` for a bundle holding several.
    vendor : str or None
        From the plugin itself, else from the bundle's ``moduleinfo.json`` or
        ``Info.plist``; ``vendor_source`` says which.
    identifier : str
        pedalboard's unique identifier (format, name, unique id), stable across paths.
    format : str
        ``"VST3"`` or ``"AU"``.
    path : str
        The bundle, absolute.
    num_channels : int or None
        The main bus: 2 (stereo) or 1 (mono: run it dual-mono on stereo material); None
        when neither a 2- nor a 1-channel buffer went through (``channel_note`` says why).
    latency_samples : int
        Latency the plugin reports once prepared at ``latency_sample_rate_hz``, in samples.
    parameters : tuple of ParameterInfo
        Every parameter, in the plugin's order (meta parameters included, flagged).
    """

    name: str
    vendor: str | None
    vendor_source: str | None
    identifier: str
    format: str
    path: str
    version: str | None = None
    category: str | None = None
    is_instrument: bool = False
    num_channels: int | None
    channel_note: str | None = None
    latency_samples: int
    latency_sample_rate_hz: float
    parameters: tuple[ParameterInfo, ...]

    @property
    def channels(self) -> str:
        """``"stereo"``, ``"mono"`` or ``"unknown"``."""
        return {2: "stereo", 1: "mono"}.get(self.num_channels or 0, "unknown")

    @property
    def sound_parameters(self) -> tuple[ParameterInfo, ...]:
        """The parameters without the host-side meta ones."""
        return tuple(p for p in self.parameters if not p.meta)

    def parameter(self, name: str) -> ParameterInfo:
        """The parameter called ``name`` (pedalboard's Python name); KeyError lists them."""
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no parameter {name!r}; it has: {', '.join(p.name for p in self.parameters)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "vendor": self.vendor, "vendor_source": self.vendor_source,
            "identifier": self.identifier, "format": self.format, "path": self.path,
            "version": self.version, "category": self.category, "is_instrument": self.is_instrument,
            "channels": self.channels, "num_channels": self.num_channels,
            "channel_note": self.channel_note, "latency_samples": self.latency_samples,
            "latency_sample_rate_hz": self.latency_sample_rate_hz,
            "parameters": [p.to_dict() for p in self.parameters],
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PluginInfo:
        return cls(
            name=d["name"], vendor=d["vendor"], vendor_source=d["vendor_source"],
            identifier=d["identifier"], format=d["format"], path=d["path"], version=d["version"],
            category=d["category"], is_instrument=d["is_instrument"], num_channels=d["num_channels"],
            channel_note=d["channel_note"], latency_samples=d["latency_samples"],
            latency_sample_rate_hz=d["latency_sample_rate_hz"],
            parameters=tuple(ParameterInfo.from_dict(p) for p in d["parameters"]),
        )  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Fingerprint:
    """What tells a changed bundle from an unchanged one (nanoseconds, bytes).

    ``mtime_ns`` is the bundle's own; ``content_mtime_ns`` the newest of everything inside
    it (a replaced binary does not touch its folder's mtime); ``size_bytes`` the total.
    """

    mtime_ns: int
    content_mtime_ns: int
    size_bytes: int

    def to_dict(self) -> dict[str, int]:
        return {"mtime_ns": self.mtime_ns, "content_mtime_ns": self.content_mtime_ns, "size_bytes": self.size_bytes}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Fingerprint:
        return cls(mtime_ns=d["mtime_ns"], content_mtime_ns=d["content_mtime_ns"], size_bytes=d["size_bytes"])


@dataclass(frozen=True, slots=True, kw_only=True)
class BundleEntry:
    """One bundle as the last scan of it found it.

    ``status`` is ``"ok"`` when at least one plugin in it loaded, ``"failed"`` otherwise;
    ``error`` says why (for an ``"ok"`` bundle: why some of its plugins did not load).
    ``scanned_at`` is the Unix time the child process that scanned it finished;
    ``scan_s`` how long that child took, in seconds.
    """

    path: str
    fingerprint: Fingerprint
    status: str
    error: str | None
    plugins: tuple[PluginInfo, ...]
    scanned_at: float
    scan_s: float

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "fingerprint": self.fingerprint.to_dict(), "status": self.status,
            "error": self.error, "scanned_at": self.scanned_at, "scan_s": self.scan_s,
            "plugins": [p.to_dict() for p in self.plugins],
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BundleEntry:
        return cls(
            path=d["path"], fingerprint=Fingerprint.from_dict(d["fingerprint"]), status=d["status"],
            error=d["error"], scanned_at=d["scanned_at"], scan_s=d["scan_s"],
            plugins=tuple(PluginInfo.from_dict(p) for p in d["plugins"]),
        )  # fmt: skip
