"""Following the DAW's selection: which track the engineer selected, as it changes, through
the profile's feedback (Ardour's ``/set_surface`` select feedback, another DAW's ``select``
address, or a polled ``selected_track`` verb)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from .client import DawClient


def follow_selection(daw: DawClient, stop: threading.Event, on_change: Callable[[dict[str, Any]], object], *,
                     duration_s: float | None = None) -> int:  # fmt: skip
    """Report the DAW's selection changes to ``on_change({"track": number|None, "name": …})``.

    Ardour: ``/set_surface 0 31 8192 0 0 0`` (select feedback) then ``/select/name`` (and
    ``/strip/select ssid 1`` when it comes) name the selected strip. Other profiles: the
    DAW's feedback on the profile's ``select`` address (``/track/{track}/select 1``) says
    which track is selected; a profile with a ``selected_track`` verb that has a reply is
    polled as well. Returns how many changes were reported.
    """

    names: dict[int, str] = {}
    try:
        names = {int(t["number"]): t["name"] for t in daw.list_tracks()}
    except Exception:  # noqa: BLE001 - names are a nicety; feedback still works without them
        names = {}
    is_ardour = daw.daw == "ardour"
    select_re = None
    if is_ardour:
        daw.send_message("/set_surface", [0, 31, 8192, 0, 0, 0])
    elif daw.supports("select"):
        addr = daw.profile["verbs"]["select"]["address"]
        if "{track}" in addr:
            select_re = re.compile("^" + re.escape(addr).replace(re.escape("{track}"), r"(\d+)") + "$")
    poll = daw.supports("selected_track") and "reply" in daw.profile["verbs"]["selected_track"]
    last: tuple[Any, Any] | None = None
    changes = 0
    end = None if duration_s is None else time.monotonic() + duration_s
    next_poll = 0.0

    def report(number: int | None, name: str | None) -> None:
        nonlocal last, changes
        if number is not None and name is None:
            name = names.get(number)
        if name is not None and number is None:
            number = next((n for n, nm in names.items() if nm == name), None)
        if (number, name) == last:
            return
        last = (number, name)
        changes += 1
        on_change({"daw": daw.daw, "track": number, "name": name})

    while not stop.is_set() and (end is None or time.monotonic() < end):
        if poll and time.monotonic() >= next_poll:
            next_poll = time.monotonic() + 0.5
            try:
                v = daw.request("selected_track")
                report(daw.track_from_daw(v) if isinstance(v, (int, float)) else None, v if isinstance(v, str) else None)
            except Exception:  # noqa: BLE001 - a missed poll; the next one may answer
                pass
        until = min(t for t in (time.monotonic() + 0.5, end, next_poll if poll else None) if t is not None)
        for addr, a in daw.listen(max(0.0, until - time.monotonic()), stop=stop):
            if is_ardour and addr == "/select/name" and a:
                name = str(a[0]).strip()
                report(None, name) if name else report(None, None)
            elif is_ardour and addr == "/strip/select" and len(a) >= 2 and a[1]:
                report(int(a[0]), None)
            elif select_re is not None:
                m = select_re.match(addr)
                if m and (not a or a[0]):
                    report(daw.track_from_daw(int(m.group(1))), None)
    if is_ardour:
        try:
            daw.send_message("/set_surface", [0, 31, 0, 0, 0, 0])  # feedback off again
        except Exception:  # noqa: BLE001
            pass
    return changes
