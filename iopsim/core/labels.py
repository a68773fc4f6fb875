"""Parameters in plain words: the one source of the labels the lab's form and the reports show.

    label("staff.iop_counsellors")                     # 'IOP counsellors'
    change_words(base, alternative)                    # ['Evening track: groups 1 → 2', 'Staff: IOP counsellors 4 → 5']

A label comes from the field's name ("iop_counsellors" -> "IOP counsellors"), with the few words
a name alone would not make clear in ``LABELS`` and ``WORDS``; a change names the field's group,
or the track by its name, so that "tracks.tracks[1].groups" reads "Evening track: groups".
"""

from __future__ import annotations

from typing import Any

from iopsim.core import paths
from iopsim.core.formatting import show_value

LABELS = {"name": "Scenario name"}
"""Labels that the field name alone would not make clear."""
WORDS = {"iop": "IOP", "op": "OP", "p90": "90th percentile", "co": "co-"}


def label(path: str) -> str:
    """'staff.iop_counsellors' -> 'IOP counsellors'; 'relapse.after_completion' -> 'After completion'."""
    if path in LABELS:
        return LABELS[path]
    name = [part for part in paths.split(path) if isinstance(part, str)][-1]
    words = [WORDS.get(word, word) for word in name.split("_")]
    text = " ".join(words).replace("co- ", "co-")
    return text[0].upper() + text[1:]


def where(path: str, data: dict[str, Any]) -> str:
    """What a path belongs to, in words: 'Evening track' for a track's field (by its name in ``data``,
    a scenario's ``to_dict()``), else the label of its group ('Staff', 'Step down')."""
    parts = paths.split(path)
    index = next((i for i, p in enumerate(parts) if isinstance(p, int)), None)
    if index is not None:
        item = paths.read(data, paths.join(parts[:index + 1]))
        name = item.get("name") if isinstance(item, dict) else None
        kind = str(parts[index - 1]).rstrip("s")
        return f"{str(name).capitalize()} {kind}" if name else f"{kind.capitalize()} {parts[index] + 1}"
    return label(str(parts[0]))


def change_words(base: Any, other: Any) -> list[str]:
    """The parameters ``other`` sets differently from ``base`` (two Scenarios), each in plain words:
    'Evening track: groups 1 → 2'; a track added or removed is named as such."""
    a, b = base.to_dict(), other.to_dict()
    flat_a, flat_b = paths.flatten(a), paths.flatten(b)
    out = []
    for path in dict.fromkeys([*flat_a, *flat_b]):
        if path == "name" or flat_a.get(path) == flat_b.get(path):
            continue
        if path not in flat_a or path not in flat_b:
            data, verb = (b, "added") if path not in flat_a else (a, "removed")
            words = f"{where(path, data)} {verb}"
        else:
            before, after = show_value(flat_a[path]), show_value(flat_b[path])
            words = f"{where(path, b)}: {_in_sentence(label(path))} {before} → {after}"
        if words not in out:
            out.append(words)
    return out


def _in_sentence(text: str) -> str:
    """A label inside a sentence: 'Per week' -> 'per week', 'IOP counsellors' stays."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]
