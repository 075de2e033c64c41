"""Developer tooling behind the Makefile: training, the process supervisor, evaluation."""
