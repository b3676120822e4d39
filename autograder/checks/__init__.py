"""The reusable kinds of hidden check: against the reference, by gradient check, on trajectories and training runs."""
