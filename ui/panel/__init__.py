"""The panel: a PyQt6 face over the same objects the command line uses (``secondear panel``).

* :mod:`.controller` — the panel's state and decisions, without Qt (sessions, the undo
  history, the chain, A/B, export, presets, the watched folder);
* :mod:`.window` — the main window: layout and wiring, drawing what the controller says;
* :mod:`.cards`, :mod:`.meters`, :mod:`.plots` — the suggestion cards, the meters, the plots
  (spectrum before and after, loudness over time, gain reduction; pyqtgraph);
* :mod:`.keys` — the keys, one table for the menus and the help overlay;
* :mod:`.dialogs` — pushing to the DAW, the plugin maps' verdicts, presets;
* :mod:`.listener` — the DAW calling the panel over OSC (``--listen``);
* :mod:`.workers` — long work off the GUI thread; :mod:`.style` — colours and the style sheet;
* :mod:`.app` — the composition root (``secondear panel`` calls :func:`.app.run_panel`).

The command that opens it, with its flags, is :mod:`ui.cli.panel`.
"""
