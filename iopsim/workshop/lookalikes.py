"""Letters of other scripts that look like Latin ones, for telling team names apart.

"Team A" in Latin letters and "Теаm А" with Cyrillic Т, е and А look the same on the projector,
so they must be one name.  ``LATIN`` maps the Cyrillic and Greek letters that are drawn like a
Latin letter (after Unicode's confusables list, TR 39) to that letter; letters drawn differently
(Greek α and β, Cyrillic д or ж) are kept, so "Team α" and "Team β" stay two teams.  Capitals
and small letters are mapped apart (Greek Η is drawn as H, η as n).
"""

from __future__ import annotations

_CYRILLIC = {"А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
             "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W",
             "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
             "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l"}
_GREEK = {"Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
          "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
          "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x"}
LATIN = str.maketrans({**_CYRILLIC, **_GREEK})
