"""The thin click command line: one module per command, shared options in options.py, the group in main.py.
Every command maps errors onto the exit-code contract (0 pass, 1 policy failure, 2 cannot evaluate, 3 bug)."""
