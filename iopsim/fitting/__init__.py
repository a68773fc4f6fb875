"""Fitting a scenario to a program's records, and checking the fit against what happened."""
