"""Results for people: number formats, charts, the HTML report and its tables, the time-lapse.
Imports iopsim.core and iopsim.analysis, never an app."""
