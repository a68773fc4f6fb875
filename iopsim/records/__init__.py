"""A program's own records: reading and checking them, and the synthetic examples the project ships.

Two formats are read (``program``: one row per episode with dates; ``teds``: a TEDS-D style
extract with grouped lengths of stay and no dates).  Both become one table of episodes
(``episodes.COLUMNS``) that ``iopsim.fitting`` estimates from.  No record is ever copied into an
output: the fit, its report and its messages carry counts and estimates only.
"""
