"""The `kb` commands that have grown beyond a few lines of kb/cli.py, and the exit codes all commands share."""
