"""The engineer's own VST3/AU plugins: finding them, knowing them, putting moves on them and
rendering through them, always in a child process (plugin code is foreign code).

* :mod:`.discovery` — the standard plugin folders per OS, the folder
  ``scripts/fetch-plugins`` fills, the folders users add; finding bundles in them.
* :mod:`.scan` — loading each bundle in its own short-lived child process (a crashing or
  hanging plugin cannot take the scan down) and describing every plugin in it: name,
  vendor, identifier, format, channel layout, latency, every parameter with its range.
* :mod:`.index` — the JSON cache of those descriptions, written atomically, versioned.
* :mod:`.records` — the immutable records they share.
* :mod:`.mapping` (with the maps in ``maps/``) — how a move goes onto a plugin's parameters;
  :mod:`.placement` — which plugin of a chain realises which move.
* :mod:`.host`, :mod:`.worker`, :mod:`.params` — rendering a chain through plugins, each in
  its worker process, parameters set exactly.
* :mod:`.verify`, :mod:`.verdicts` — a map checked by measuring the real plugin, and the
  verdicts kept.
"""

from .discovery import fetch_cache_dir, fetched_plugin_folder, find_bundles, plugin_folders, standard_folders
from .index import (
    SCHEMA_VERSION,
    PluginIndex,
    PluginIndexError,
    PluginNotFoundError,
    UnsupportedIndexSchemaError,
    default_index_path,
    find_plugins,
    load_index,
    not_found_message,
    plugin_named,
    save_index,
)
from .records import BundleEntry, Fingerprint, ParameterInfo, PluginInfo
from .scan import DEFAULT_TIMEOUT_S, ScanReport, bundle_fingerprint, describe_bundle, scan_plugins

__all__ = [
    "DEFAULT_TIMEOUT_S", "SCHEMA_VERSION", "BundleEntry", "Fingerprint", "ParameterInfo",
    "PluginIndex", "PluginIndexError", "PluginInfo", "PluginNotFoundError", "ScanReport", "UnsupportedIndexSchemaError",
    "bundle_fingerprint", "default_index_path", "describe_bundle", "fetch_cache_dir",
    "fetched_plugin_folder", "find_bundles", "find_plugins", "load_index", "not_found_message", "plugin_folders", "plugin_named",
    "save_index", "scan_plugins", "standard_folders",
]  # fmt: skip
