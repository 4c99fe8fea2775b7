"""Colours and the style sheet of the panel: dark, like the DAWs it sits beside."""

from __future__ import annotations

COLOURS = {
    "bg": "#1e2126",
    "card": "#272b31",
    "card_accepted": "#23352a",
    "card_rejected": "#2a2426",
    "text": "#e6e6e6",
    "muted": "#9aa3ad",
    "grid": "#343a42",
    "plot_bg": "#181b1f",
    "spectrum": "#5aa9e6",
    "compare": "#c9c9c9",
    "eq": "#f5a623",
    "accept": "#3fa765",
    "reject": "#c0504d",
    "high": "#e0533f",
    "medium": "#e0a33f",
    "low": "#7fa7c9",
    "ok": "#3fa765",
    "warn": "#e0a33f",
    "bad": "#e0533f",
}

SEVERITY_LABEL = {"high": "HIGH", "medium": "MED", "low": "LOW"}

STYLE_SHEET = f"""
QWidget {{ background: {COLOURS['bg']}; color: {COLOURS['text']}; }}
QToolTip {{ background: #000; color: #eee; border: 1px solid #555; }}
QFrame#card {{ background: {COLOURS['card']}; border: 1px solid #333a42; border-radius: 6px; }}
QFrame#card[status="accepted"], QFrame#card[status="tweaked"] {{
    background: {COLOURS['card_accepted']}; border: 1px solid {COLOURS['accept']}; }}
QFrame#card[status="rejected"] {{ background: {COLOURS['card_rejected']}; border: 1px solid #4a3a3d; }}
QFrame#card[focused="true"] {{ border: 2px solid {COLOURS['spectrum']}; }}
QLabel#cardTitle {{ font-weight: bold; font-size: 11pt; background: transparent; }}
QLabel#why {{ color: {COLOURS['muted']}; background: transparent; }}
QLabel#meterValue {{ font-size: 15pt; font-weight: bold; }}
QLabel#meterName {{ color: {COLOURS['muted']}; }}
QLabel#sectionTitle {{ font-weight: bold; color: {COLOURS['muted']}; }}
QPushButton {{ background: #343a42; border: 1px solid #4a525c; border-radius: 4px; padding: 4px 10px; }}
QPushButton:hover {{ background: #3d444d; }}
QPushButton:checked {{ background: #2f5d86; border-color: #5aa9e6; }}
QPushButton:disabled {{ color: #6b737c; }}
QPushButton#accept {{ border-color: {COLOURS['accept']}; }}
QPushButton#reject {{ border-color: {COLOURS['reject']}; }}
QLineEdit, QComboBox, QDoubleSpinBox, QSpinBox {{
    background: #15181b; border: 1px solid #4a525c; border-radius: 3px; padding: 2px 4px; }}
QScrollArea {{ border: none; }}
QScrollBar:vertical {{ background: transparent; width: 8px; margin: 0; }}
QScrollBar::handle:vertical {{ background: #4a525c; min-height: 24px; border-radius: 4px; }}
QScrollBar::handle:vertical:disabled {{ background: transparent; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: none; }}
QProgressBar {{ border: 1px solid #4a525c; border-radius: 3px; text-align: center; max-height: 14px; }}
QProgressBar::chunk {{ background: #2f5d86; }}
"""
