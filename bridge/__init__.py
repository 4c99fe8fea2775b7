"""The bridge between the pure meters and the world: files, audio devices, plugins, the DAW.

It reads and writes audio (``audio_io``, ``measure``: block by block), measures a file and
advises in a context with the engineer's taste (``advise``: the one way every face asks),
keeps the engineer's sessions (``session``: :class:`Session`, :class:`SessionRegistry`),
renders and auditions moves (``render``, ``limiter``, ``apply``, ``checks``, ``audition``,
``player``), keeps chains (``chain``: the file format; ``slots``: built and rendered), reads
several stems at once (``stems``), watches a bounce folder (``watch``), and holds the
packages for plugins (:mod:`bridge.plugins`), the bridge's own OSC server
(:mod:`bridge.osc`) and the DAW link (:mod:`bridge.daw`). ``app`` names the program and its
version. It imports :mod:`analyzers` only: never :mod:`presets` or :mod:`ui`, never Qt.
"""
