"""Two files of the same name from different folders are told apart in the source list."""

from __future__ import annotations

from bridge.session import Session
from signals import pink_noise, write_float_wav
from ui.panel.controller import distinct_names
from ui.panel.window import PanelWindow


def test_distinct_names_add_the_shortest_parent_path_that_tells_them_apart():
    names = distinct_names(["/m/a/song/mix.flac", "/m/b/song/mix.flac", "/m/c/mix.flac", "/m/c/vox.wav", "<demo>"])
    assert names == {"/m/a/song/mix.flac": "a/song/mix.flac", "/m/b/song/mix.flac": "b/song/mix.flac",
                     "/m/c/mix.flac": "c/mix.flac", "/m/c/vox.wav": "vox.wav", "<demo>": "<demo>"}  # fmt: skip
    assert distinct_names(["/x/mix.flac"]) == {"/x/mix.flac": "mix.flac"}


def test_the_source_list_names_two_mix_files_by_their_folders(qtbot, rng, tmp_path):
    paths = []
    for folder in ("verse-take", "chorus-take"):
        (tmp_path / folder).mkdir()
        p = tmp_path / folder / "mix.wav"
        write_float_wav(p, pink_noise(rng, 3.0, 48000), 48000)
        paths.append(p)
    w = PanelWindow(Session.from_file(paths[0]))
    qtbot.addWidget(w)
    items = lambda: [w.source_combo.itemText(i) for i in range(w.source_combo.count())]  # noqa: E731
    assert items() == ["mix.wav"]  # alone: the file name is enough
    w.show_session(Session.from_file(paths[1]))
    assert items() == ["verse-take/mix.wav", "chorus-take/mix.wav"]  # both renamed when the second came
    assert w.source_combo.currentText() == "chorus-take/mix.wav"
    w.show_session(Session.from_file(paths[0]), label="Vox bus — mix.wav")  # a DAW track keeps its label
    assert items() == ["Vox bus — mix.wav", "mix.wav"]
    w.jobs.wait()
