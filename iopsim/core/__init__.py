"""The model: a scenario's parameters and files, the clinic's calendar and resources, random
streams, the client journey, and the event log it writes. Imports nothing else of iopsim."""
