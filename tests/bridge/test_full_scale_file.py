"""Full scale in fixed-point and float files, read as files are read.

Found by trying the installed product: a 16-bit file clipped at full scale was warned about
as "samples beyond full scale (float file)" (pedalboard reads -32768 as -1.0000305), while a
float file whose samples go to +3.5 dB beyond full scale was called clipped and given a
limiter; it still holds every sample, so plain gain brings it back whole.
"""

from __future__ import annotations

import numpy as np
import soundfile as sf
from signals import sine

from analyzers import analyze
from analyzers.context import make_context
from analyzers.suggest import suggest
from bridge.measure import analyze_file
from bridge.render import render_move

RATE = 48000


def test_a_16_bit_file_clipped_at_full_scale_is_clipped_not_beyond_it(tmp_path):
    x = np.clip(sine(100.0, 0.0, 0.5, RATE) * np.float32(1.5), -1.0, 1.0)
    path = tmp_path / "clipped16.wav"
    sf.write(path, x.T, RATE, subtype="PCM_16")
    info, a = analyze_file(path)
    assert info.file_dtype == "int16"
    assert a.hygiene.over_full_scale_samples == 0
    assert not any("beyond full scale" in w for w in a.warnings)
    assert a.hygiene.clipped_samples > 0.2 * x.size


def test_float_overs_get_plain_gain_to_minus_1_dbtp(tmp_path):
    x = sine(997.0, 0.0, 3.0, RATE) * np.float32(10 ** (3.5 / 20))
    path = tmp_path / "over.wav"
    sf.write(path, x.T, RATE, subtype="FLOAT")
    _, a = analyze_file(path)
    assert a.hygiene.over_full_scale_samples > 0 and a.hygiene.clipped_samples == 0
    advice = suggest(a, make_context(role_name="vocal"))
    moves = [s for s in advice.suggestions if s.aspect == "true_peak"]
    assert [s.move.kind for s in moves] == ["gain"]
    assert abs(moves[0].move.params["gain_db"] - -(a.levels.true_peak_dbtp + 1.0)) < 0.06
    y = render_move(x, RATE, moves[0].move)
    assert abs(analyze(y, RATE).levels.true_peak_dbtp - -1.0) < 0.1
    # gain keeps the waveform's shape: the same sine, only lower
    assert np.allclose(y, x * 10 ** (moves[0].move.params["gain_db"] / 20), atol=1e-5)
