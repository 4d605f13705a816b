"""Demo data (members.csv, scenario.json for `make run`) and `make demo` (python -m demo)."""
