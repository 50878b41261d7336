// Intentionally empty: the target only provides the fuzz binary's entry point.
