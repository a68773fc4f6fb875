"""iopsim: simulate client flow through an Intensive Outpatient Program."""
