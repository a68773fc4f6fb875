"""What the model's runs mean: KPIs from the event log, replications with intervals, paired
comparisons, warm-up, calibration and queueing checks. Imports only iopsim.core."""
